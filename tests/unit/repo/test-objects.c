/* Test the store I/O of manifest pages, snapshot roots and segment
 * indexes (objects.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format-samples.h"
#include "frame.h"
#include "hex.h"
#include "keys.h"
#include "log.h"
#include "manifest.h"
#include "segment.h"
#include "objects.h"
#include "store.h"
#include "testlib.h"
#include "storeopen.h"

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
  ox_test_reset_log ();
  CHECK (ox_page_get (st, k, c, id, 4, &got) == -1);
  CHECK (got == NULL);
  CHECK_ERROR (key);
  CHECK_ERROR ("expected 4");

  /* Wrong keys. */
  ox_test_reset_log ();
  CHECK (ox_page_get (st, other, c, id, 3, &got) == -1);
  CHECK_ERROR (key);

  /* Missing page. */
  memcpy (id2, id, OX_ID_LEN);
  id2[31] ^= 1;
  ox_test_reset_log ();
  CHECK (ox_page_get (st, k, c, id2, 3, &got) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("not found");

  /* A page stored under another page's id is refused (id mismatch). */
  ox_page_key (id2, key);
  CHECK (ox_store_put (st, key, obj, obj_len) == 0);
  ox_test_reset_log ();
  CHECK (ox_page_get (st, k, c, id2, 3, &got) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR (key);

  /* Every flipped byte of the stored frame is caught. */
  ox_page_key (id, key);
  for (size_t i = 0; i < obj_len; i++) {
    ((uint8_t *)obj)[i] ^= 0x20;
    CHECK (ox_store_put (st, key, obj, obj_len) == 0);
    ox_test_reset_log ();
    CHECK (ox_page_get (st, k, c, id, 3, &got) == -1);
    CHECK_EQ_INT (ox_test_errors (), 1);
    CHECK_ERROR (key);
    ((uint8_t *)obj)[i] ^= 0x20;
  }
  /* Truncated. */
  CHECK (ox_store_put (st, key, obj, obj_len - 1) == 0);
  ox_test_reset_log ();
  CHECK (ox_page_get (st, k, c, id, 3, &got) == -1);
  CHECK_ERROR (key);
  free (obj);
  ox_codec_free (c);
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
    ox_test_reset_log ();
    errno = 0;
    CHECK (ox_root_put (st, k, &r2) == -1);
    CHECK_EQ_INT (errno, EEXIST);
    CHECK_EQ_INT (ox_test_errors (), 0);
    CHECK (ox_root_get (st, k, "vm1", r.snapshot_id, &got) == 0);
    check_roots_equal (&r, got);
    ox_root_free (got);
  }

  /* Wrong keys. */
  ox_test_reset_log ();
  CHECK (ox_root_get (st, other, "vm1", r.snapshot_id, &got) == -1);
  CHECK (got == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("snapshot root volumes/vm1/snapshots/00006553f1abcdef: "
               "authentication failed (corrupt or wrong key)");

  /* Missing. */
  ox_test_reset_log ();
  CHECK (ox_root_get (st, k, "vm1", r.snapshot_id + 1, &got) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("snapshot vm1@00006553f1abcdf0 not found in");

  /* Stored under another snapshot id or volume. */
  CHECK (ox_store_get (st, key, &data, &len) == 0);
  ox_root_key ("vm1", r.snapshot_id + 1, key2);
  CHECK (ox_store_put (st, key2, data, len) == 0);
  ox_test_reset_log ();
  CHECK (ox_root_get (st, k, "vm1", r.snapshot_id + 1, &got) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("holds snapshot 00006553f1abcdef");
  ox_root_key ("vm2", r.snapshot_id, key2);
  CHECK (ox_store_put (st, key2, data, len) == 0);
  ox_test_reset_log ();
  CHECK (ox_root_get (st, k, "vm2", r.snapshot_id, &got) == -1);
  CHECK_ERROR ("belongs to volume vm1");

  /* Corrupt on disk. */
  ((uint8_t *)data)[len / 2] ^= 1;
  CHECK (ox_store_put (st, key, data, len) == 0);
  ox_test_reset_log ();
  CHECK (ox_root_get (st, k, "vm1", r.snapshot_id, &got) == -1);
  CHECK_ERROR ("authentication failed");
  free (data);

  ox_test_reset_log ();
  CHECK (ox_root_get (st, k, "../x", 1, &got) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
}

static void
read_index_bad (const struct ox_keys *k, struct ox_store *st, const char *key,
                const char *expect)
{
  struct ox_segment_index *idx = (struct ox_segment_index *)1;

  ox_test_reset_log ();
  CHECK (ox_segment_read_index (k, st, key, &idx) == -1);
  CHECK (idx == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR (key);
  if (expect)
    CHECK_ERROR (expect);
}

static void
test_read_index (const struct ox_keys *k, const struct ox_keys *other_key,
                 struct ox_store *st, struct ox_codec *c)
{
  struct built b;
  struct ox_segment_index *idx;
  char key[OX_SEGMENT_KEY_MAX], key2[OX_SEGMENT_KEY_MAX];
  uint8_t *copy, id2[OX_SEGMENT_ID_LEN];
  const size_t hlen = OX_SEGMENT_HEADER_FIXED + 3;
  uint64_t index_offset;

  build (k, c, NFRAMES, &b);
  ox_segment_key (ox_segw_id (b.w), key);
  CHECK (ox_store_put (st, key, b.data, b.len) == 0);
  CHECK (ox_segment_read_index (k, st, key, &idx) == 0);
  check_index (k, c, &b, NFRAMES, idx);
  ox_segment_index_free (idx);

  read_index_bad (other_key, st, key, "authentication failed");

  /* Under another segment's key. */
  memcpy (id2, ox_segw_id (b.w), sizeof id2);
  id2[15] ^= 1;
  ox_segment_key (id2, key2);
  CHECK (ox_store_put (st, key2, b.data, b.len) == 0);
  read_index_bad (k, st, key2, "header names segment");

  /* Missing. */
  id2[15] ^= 2;
  ox_segment_key (id2, key2);
  read_index_bad (k, st, key2, "not found");

  /* Header, index and footer bytes flipped on disk; truncated objects. */
  copy = malloc (b.len);
  index_offset = le64 (b.data + b.len - 64 + 8);
  for (size_t i = 0; i < b.len; i++) {
    if (i >= hlen && i < index_offset)
      continue;
    if (((i >= 4 && i < 40) || (i >= index_offset && i < b.len - 64)) && i % 5)
      continue; /* ids, index: a sample is enough (parse tests all) */
    memcpy (copy, b.data, b.len);
    copy[i] ^= 0x40;
    CHECK (ox_store_put (st, key, copy, b.len) == 0);
    read_index_bad (k, st, key, NULL);
  }
  for (size_t n = 0; n < b.len; n += (n < 70 || n > b.len - 70) ? 1 : 97) {
    CHECK (ox_store_put (st, key, b.data, n) == 0);
    read_index_bad (k, st, key, NULL);
  }
  /* A hostile footer claiming an index far larger than the object. */
  memcpy (copy, b.data, b.len);
  set_le32 (copy + b.len - 64 + 16, 0x01000000);
  set_le32 (copy + b.len - 64 + 24, 48 * 0x01000000);
  set_le64 (copy + b.len - 64 + 8, 60);
  recheck_footer (copy + b.len - 64);
  CHECK (ox_store_put (st, key, copy, b.len) == 0);
  read_index_bad (k, st, key, "invalid footer");
  /* Restored, it reads again. */
  CHECK (ox_store_put (st, key, b.data, b.len) == 0);
  CHECK (ox_segment_read_index (k, st, key, &idx) == 0);
  ox_segment_index_free (idx);
  free (copy);
  ox_segw_free (b.w);
}

int
main (void)
{
  char *dir = ox_test_tmpdir ("ox-test-objects");
  struct ox_store *st;
  struct ox_keys plain, enc, enc2;
  uint8_t store_id[OX_STORE_ID_LEN];
  uint8_t master[OX_MASTER_KEY_LEN], master2[OX_MASTER_KEY_LEN];
  struct ox_codec *c = ox_codec_new (0);

  CHECK (c != NULL);
  ox_test_capture (0);
  CHECK (ox_random_bytes (store_id, sizeof store_id) == 0);
  CHECK (ox_random_bytes (master, sizeof master) == 0);
  CHECK (ox_random_bytes (master2, sizeof master2) == 0);
  ox_keys_init_plain (&plain, store_id);
  CHECK (ox_keys_init_encrypted (&enc, store_id, master) == 0);
  CHECK (ox_keys_init_encrypted (&enc2, store_id, master2) == 0);

  st = ox_test_file_store (dir);
  test_page_store (st, &enc, &enc2);
  test_page_store (st, &plain, &enc);
  test_root_store (st, &enc, &enc2);
  test_read_index (&enc, &enc2, st, c);
  test_read_index (&plain, &enc, st, c);
  ox_store_close (st);
  CHECK (ox_test_rmtree (dir) == 0);
  free (dir);
  ox_codec_free (c);
  return 0;
}
