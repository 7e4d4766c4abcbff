/* Fuzz the overlay's block map: ox_ovmap_check_len, ox_ovmap_decode and
 * ox_ovmap_encode (common/format/ovformat.c, docs/FORMAT.md 8).
 * Input: mode byte (bits 3-7: the size of the pieces decoded one after
 * another, in words less one), a little-endian u32 choosing the volume size
 * (1 byte to 8 MiB), then the map. The length check must accept exactly
 * the map length of the volume; decoding must give the map's bits of the
 * volume's blocks and none past its end, the same whole, in pieces and in
 * place; encoding must give back the input's bytes with those bits cleared.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz-format.h"
#include "le.h"
#include "ovformat.h"

#define MAX_SIZE (8u << 20)

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
  fuzz_write_seed (seeds, "complete", 1 << 3, in, 4 + 4096);
  fuzz_write_seed (seeds, "short", 7 << 3, in, 4 + 100);
}

FUZZ_INITIALIZE (write_seeds)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  uint64_t vsize, nblocks, map_len, local = 0, count, pieces = 0;
  size_t len, nwords, piece;
  uint64_t *whole, *parts;
  uint8_t *map, *back;

  if (size < 5)
    return 0;
  vsize = 1 + get_le32 (data + 1) % MAX_SIZE;
  nblocks = ox_ovmap_nblocks (vsize);
  map_len = ox_ovmap_len (vsize);
  if (nblocks != (vsize + 4095) / 4096 || map_len % 4096 != 0
      || map_len < (nblocks + 7) / 8 || map_len >= (nblocks + 7) / 8 + 4096)
    abort ();
  len = size - 5;
  if ((ox_ovmap_check_len ("fuzz", len, vsize) == 0) != (len == map_len))
    abort ();
  map = fuzz_dup (data + 5, len);
  nwords = len / 8;
  whole = calloc (nwords + 1, 8);
  parts = calloc (nwords + 1, 8);
  back = calloc (nwords + 1, 8);
  if (whole == NULL || parts == NULL || back == NULL)
    abort ();

  for (uint64_t b = 0; b < nblocks && b < 64 * nwords; b++)
    local += (map[b / 8] >> (b % 8)) & 1;
  count = ox_ovmap_decode (map, 8 * nwords, 0, nblocks, whole);
  if (count != local)
    abort ();
  for (uint64_t b = 0; b < 64 * nwords; b++)
    if (((whole[b / 64] >> (b % 64)) & 1)
        != (b < nblocks && (map[b / 8] >> (b % 8)) & 1))
      abort ();
  /* In pieces of PIECE words, each at its offset. */
  piece = 1 + (data[0] >> 3);
  for (size_t w = 0; w < nwords; w += piece) {
    size_t n = nwords - w < piece ? nwords - w : piece;
    pieces += ox_ovmap_decode (map + 8 * w, 8 * n, 8 * w, nblocks, parts + w);
  }
  if (pieces != count || memcmp (whole, parts, 8 * nwords) != 0)
    abort ();
  /* Back to bytes: the input less the bits past the volume's end. */
  ox_ovmap_encode (whole, nwords, back);
  for (size_t i = 0; i < 8 * nwords; i++) {
    uint8_t keep = 0;
    for (unsigned bit = 0; bit < 8; bit++)
      if (8 * (uint64_t)i + bit < nblocks)
        keep |= 1u << bit;
    if (back[i] != (map[i] & keep))
      abort ();
  }
  /* In place, as the plugin decodes and encodes. */
  memcpy (parts, map, 8 * nwords);
  if (ox_ovmap_decode (parts, 8 * nwords, 0, nblocks, parts) != count
      || memcmp (parts, whole, 8 * nwords) != 0)
    abort ();
  ox_ovmap_encode (parts, nwords, parts);
  if (memcmp (parts, back, 8 * nwords) != 0)
    abort ();
  free (map);
  free (whole);
  free (parts);
  free (back);
  return 0;
}
