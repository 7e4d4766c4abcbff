/* Fuzz the overlay header "ox-overlay": ovheader_parse, the parser behind
 * ovheader_read (plugin/ovheader.c, docs/FORMAT.md 8). The mode byte is
 * not used. Seeds are headers that ovheader_write wrote.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "names.h"
#include "ovheader.h"

static void
seed_header (const char *dir, const char *name, const struct overlay_pin *pin)
{
  char tmp[] = "/tmp/ox-fuzz-ov.XXXXXX", path[64], text[16384];
  int dfd, fd;
  ssize_t n;

  if (mkdtemp (tmp) == NULL || (dfd = open (tmp, O_RDONLY | O_DIRECTORY)) < 0
      || ovheader_write (dfd, tmp, pin) == -1)
    abort ();
  snprintf (path, sizeof path, "%s/" HEADER_NAME, tmp);
  fd = open (path, O_RDONLY);
  n = fd < 0 ? -1 : read (fd, text, sizeof text);
  if (n <= 0)
    abort ();
  fuzz_write_seed (dir, name, 0, text, n);
  close (fd);
  unlink (path);
  close (dfd);
  rmdir (tmp);
}

static void
write_seeds (const char *dir)
{
  struct overlay_pin pin = { .snapshot_id = 0x0123456789abcdefull,
                             .volume_size = 1ull << 30,
                             .chunk_size = 65536 };

  strcpy (pin.store_url, "s3://bucket/prefix");
  strcpy (pin.volume, "disk.0");
  memset (pin.store_id, 0xab, sizeof pin.store_id);
  memset (pin.root_digest, 0x5c, sizeof pin.root_digest);
  seed_header (dir, "clone", &pin);
  pin.complete = 1;
  strcpy (pin.store_url, "file:///var/lib/ox/store");
  seed_header (dir, "complete", &pin);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init (write_seeds);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct overlay_pin pin;
  char *text;

  if (size < 1)
    return 0;
  text = malloc (size); /* the text and its NUL, as ovheader_read has it */
  memcpy (text, data + 1, size - 1);
  text[size - 1] = '\0';
  if (ovheader_parse ("fuzz", text, size - 1, &pin) == 0) {
    /* What the plugin will rely on. */
    if (strlen (pin.store_url) >= sizeof pin.store_url
        || !ox_name_valid (pin.volume) || pin.volume_size == 0
        || pin.chunk_size < OVERLAY_BLOCK_SIZE
        || (pin.chunk_size & (pin.chunk_size - 1)) != 0)
      abort ();
  }
  free (text);
  return 0;
}
