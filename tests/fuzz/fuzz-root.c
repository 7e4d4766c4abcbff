/* Fuzz snapshot roots: ox_root_decode (docs/FORMAT.md 6.2). FUZZ_FIXUP
 * rewrites the MAC with the fixed keys; a root that decodes must encode
 * back to the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "manifest.h"

static void
seed_root (const char *dir, const char *name, int enc, const char *volume,
           uint64_t size, uint32_t chunk_size, uint32_t per_page)
{
  struct ox_root r = { .snapshot_id = 0x0123456789abcdefull,
                       .created = 1700000000,
                       .parent_id = 0x42,
                       .volume_size = size,
                       .chunk_size = chunk_size,
                       .chunks_per_page = per_page };
  void *data;
  size_t len;

  snprintf (r.volume, sizeof r.volume, "%s", volume);
  r.npages = (ox_root_nchunks (&r) + per_page - 1) / per_page;
  r.data_chunks = ox_root_nchunks (&r) / 2;
  r.new_chunks = r.data_chunks / 2;
  r.stored_bytes = r.data_chunks * 1000;
  r.pages = calloc (r.npages + 1, OX_ID_LEN);
  for (uint32_t i = 0; i < r.npages; i++)
    memset (r.pages[i], i + 1, OX_ID_LEN);
  if (ox_root_encode (fuzz_keys (enc), &r, &data, &len) == -1)
    abort ();
  fuzz_write_seed (dir, name, enc | FUZZ_FIXUP, data, len);
  free (data);
  free (r.pages);
}

static void
write_seeds (const char *dir)
{
  char name[64];

  for (int enc = 0; enc < 2; enc++) {
    snprintf (name, sizeof name, "tiny-%d", enc);
    seed_root (dir, name, enc, "v", 1, 4096, 1);
    snprintf (name, sizeof name, "pages-%d", enc);
    seed_root (dir, name, enc, "disk.0", 10 << 20, 65536, 16);
    snprintf (name, sizeof name, "big-%d", enc);
    seed_root (dir, name, enc, "big_volume-1", 1ull << 40, 1 << 22, 4096);
  }
}

FUZZ_INITIALIZE (write_seeds)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const struct ox_keys *k;
  struct ox_root *r;
  uint8_t *p, mac[OX_ID_LEN];
  size_t len;
  void *back;

  if (size < 1)
    return 0;
  k = fuzz_keys (data[0] & FUZZ_ENCRYPTED);
  len = size - 1;
  p = fuzz_dup (data + 1, len);
  if ((data[0] & FUZZ_FIXUP) && len >= OX_ID_LEN) {
    ox_mac (k, p, len - OX_ID_LEN, mac);
    memcpy (p + len - OX_ID_LEN, mac, OX_ID_LEN);
  }
  if (ox_root_decode (k, "fuzz", p, len, &r) == 0) {
    size_t back_len;
    if (ox_root_nchunks (r) == 0 || r->chunks_per_page == 0
        || (uint64_t)r->npages * r->chunks_per_page < ox_root_nchunks (r)
        || ox_root_encode (k, r, &back, &back_len) == -1 || back_len != len)
      abort ();
    /* A version 1 root is read as it is and written back as version 2
     * (FORMAT.md 6.2): the same bytes but the version and the MAC. */
    if (p[8] == 1) {
      uint8_t *b = back;
      b[8] = 1;
      ox_mac (k, b, len - OX_ID_LEN, b + len - OX_ID_LEN);
    }
    if (memcmp (back, p, len) != 0)
      abort ();
    free (back);
    ox_root_free (r);
  }
  free (p);
  return 0;
}
