/* Fuzz the overlay's block map: overlay_open of an overlay directory whose
 * map file holds the input (plugin/overlay.c, docs/FORMAT.md 8).
 * Input: mode byte (bit 0: the header says complete=1; bit 2: write the
 * map as given, else padded or cut to the size the volume needs), a
 * little-endian u32 choosing the volume size (1 byte to 8 MiB), then the
 * map. An overlay that opens must hold exactly the map's bits of its
 * blocks, and none past the end of the volume.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "le.h"
#include "ovheader.h"

#define RAW 4u
#define MAX_SIZE (8u << 20)

static char dir[64], ovdir[80];
static int dir_fd = -1;

static void
remove_dir (void)
{
  static const char *const files[] = { "data", "map", HEADER_NAME, NULL };

  for (int i = 0; files[i]; i++)
    unlinkat (dir_fd, files[i], 0);
  rmdir (ovdir);
  rmdir (dir);
}

static void
pin_for (uint64_t size, int complete, struct overlay_pin *pin)
{
  memset (pin, 0, sizeof *pin);
  strcpy (pin->store_url, "file:///fuzz");
  strcpy (pin->volume, "vol");
  pin->snapshot_id = 0x1234;
  memset (pin->store_id, 0xab, sizeof pin->store_id);
  memset (pin->root_digest, 0x5c, sizeof pin->root_digest);
  pin->volume_size = size;
  pin->chunk_size = 65536;
  pin->complete = complete;
}

static void
write_seeds (const char *seeds)
{
  uint8_t in[4 + 4096];

  memset (in, 0, sizeof in);
  put_le32 (in, 1 << 20); /* 1 MiB: 256 blocks, 32 bytes of bits */
  for (int i = 0; i < 40; i++)
    in[4 + i] = (uint8_t)(0x11 * i);
  fuzz_write_seed (seeds, "partial", 0, in, 4 + 40);
  memset (in + 4, 0xff, 4096);
  put_le32 (in, 1000000); /* a short last block, tail bits set */
  fuzz_write_seed (seeds, "complete", 1, in, 4 + 4096);
  fuzz_write_seed (seeds, "raw", RAW, in, 4 + 100);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *base = access ("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

  snprintf (dir, sizeof dir, "%s/ox-fuzz-ovmap.XXXXXX", base);
  if (mkdtemp (dir) == NULL)
    abort ();
  snprintf (ovdir, sizeof ovdir, "%s/ov", dir);
  if (mkdir (ovdir, 0700) == -1
      || (dir_fd = open (ovdir, O_RDONLY | O_DIRECTORY)) < 0)
    abort ();
  atexit (remove_dir);
  fuzz_init (write_seeds);
  return 0;
}

static void
write_file (const char *name, const void *data, size_t len, uint64_t size)
{
  int fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  if (fd < 0 || (len && write (fd, data, len) != (ssize_t)len)
      || ftruncate (fd, size) == -1 || close (fd) == -1)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct overlay_pin pin;
  struct overlay *ov;
  uint64_t vsize, nblocks, map_len, local = 0;
  const uint8_t *map;
  size_t len;

  if (size < 5)
    return 0;
  vsize = 1 + get_le32 (data + 1) % MAX_SIZE;
  nblocks = (vsize + OVERLAY_BLOCK_SIZE - 1) / OVERLAY_BLOCK_SIZE;
  map_len = ((nblocks + 7) / 8 + 4095) / 4096 * 4096;
  map = data + 5;
  len = size - 5;
  pin_for (vsize, data[0] & 1, &pin);
  if (ovheader_write (dir_fd, ovdir, &pin) == -1)
    abort ();
  write_file ("data", NULL, 0, vsize);
  if (data[0] & RAW)
    write_file ("map", map, len, len);
  else {
    if (len > map_len)
      len = map_len;
    write_file ("map", map, len, map_len);
  }
  for (uint64_t b = 0; b < nblocks; b++)
    local += b / 8 < len && (map[b / 8] >> (b % 8)) & 1;
  if (overlay_open (ovdir, &pin, &ov) == 0) {
    if (overlay_nblocks (ov) != nblocks || overlay_count_local (ov) != local
        || ((data[0] & 1) && local != nblocks)
        || ((data[0] & RAW) && len != map_len))
      abort ();
    for (uint64_t b = 0; b < nblocks; b++)
      if (overlay_is_local (ov, b)
          != (b / 8 < len && (map[b / 8] >> (b % 8)) & 1))
        abort ();
    if (overlay_run (ov, 0, UINT64_MAX, overlay_is_local (ov, 0)) > nblocks)
      abort ();
    overlay_close (ov);
  } else if (!(data[0] & RAW) && !((data[0] & 1) && local != nblocks))
    abort (); /* a well-formed overlay must open */
  return 0;
}
