/* Fuzz the overlay header "ox-overlay": ox_ovheader_parse
 * (common/format/ovformat.c, docs/FORMAT.md 8). The mode byte is not used.
 * Seeds are headers that ox_ovheader_format wrote. A header that parses
 * must hold what the plugin relies on, and format back to text that parses
 * to the same fields.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz-format.h"
#include "names.h"
#include "ovformat.h"

static char text[OX_OVHEADER_MAX];

static void
seed_header (const char *dir, const char *name, const struct ox_ovheader *h)
{
  size_t len;

  if (ox_ovheader_format (h, text, sizeof text, &len) == -1)
    abort ();
  fuzz_write_seed (dir, name, 0, text, len);
}

static void
write_seeds (const char *dir)
{
  struct ox_ovheader h = { .snapshot_id = 0x0123456789abcdefull,
                           .volume_size = 1ull << 30,
                           .chunk_size = 65536 };

  strcpy (h.store_url, "s3://bucket/prefix");
  strcpy (h.volume, "disk.0");
  memset (h.store_id, 0xab, sizeof h.store_id);
  memset (h.root_digest, 0x5c, sizeof h.root_digest);
  seed_header (dir, "clone", &h);
  h.complete = 1;
  strcpy (h.store_url, "file:///var/lib/ox/store");
  seed_header (dir, "complete", &h);
}

FUZZ_INITIALIZE (write_seeds)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ox_ovheader h, again;
  uint8_t *in;
  size_t len;

  if (size < 1)
    return 0;
  in = fuzz_dup (data + 1, size - 1); /* exactly the bytes: ASan sees past */
  if (ox_ovheader_parse ("fuzz", in, size - 1, &h) == 0) {
    /* What the plugin will rely on. */
    if (strnlen (h.store_url, sizeof h.store_url) >= sizeof h.store_url
        || strchr (h.store_url, '\n') || !ox_name_valid (h.volume)
        || h.volume_size == 0 || h.volume_size > OX_OV_VOLUME_MAX
        || !ox_chunk_size_valid (h.chunk_size)
        || (h.complete != 0 && h.complete != 1))
      abort ();
    /* A parsed header writes back, and reads back the same. */
    if (ox_ovheader_format (&h, text, sizeof text, &len) == -1
        || ox_ovheader_parse ("again", text, len, &again) == -1
        || memcmp (&h, &again, sizeof h) != 0)
      abort ();
  }
  free (in);
  return 0;
}
