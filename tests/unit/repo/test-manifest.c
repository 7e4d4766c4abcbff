/* Test manifest pages and snapshot roots (manifest.c). */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "hex.h"
#include "keys.h"
#include "log.h"
#include "manifest.h"
#include "store.h"
#include "test.h"
#include "storeopen.h"
#include "objects.h"

static char last_error[2048];
static int nerrors;

static void
capture (enum ox_log_level level, const char *msg)
{
  if (level == OX_LOG_ERROR) {
    snprintf (last_error, sizeof last_error, "%s", msg);
    nerrors++;
  }
}

static void
reset_errors (void)
{
  last_error[0] = '\0';
  nerrors = 0;
}

static void
check_error (const char *expect)
{
  CHECK (nerrors >= 1);
  if (strstr (last_error, expect) == NULL) {
    fprintf (stderr, "message \"%s\" lacks \"%s\"\n", last_error, expect);
    exit (1);
  }
}

static int
rm_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove (path);
}

static uint32_t
le32 (const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
         | (uint32_t)p[3] << 24;
}

static void
set_le32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = v >> (8 * i);
}

static void
set_le64 (uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = v >> (8 * i);
}

/*----------------------------------------------------------------------
 * Pages.
 */

#define NSEG 2
#define NENT 5

static uint8_t segs[NSEG][OX_SEGMENT_ID_LEN];
static struct ox_page_entry ents[NENT];

/* A page: entries 1 and 3 are ZERO, the others in segments 0 and 1. */
static struct ox_page
sample_page (uint32_t page_index)
{
  struct ox_page p = {
    .page_index = page_index,
    .nentries = NENT,
    .nsegments = NSEG,
    .segments = segs,
    .entries = ents,
  };

  for (int s = 0; s < NSEG; s++)
    memset (segs[s], 0x10 + s, OX_SEGMENT_ID_LEN);
  memset (ents, 0, sizeof ents);
  for (int i = 0; i < NENT; i++) {
    if (i == 1 || i == 3) {
      ents[i].flags = OX_CHUNK_ZERO;
      continue;
    }
    memset (ents[i].id, 0xa0 + i, OX_ID_LEN);
    ents[i].segment = i % NSEG;
    ents[i].offset = 59 + 1000 * i;
    ents[i].length = 900 + i;
  }
  ents[4].offset = UINT32_MAX - ents[4].length; /* ends exactly at 2^32-1 */
  return p;
}

static void
check_pages_equal (const struct ox_page *a, const struct ox_page *b)
{
  CHECK_EQ_INT (a->page_index, b->page_index);
  CHECK_EQ_INT (a->nentries, b->nentries);
  CHECK_EQ_INT (a->nsegments, b->nsegments);
  CHECK_MEM (a->segments, b->segments,
             (size_t)a->nsegments * OX_SEGMENT_ID_LEN);
  for (uint32_t i = 0; i < a->nentries; i++) {
    CHECK_MEM (a->entries[i].id, b->entries[i].id, OX_ID_LEN);
    CHECK_EQ_INT (a->entries[i].segment, b->entries[i].segment);
    CHECK_EQ_INT (a->entries[i].offset, b->entries[i].offset);
    CHECK_EQ_INT (a->entries[i].length, b->entries[i].length);
    CHECK_EQ_INT (a->entries[i].flags, b->entries[i].flags);
  }
}

/* Decoding DATA must fail with a message naming the page. */
static void
page_decode_bad (const void *data, size_t len, const char *expect)
{
  struct ox_page *p = (struct ox_page *)1;

  reset_errors ();
  CHECK (ox_page_decode ("pages/xx/test", data, len, &p) == -1);
  CHECK (p == NULL);
  CHECK_EQ_INT (nerrors, 1);
  check_error ("pages/xx/test");
  if (expect)
    check_error (expect);
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
  reset_errors ();
  ents[0].segment = NSEG;
  CHECK (ox_page_encode (&page, &junk, &len) == -1);
  page = sample_page (7);
  ents[1].offset = 1;
  CHECK (ox_page_encode (&page, &junk, &len) == -1);
  page = sample_page (7);
  page.nentries = 0;
  CHECK (ox_page_encode (&page, &junk, &len) == -1);
  CHECK_EQ_INT (nerrors, 3);

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
test_page_store (struct ox_store *st, const struct ox_keys *k,
                 const struct ox_keys *other)
{
  struct ox_codec *c = ox_codec_new (0);
  struct ox_page page = sample_page (3), *got;
  uint8_t id[OX_ID_LEN], id2[OX_ID_LEN], want[OX_ID_LEN];
  char key[OX_KEY_MAX], hex[65];
  void *plain, *obj;
  size_t plain_len, obj_len;

  CHECK (c != NULL);
  CHECK (ox_page_put (st, k, c, &page, id) == 0);

  /* The id is ID(plaintext) and the key is pages/HH/<hex id>. */
  CHECK (ox_page_encode (&page, &plain, &plain_len) == 0);
  ox_chunk_id (k, plain, plain_len, want);
  CHECK_MEM (id, want, OX_ID_LEN);
  free (plain);
  ox_page_key (id, key);
  ox_hex (id, OX_ID_LEN, hex);
  CHECK (strncmp (key, "pages/", 6) == 0);
  CHECK (strncmp (key + 6, hex, 2) == 0 && key[8] == '/');
  CHECK (strcmp (key + 9, hex) == 0);
  CHECK_EQ_INT (strlen (key), 9 + 64);

  CHECK (ox_page_get (st, k, c, id, 3, &got) == 0);
  check_pages_equal (&page, got);
  ox_page_free (got);

  /* The stored object is a frame: with encryption the plaintext page (its
   * magic) does not appear in it. */
  CHECK (ox_store_get (st, key, &obj, &obj_len) == 0);
  if (k->encrypted)
    CHECK (memmem (obj, obj_len, "OXPAGE", 6) == NULL);

  /* Expected at another index. */
  reset_errors ();
  CHECK (ox_page_get (st, k, c, id, 4, &got) == -1);
  CHECK (got == NULL);
  check_error (key);
  check_error ("expected 4");

  /* Wrong keys. */
  reset_errors ();
  CHECK (ox_page_get (st, other, c, id, 3, &got) == -1);
  check_error (key);

  /* Missing page. */
  memcpy (id2, id, OX_ID_LEN);
  id2[31] ^= 1;
  reset_errors ();
  CHECK (ox_page_get (st, k, c, id2, 3, &got) == -1);
  CHECK_EQ_INT (nerrors, 1);
  check_error ("not found");

  /* A page stored under another page's id is refused (id mismatch). */
  ox_page_key (id2, key);
  CHECK (ox_store_put (st, key, obj, obj_len) == 0);
  reset_errors ();
  CHECK (ox_page_get (st, k, c, id2, 3, &got) == -1);
  CHECK_EQ_INT (nerrors, 1);
  check_error (key);

  /* Every flipped byte of the stored frame is caught. */
  ox_page_key (id, key);
  for (size_t i = 0; i < obj_len; i++) {
    ((uint8_t *)obj)[i] ^= 0x20;
    CHECK (ox_store_put (st, key, obj, obj_len) == 0);
    reset_errors ();
    CHECK (ox_page_get (st, k, c, id, 3, &got) == -1);
    CHECK_EQ_INT (nerrors, 1);
    check_error (key);
    ((uint8_t *)obj)[i] ^= 0x20;
  }
  /* Truncated. */
  CHECK (ox_store_put (st, key, obj, obj_len - 1) == 0);
  reset_errors ();
  CHECK (ox_page_get (st, k, c, id, 3, &got) == -1);
  check_error (key);
  free (obj);
  ox_codec_free (c);
}

/*----------------------------------------------------------------------
 * Roots.
 */

#define NPAGES 3

static uint8_t root_pages[NPAGES][OX_ID_LEN];

static struct ox_root
sample_root (void)
{
  struct ox_root r = {
    .snapshot_id = UINT64_C (0x00006553f1abcdef),
    .created = 1700000000,
    .parent_id = UINT64_C (0x00006553f0000001),
    .volume_size = 9 * 65536 + 100, /* 10 chunks */
    .chunk_size = 65536,
    .chunks_per_page = 4, /* 3 pages */
    .npages = NPAGES,
    .data_chunks = 7,
    .stored_bytes = 123456789,
    .new_chunks = 5,
    .volume = "vm1",
    .pages = root_pages,
  };

  for (int i = 0; i < NPAGES; i++)
    memset (root_pages[i], 0xc0 + i, OX_ID_LEN);
  return r;
}

static void
check_roots_equal (const struct ox_root *a, const struct ox_root *b)
{
  CHECK (a->snapshot_id == b->snapshot_id);
  CHECK (a->created == b->created);
  CHECK (a->parent_id == b->parent_id);
  CHECK (a->volume_size == b->volume_size);
  CHECK_EQ_INT (a->chunk_size, b->chunk_size);
  CHECK_EQ_INT (a->chunks_per_page, b->chunks_per_page);
  CHECK_EQ_INT (a->npages, b->npages);
  CHECK (a->data_chunks == b->data_chunks);
  CHECK (a->stored_bytes == b->stored_bytes);
  CHECK (a->new_chunks == b->new_chunks);
  CHECK (strcmp (a->volume, b->volume) == 0);
  CHECK_MEM (a->pages, b->pages, (size_t)a->npages * OX_ID_LEN);
}

static void
root_decode_bad (const struct ox_keys *k, const void *data, size_t len,
                 const char *expect)
{
  struct ox_root *r = (struct ox_root *)1;

  reset_errors ();
  CHECK (ox_root_decode (k, "volumes/vm1/snapshots/x", data, len, &r) == -1);
  CHECK (r == NULL);
  CHECK_EQ_INT (nerrors, 1);
  check_error ("snapshot root volumes/vm1/snapshots/x: ");
  if (expect)
    check_error (expect);
}

/* Re-MAC a modified root so that its fields, not its MAC, are tested. */
static void
remac (const struct ox_keys *k, uint8_t *data, size_t len)
{
  ox_mac (k, data, len - OX_ID_LEN, data + len - OX_ID_LEN);
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
  CHECK_EQ_INT (le32 (data + 8), 1);
  CHECK_EQ_INT (le32 (data + 48), 65536);
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
  MUTATE (set_le32 (copy + 8, 2), "unknown format version 2");
  MUTATE (set_le32 (copy + 12, 1), "reserved");
  MUTATE (copy[62] = 1, "reserved");
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
  reset_errors ();
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
  r.new_chunks = 8; /* more new chunks than data chunks */
  CHECK (ox_root_encode (k, &r, &junk, &len) == -1);
  CHECK_EQ_INT (nerrors, 6);

  /* Edge sizes: 64 MiB chunks; exactly one page; an empty volume. */
  r = sample_root ();
  r.chunk_size = 64u << 20;
  r.volume_size = 64u << 20;
  r.npages = 1;
  r.data_chunks = 1;
  r.new_chunks = 1;
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
  CHECK (ox_root_encode (k, &r, (void **)&data, &len) == 0);
  CHECK (ox_root_decode (k, "n", data, len, &got) == 0);
  CHECK (ox_root_nchunks (got) == 0 && got->npages == 0);
  ox_root_free (got);
  free (data);
  free (copy);
}

static void
test_root_store (struct ox_store *st, const struct ox_keys *k,
                 const struct ox_keys *other)
{
  struct ox_root r = sample_root (), *got;
  char key[OX_KEY_MAX], key2[OX_KEY_MAX];
  void *data;
  size_t len;

  ox_root_key ("vm1", r.snapshot_id, key);
  CHECK (strcmp (key, "volumes/vm1/snapshots/00006553f1abcdef") == 0);

  CHECK (ox_root_put (st, k, &r) == 0);
  CHECK (ox_root_get (st, k, "vm1", r.snapshot_id, &got) == 0);
  check_roots_equal (&r, got);
  ox_root_free (got);

  /* Publishing is create-only: a second root of the same id fails with
   * EEXIST, reports nothing, and the first one stays. */
  {
    struct ox_root r2 = r;
    r2.volume_size += 4096;
    reset_errors ();
    errno = 0;
    CHECK (ox_root_put (st, k, &r2) == -1);
    CHECK_EQ_INT (errno, EEXIST);
    CHECK_EQ_INT (nerrors, 0);
    CHECK (ox_root_get (st, k, "vm1", r.snapshot_id, &got) == 0);
    check_roots_equal (&r, got);
    ox_root_free (got);
  }

  /* Wrong keys. */
  reset_errors ();
  CHECK (ox_root_get (st, other, "vm1", r.snapshot_id, &got) == -1);
  CHECK (got == NULL);
  CHECK_EQ_INT (nerrors, 1);
  check_error ("snapshot root volumes/vm1/snapshots/00006553f1abcdef: "
               "authentication failed (corrupt or wrong key)");

  /* Missing. */
  reset_errors ();
  CHECK (ox_root_get (st, k, "vm1", r.snapshot_id + 1, &got) == -1);
  CHECK_EQ_INT (nerrors, 1);
  check_error ("snapshot vm1@00006553f1abcdf0 not found in");

  /* Stored under another snapshot id or volume. */
  CHECK (ox_store_get (st, key, &data, &len) == 0);
  ox_root_key ("vm1", r.snapshot_id + 1, key2);
  CHECK (ox_store_put (st, key2, data, len) == 0);
  reset_errors ();
  CHECK (ox_root_get (st, k, "vm1", r.snapshot_id + 1, &got) == -1);
  CHECK_EQ_INT (nerrors, 1);
  check_error ("holds snapshot 00006553f1abcdef");
  ox_root_key ("vm2", r.snapshot_id, key2);
  CHECK (ox_store_put (st, key2, data, len) == 0);
  reset_errors ();
  CHECK (ox_root_get (st, k, "vm2", r.snapshot_id, &got) == -1);
  check_error ("belongs to volume vm1");

  /* Corrupt on disk. */
  ((uint8_t *)data)[len / 2] ^= 1;
  CHECK (ox_store_put (st, key, data, len) == 0);
  reset_errors ();
  CHECK (ox_root_get (st, k, "vm1", r.snapshot_id, &got) == -1);
  check_error ("authentication failed");
  free (data);

  reset_errors ();
  CHECK (ox_root_get (st, k, "../x", 1, &got) == -1);
  CHECK_EQ_INT (nerrors, 1);
}

int
main (void)
{
  char dir[] = "/tmp/ox-test-manifest.XXXXXX";
  struct ox_store_options opts = { .create = 1 };
  struct ox_store *st;
  struct ox_keys plain, enc, enc2, plain2;
  uint8_t store_id[OX_STORE_ID_LEN], store_id2[OX_STORE_ID_LEN];
  uint8_t master[OX_MASTER_KEY_LEN], master2[OX_MASTER_KEY_LEN];

  ox_log_set_handler (capture);
  CHECK (ox_random_bytes (store_id, sizeof store_id) == 0);
  CHECK (ox_random_bytes (store_id2, sizeof store_id2) == 0);
  CHECK (ox_random_bytes (master, sizeof master) == 0);
  CHECK (ox_random_bytes (master2, sizeof master2) == 0);
  ox_keys_init_plain (&plain, store_id);
  ox_keys_init_plain (&plain2, store_id2);
  CHECK (ox_keys_init_encrypted (&enc, store_id, master) == 0);
  CHECK (ox_keys_init_encrypted (&enc2, store_id, master2) == 0);

  test_page_codec ();

  CHECK (mkdtemp (dir) != NULL);
  CHECK (ox_store_open (dir, &opts, &st) == 0);

  test_page_store (st, &enc, &enc2);
  test_page_store (st, &plain, &enc);
  test_root_codec (&enc, &enc2);
  test_root_codec (&plain, &enc);
  test_root_codec (&enc, &plain);
  test_root_store (st, &enc, &enc2);

  ox_store_close (st);
  CHECK (nftw (dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
  return 0;
}
