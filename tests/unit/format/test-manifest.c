/* Test the bytes of manifest pages and snapshot roots (manifest.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format-samples.h"
#include "frame.h"
#include "keys.h"
#include "log.h"
#include "manifest.h"
#include "testlib.h"

/* Decoding DATA must fail with a message naming the page. */
static void
page_decode_bad (const void *data, size_t len, const char *expect)
{
  struct ox_page *p = (struct ox_page *)1;

  ox_test_reset_log ();
  CHECK (ox_page_decode ("pages/xx/test", data, len, &p) == -1);
  CHECK (p == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("pages/xx/test");
  if (expect)
    CHECK_ERROR (expect);
}

static void
test_page_codec (void)
{
  struct ox_page page = sample_page (7), *got;
  uint8_t *data, *copy;
  void *junk;
  size_t len;
  const size_t ent0 = 24 + NSEG * 16;

  CHECK (ox_page_encode (&page, (void **)&data, &len) == 0);
  CHECK_EQ_INT (len, 24 + NSEG * 16 + NENT * 48);
  CHECK_MEM (data, "OXPAGE\0\1", 8);
  CHECK_EQ_INT (le32 (data + 8), 7);
  CHECK_EQ_INT (le32 (data + 12), NENT);
  CHECK_EQ_INT (le32 (data + 16), NSEG);
  CHECK_EQ_INT (le32 (data + 20), 0);
  CHECK_MEM (data + 24, segs, NSEG * 16);
  CHECK_MEM (data + ent0, ents[0].id, 32);
  CHECK_EQ_INT (le32 (data + ent0 + 32), 0);
  CHECK_EQ_INT (le32 (data + ent0 + 36), 59);
  CHECK_EQ_INT (le32 (data + ent0 + 40), 900);
  CHECK_EQ_INT (le32 (data + ent0 + 48 + 44), OX_CHUNK_ZERO);

  CHECK (ox_page_decode ("p", data, len, &got) == 0);
  check_pages_equal (&page, got);
  ox_page_free (got);

  /* Every truncation and an extra byte. */
  copy = malloc (len + 1);
  memcpy (copy, data, len);
  for (size_t n = 0; n < len; n++)
    page_decode_bad (copy, n, NULL);
  copy[len] = 0;
  page_decode_bad (copy, len + 1, "invalid header");

#define MUTATE(stmt, expect)                                                  \
  do {                                                                        \
    memcpy (copy, data, len);                                                 \
    stmt;                                                                     \
    page_decode_bad (copy, len, expect);                                      \
  } while (0)

  MUTATE (copy[0] ^= 1, "bad magic");
  MUTATE (copy[7] = 2, "bad magic");
  MUTATE (set_le32 (copy + 20, 1), "invalid header"); /* reserved */
  MUTATE (set_le32 (copy + 12, 0), "invalid header"); /* no entries */
  MUTATE (set_le32 (copy + 12, NENT + 1), "invalid header");
  MUTATE (set_le32 (copy + 12, UINT32_MAX), "invalid header");
  MUTATE (set_le32 (copy + 16, UINT32_MAX), "invalid header");
  MUTATE (set_le32 (copy + 16, NSEG + 3), "invalid header");
  /* Segment index out of range (entry 0). */
  MUTATE (set_le32 (copy + ent0 + 32, NSEG), "segment index out of range");
  MUTATE (set_le32 (copy + ent0 + 32, UINT32_MAX),
          "segment index out of range");
  /* offset + length beyond 32 bits (entry 4 ends at 2^32 - 1). */
  MUTATE (set_le32 (copy + ent0 + 4 * 48 + 36, UINT32_MAX - 900),
          "invalid frame offset or length");
  MUTATE (set_le32 (copy + ent0 + 40, 0), "invalid frame offset or length");
  /* Unknown flags on data and ZERO entries. */
  MUTATE (set_le32 (copy + ent0 + 44, 2), "unknown flags");
  MUTATE (set_le32 (copy + ent0 + 48 + 44, 3), "ZERO entry");
  /* ZERO entries with anything set. */
  MUTATE (copy[ent0 + 48] = 1, "ZERO entry");
  MUTATE (copy[ent0 + 48 + 31] = 1, "ZERO entry");
  MUTATE (set_le32 (copy + ent0 + 48 + 32, 1), "ZERO entry");
  MUTATE (set_le32 (copy + ent0 + 48 + 36, 1), "ZERO entry");
  MUTATE (set_le32 (copy + ent0 + 48 + 40, 1), "ZERO entry");
#undef MUTATE

  /* The encoder refuses what the decoder would refuse. */
  ox_test_reset_log ();
  ents[0].segment = NSEG;
  CHECK (ox_page_encode (&page, &junk, &len) == -1);
  page = sample_page (7);
  ents[1].offset = 1;
  CHECK (ox_page_encode (&page, &junk, &len) == -1);
  page = sample_page (7);
  page.nentries = 0;
  CHECK (ox_page_encode (&page, &junk, &len) == -1);
  CHECK_EQ_INT (ox_test_errors (), 3);

  /* A page with no segments, all ZERO, is valid. */
  page = sample_page (0);
  page.nsegments = 0;
  page.entries = ents + 1;
  page.nentries = 1;
  free (data);
  CHECK (ox_page_encode (&page, (void **)&data, &len) == 0);
  CHECK_EQ_INT (len, 24 + 48);
  CHECK (ox_page_decode ("p", data, len, &got) == 0);
  CHECK_EQ_INT (got->nentries, 1);
  CHECK_EQ_INT (got->entries[0].flags, OX_CHUNK_ZERO);
  ox_page_free (got);
  free (data);
  free (copy);
}

static void
root_decode_bad (const struct ox_keys *k, const void *data, size_t len,
                 const char *expect)
{
  struct ox_root *r = (struct ox_root *)1;

  ox_test_reset_log ();
  CHECK (ox_root_decode (k, "volumes/vm1/snapshots/x", data, len, &r) == -1);
  CHECK (r == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("snapshot root volumes/vm1/snapshots/x: ");
  if (expect)
    CHECK_ERROR (expect);
}

/* Re-MAC a modified root so that its fields, not its MAC, are tested. */
static void
remac (const struct ox_keys *k, uint8_t *data, size_t len)
{
  ox_mac (k, data, len - OX_ID_LEN, data + len - OX_ID_LEN);
}

/* A root whose parent is a snapshot of another volume (FORMAT.md 6.2):
 * parent_len at 62, the parent's name after the volume's. */
static void
test_root_parent_volume (const struct ox_keys *k)
{
  struct ox_root r = sample_root (), *got;
  uint8_t *data;
  size_t len;

  strcpy (r.parent_volume, "golden-image");
  CHECK (ox_root_encode (k, &r, (void **)&data, &len) == 0);
  CHECK_EQ_INT (len, 120 + 3 + 12 + NPAGES * 32 + 32);
  CHECK_EQ_INT (data[60], 3);
  CHECK_EQ_INT (data[62], 12);
  CHECK_MEM (data + 120, "vm1golden-image", 15);
  CHECK_MEM (data + 135, root_pages, NPAGES * 32);
  CHECK (ox_root_decode (k, "n", data, len, &got) == 0);
  check_roots_equal (&r, got);
  ox_root_free (got);

  /* Authentic but invalid: the parent named the same as the volume, a
   * parent volume without a parent id, a bad name. */
  memcpy (data + 123, "vm1\0\0\0\0\0\0\0\0\0", 12);
  data[62] = 3;
  memmove (data + 126, data + 135, NPAGES * 32);
  len -= 9;
  remac (k, data, len);
  root_decode_bad (k, data, len, "invalid parent volume");
  data[124] = '/';
  remac (k, data, len);
  root_decode_bad (k, data, len, "invalid parent volume");
  data[124] = 'm';
  memset (data + 32, 0, 8); /* parent_id */
  remac (k, data, len);
  root_decode_bad (k, data, len, "invalid parent volume");
  data[125] = '\0';
  remac (k, data, len);
  root_decode_bad (k, data, len, "invalid volume name");
  free (data);
}

static void
test_root_codec (const struct ox_keys *k, const struct ox_keys *other)
{
  struct ox_root r = sample_root (), *got;
  uint8_t *data, *copy, mac[OX_ID_LEN];
  void *junk;
  size_t len;

  CHECK (ox_root_nchunks (&r) == 10);
  CHECK (ox_root_encode (k, &r, (void **)&data, &len) == 0);
  CHECK_EQ_INT (len, 120 + 3 + NPAGES * 32 + 32);
  CHECK_MEM (data, "OXROOT\0\1", 8);
  CHECK_EQ_INT (le32 (data + 8), 2);
  CHECK_EQ_INT (le32 (data + 48), 65536);
  CHECK_EQ_INT (le32 (data + 88), 1); /* reused_chunks */
  CHECK_EQ_INT (le32 (data + 56), NPAGES);
  CHECK_MEM (data + 120, "vm1", 3);
  CHECK_MEM (data + 123, root_pages, NPAGES * 32);
  ox_mac (k, data, len - 32, mac);
  CHECK_MEM (data + len - 32, mac, 32);

  CHECK (ox_root_decode (k, "n", data, len, &got) == 0);
  check_roots_equal (&r, got);
  ox_root_free (got);

  /* Every flipped bit position of every byte, every truncation. */
  copy = malloc (len + 1);
  for (size_t i = 0; i < len; i++)
    for (int bit = 0; bit < 8; bit += 3) {
      memcpy (copy, data, len);
      copy[i] ^= 1 << bit;
      root_decode_bad (k, copy, len,
                       "authentication failed (corrupt or wrong key)");
    }
  memcpy (copy, data, len);
  for (size_t n = 0; n < len; n++)
    root_decode_bad (k, copy, n, NULL);
  copy[len] = 0;
  root_decode_bad (k, copy, len + 1, NULL);

  /* Wrong keys. */
  root_decode_bad (other, data, len, "authentication failed");

  /* Fields that are authentic but invalid. */
#define MUTATE(stmt, expect)                                                  \
  do {                                                                        \
    memcpy (copy, data, len);                                                 \
    stmt;                                                                     \
    remac (k, copy, len);                                                     \
    root_decode_bad (k, copy, len, expect);                                   \
  } while (0)

  MUTATE (copy[1] ^= 1, "bad magic");
  MUTATE (set_le32 (copy + 8, 3), "unknown format version 3");
  MUTATE (set_le32 (copy + 8, 0), "unknown format version 0");
  /* Version 1 has no reused count (reserved there). */
  MUTATE (set_le32 (copy + 8, 1), "reserved");
  MUTATE (set_le64 (copy + 88, 3), "chunk counts are inconsistent");
  MUTATE (set_le32 (copy + 12, 1), "reserved");
  MUTATE (copy[62] = 1, "invalid length"); /* parent_len */
  MUTATE (copy[100] = 1, "reserved");
  MUTATE (set_le64 (copy + 16, 0), "snapshot id is zero");
  MUTATE (set_le32 (copy + 48, 65535), "invalid chunk size");
  MUTATE (set_le32 (copy + 48, 65536 + 4096), "invalid chunk size");
  MUTATE (set_le32 (copy + 48, 2048), "invalid chunk size");
  MUTATE (set_le32 (copy + 48, 128u << 20), "invalid chunk size");
  MUTATE (set_le32 (copy + 48, 0), "invalid chunk size");
  /* With 128 KiB chunks the volume has 5 chunks, 2 pages, not 3. */
  MUTATE (set_le32 (copy + 48, 131072), "pages of");
  MUTATE (set_le32 (copy + 52, 0), "pages of");
  MUTATE (set_le32 (copy + 52, 3), "pages of"); /* 4 pages needed */
  MUTATE (set_le64 (copy + 40, 12 * 65536 + 1), "pages of");
  MUTATE (set_le64 (copy + 40, UINT64_MAX), "pages of");
  MUTATE (set_le32 (copy + 56, NPAGES + 1), "invalid length");
  MUTATE (set_le32 (copy + 56, UINT32_MAX), "invalid length");
  MUTATE (copy[60] = 4, "invalid length");   /* name_len */
  MUTATE (copy[60] = 200, "invalid length"); /* name_len > 128 */
  MUTATE (copy[120] = '/', "invalid volume name");
  MUTATE (copy[120] = '.', "invalid volume name");
  MUTATE (copy[121] = '\0', "invalid volume name");
#undef MUTATE

  /* The encoder refuses invalid roots. */
  ox_test_reset_log ();
  r.chunk_size = 3000;
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  r.chunk_size = 1u << 27;
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  r.npages = 2;
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  strcpy (r.volume, "a b");
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  r.data_chunks = 11; /* more data chunks than the volume has */
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  r.reused_chunks = 3; /* new + reused > data */
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  r.new_chunks = 8; /* more new chunks than data chunks */
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  strcpy (r.parent_volume, "vm1"); /* named only when it differs */
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  r.parent_id = 0; /* a parent volume without a parent */
  strcpy (r.parent_volume, "gold");
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  r = sample_root ();
  strcpy (r.parent_volume, "go/ld");
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  CHECK_EQ_INT (ox_test_errors (), 10);

  /* Edge sizes: 64 MiB chunks; exactly one page; an empty volume. */
  r = sample_root ();
  r.chunk_size = 64u << 20;
  r.volume_size = 64u << 20;
  r.npages = 1;
  r.data_chunks = 1;
  r.new_chunks = 1;
  r.reused_chunks = 0;
  free (data);
  CHECK (ox_root_encode (k, &r, (void **)&data, &len) == 0);
  CHECK (ox_root_decode (k, "n", data, len, &got) == 0);
  CHECK (ox_root_nchunks (got) == 1);
  ox_root_free (got);
  free (data);
  r.volume_size = 0;
  r.npages = 0;
  r.data_chunks = 0;
  r.new_chunks = 0;
  r.reused_chunks = 0;
  CHECK (ox_root_encode (k, &r, (void **)&data, &len) == 0);
  CHECK (ox_root_decode (k, "n", data, len, &got) == 0);
  CHECK (ox_root_nchunks (got) == 0 && got->npages == 0);
  ox_root_free (got);
  free (data);
  free (copy);

  /* A version 1 root (written before incremental snapshots) reads as it
   * is: no parent volume, no reused chunks. */
  r = sample_root ();
  r.reused_chunks = 0;
  CHECK (ox_root_encode (k, &r, (void **)&data, &len) == 0);
  set_le32 (data + 8, 1);
  remac (k, data, len);
  CHECK (ox_root_decode (k, "n", data, len, &got) == 0);
  check_roots_equal (&r, got);
  ox_root_free (got);
  free (data);
}

int
main (void)
{
  struct ox_keys plain, enc, enc2;
  uint8_t store_id[OX_STORE_ID_LEN];
  uint8_t master[OX_MASTER_KEY_LEN], master2[OX_MASTER_KEY_LEN];

  ox_test_capture (0);
  CHECK (ox_random_bytes (store_id, sizeof store_id) == 0);
  CHECK (ox_random_bytes (master, sizeof master) == 0);
  CHECK (ox_random_bytes (master2, sizeof master2) == 0);
  ox_keys_init_plain (&plain, store_id);
  CHECK (ox_keys_init_encrypted (&enc, store_id, master) == 0);
  CHECK (ox_keys_init_encrypted (&enc2, store_id, master2) == 0);

  test_page_codec ();
  test_root_codec (&enc, &enc2);
  test_root_codec (&plain, &enc);
  test_root_codec (&enc, &plain);
  test_root_parent_volume (&enc);
  test_root_parent_volume (&plain);
  return 0;
}
