/* Test building, sealing and parsing segments (segment.c). */
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
#include "segment.h"
#include "testlib.h"

static void
parse_bad (const struct ox_keys *k, const void *data, size_t len,
           const char *expect)
{
  struct ox_segment_index *idx = (struct ox_segment_index *)1;

  ox_test_reset_log ();
  CHECK (ox_segment_parse (k, "segments/te/test", data, len, &idx) == -1);
  CHECK (idx == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR ("segment segments/te/test: ");
  if (expect)
    CHECK_ERROR (expect);
}

/* Byte layout of a sealed segment per FORMAT.md 5. */
static void
check_layout (const struct ox_keys *k, const struct built *b, int nf)
{
  const uint8_t *d = b->data, *f = b->data + b->len - 64;
  uint64_t index_offset = le64 (f + 8);
  uint32_t index_len = le32 (f + 24);
  uint8_t *hi, mac[OX_ID_LEN];
  const size_t hlen = OX_SEGMENT_HEADER_FIXED + 3;

  CHECK_MEM (d, "OXSEG\0\0\1", 8);
  CHECK_MEM (d + 8, k->store_id, 16);
  CHECK_MEM (d + 24, ox_segw_id (b->w), 16);
  CHECK (le64 (d + 40) == SNAP);
  CHECK_EQ_INT (le16 (d + 48), 3);
  CHECK_MEM (d + 56, "vm1", 3);
  if (nf > 0)
    CHECK_EQ_INT (b->offsets[0], hlen);
  CHECK_MEM (f, "OXSEGEND", 8);
  CHECK_EQ_INT (le32 (f + 16), nf);
  CHECK_EQ_INT (le32 (f + 20), nf ? nf + 1 : 0);
  CHECK_EQ_INT (index_len, nf ? 48 * nf + 40 * (nf + 1) : 0);
  CHECK_EQ_INT (le32 (f + 28), 0);
  CHECK (index_offset + index_len + 64 == b->len);
  CHECK (le64 (f + 56) == XXH3_64bits (f, 56));
  hi = malloc (hlen + index_len + 1);
  memcpy (hi, d, hlen);
  memcpy (hi + hlen, d + index_offset, index_len);
  ox_mac (k, hi, hlen + index_len, mac);
  CHECK_MEM (f + 32, mac, 24);
  free (hi);
  for (int i = 0; i < nf; i++) {
    const uint8_t *e = d + index_offset + 48 * i;
    CHECK_MEM (e, b->ids[i], 32);
    CHECK_EQ_INT (le32 (e + 32), b->offsets[i]);
    CHECK_EQ_INT (le32 (e + 40), b->plain_len[i]);
    CHECK_EQ_INT (le32 (e + 44), 0);
  }
}

static void
test_round_trip (const struct ox_keys *k, struct ox_codec *c, int nf)
{
  struct built b;
  struct ox_segment_index *idx;
  char key[OX_SEGMENT_KEY_MAX], hex[33];
  const void *again;
  size_t again_len;

  build (k, c, nf, &b);
  check_layout (k, &b, nf);
  CHECK (ox_segment_parse (k, "seg", b.data, b.len, &idx) == 0);
  check_index (k, c, &b, nf, idx);
  ox_segment_index_free (idx);

  /* Sealing again returns the same bytes; nothing can be added. */
  CHECK (ox_segw_seal (b.w, &again, &again_len) == 0);
  CHECK (again == b.data && again_len == b.len);
  ox_test_reset_log ();
  CHECK (ox_segw_add_frame (b.w, b.ids[0], "x", 1, 1, NULL) == -1);
  CHECK (ox_segw_add_ref (b.w, 0, b.ids[0]) == -1);
  CHECK_EQ_INT (ox_test_errors (), 2);
  CHECK_ERROR ("already sealed");

  /* The key. */
  ox_segment_key (ox_segw_id (b.w), key);
  ox_hex (ox_segw_id (b.w), 16, hex);
  CHECK (strncmp (key, "segments/", 9) == 0);
  CHECK (strncmp (key + 9, hex, 2) == 0 && key[11] == '/');
  CHECK (strcmp (key + 12, hex) == 0);
  CHECK_EQ_INT (strlen (key), 9 + 2 + 1 + 32);
  CHECK (strlen (key) < OX_SEGMENT_KEY_MAX);
  ox_segw_free (b.w);
}

/* Each writer gets a fresh id. */
static void
test_fresh_ids (const struct ox_keys *k)
{
  struct ox_segment_writer *a = ox_segw_new (k, 1, "a");
  struct ox_segment_writer *b = ox_segw_new (k, 1, "a");

  CHECK (a && b);
  CHECK (memcmp (ox_segw_id (a), ox_segw_id (b), OX_SEGMENT_ID_LEN) != 0);
  ox_segw_free (a);
  ox_segw_free (b);
  ox_test_reset_log ();
  CHECK (ox_segw_new (k, 1, "bad/name") == NULL);
  CHECK (ox_segw_new (k, 1, "") == NULL);
  CHECK_EQ_INT (ox_test_errors (), 2);
}

/* A segment built in a caller's buffer equals one built in the writer's
 * own memory, whether it fits the buffer or outgrows it; the buffer is
 * not freed by the writer. */
static void
test_borrowed_buffer (const struct ox_keys *k, struct ox_codec *c)
{
  static uint8_t plain[3][4000];
  uint8_t ids[3][OX_ID_LEN], frame[8192];
  size_t caps[] = { 1 << 16, 200, 1 };

  for (size_t i = 0; i < 3; i++) {
    memset (plain[i], (int)i + 1, sizeof plain[i]);
    ox_chunk_id (k, plain[i], sizeof plain[i], ids[i]);
  }
  for (size_t t = 0; t < sizeof caps / sizeof caps[0]; t++) {
    uint8_t *buf = malloc (caps[t]);
    struct ox_segment_writer *w
        = ox_segw_new_in (k, SNAP, "vm1", buf, caps[t]);
    struct ox_segment_index *idx = NULL;
    const void *data;
    size_t len, flen;
    uint32_t off;

    CHECK (buf && w);
    for (size_t i = 0; i < 3; i++) {
      CHECK (ox_frame_encode (c, k, ids[i], plain[i], sizeof plain[i], frame,
                              sizeof frame, &flen)
             == 0);
      CHECK (ox_segw_add_frame (w, ids[i], frame, flen, sizeof plain[i], &off)
             == 0);
      CHECK (ox_segw_add_ref (w, i, ids[i]) == 0);
    }
    CHECK (ox_segw_seal (w, &data, &len) == 0);
    CHECK ((data == buf) == (len <= caps[t]));
    CHECK (ox_segment_parse (k, "borrowed", data, len, &idx) == 0);
    CHECK (idx && idx->nframes == 3 && idx->nrefs == 3);
    for (uint32_t i = 0; idx && i < idx->nframes; i++) {
      uint8_t out[4000];
      size_t olen;
      const char *why;
      CHECK (ox_frame_decode (c, k, idx->frames[i].id,
                              (const uint8_t *)data + idx->frames[i].offset,
                              idx->frames[i].length, out, sizeof out, &olen,
                              &why)
             == 0);
      CHECK (olen == sizeof out && memcmp (out, plain[i], olen) == 0);
    }
    ox_segment_index_free (idx);
    ox_segw_free (w);
    free (buf); /* still ours: a double free would show under ASan */
  }
}

/* Every byte of header, index and footer flipped; every truncation. */
static void
test_corruption (const struct ox_keys *k, struct ox_codec *c)
{
  struct built b;
  uint8_t *copy;
  const uint8_t *f;
  uint64_t index_offset;
  size_t hlen = OX_SEGMENT_HEADER_FIXED + 3, tested = 0;

  build (k, c, 1, &b);
  f = b.data + b.len - 64;
  index_offset = le64 (f + 8);
  copy = malloc (b.len);
  for (size_t i = 0; i < b.len; i++) {
    if (i >= hlen && i < index_offset)
      continue; /* frame bytes: checked when the frame is decoded */
    for (int mask = 1; mask < 256; mask <<= 3) {
      memcpy (copy, b.data, b.len);
      copy[i] ^= mask;
      parse_bad (k, copy, b.len, NULL);
      tested++;
    }
  }
  CHECK (tested >= 3 * (hlen + 48 + 2 * 40 + 64));
  /* Truncated at the end, and at the front. */
  for (size_t n = 0; n < b.len; n++) {
    parse_bad (k, b.data, n, NULL);
    parse_bad (k, b.data + b.len - n, n, NULL);
  }
  free (copy);
  ox_segw_free (b.w);
}

/* Parsing with keys of another store or the wrong master key. */
static void
test_wrong_keys (const struct ox_keys *k, const struct ox_keys *other_store,
                 const struct ox_keys *other_key, struct ox_codec *c)
{
  struct built b;

  build (k, c, 2, &b);
  parse_bad (other_store, b.data, b.len, "belongs to another store");
  parse_bad (other_key, b.data, b.len,
             "authentication failed (corrupt or wrong key)");
  ox_segw_free (b.w);
}

/* Recompute the index MAC (header of HLEN bytes) and the footer check. */
static void
remac (const struct ox_keys *k, uint8_t *d, size_t len, size_t hlen)
{
  uint8_t *f = d + len - 64, mac[OX_ID_LEN];
  uint64_t index_offset = le64 (f + 8);
  uint32_t index_len = le32 (f + 24);
  uint8_t *hi = malloc (hlen + index_len);

  memcpy (hi, d, hlen);
  memcpy (hi + hlen, d + index_offset, index_len);
  ox_mac (k, hi, hlen + index_len, mac);
  memcpy (f + 32, mac, 24);
  recheck_footer (f);
  free (hi);
}

/* Footers and indexes that check out but lie. */
static void
test_hostile (const struct ox_keys *k, struct ox_codec *c)
{
  struct built b;
  uint8_t *copy, *f;
  uint64_t index_offset;
  const size_t hlen = OX_SEGMENT_HEADER_FIXED + 3;
  struct ox_segment_index *idx;

  build (k, c, 2, &b);
  copy = malloc (b.len);
  f = copy + b.len - 64;
  index_offset = le64 (b.data + b.len - 64 + 8);

#define FOOTER(stmt, expect)                                                  \
  do {                                                                        \
    memcpy (copy, b.data, b.len);                                             \
    stmt;                                                                     \
    recheck_footer (f);                                                       \
    parse_bad (k, copy, b.len, expect);                                       \
  } while (0)
#define INDEX(stmt, expect)                                                   \
  do {                                                                        \
    memcpy (copy, b.data, b.len);                                             \
    stmt;                                                                     \
    remac (k, copy, b.len, hlen);                                             \
    parse_bad (k, copy, b.len, expect);                                       \
  } while (0)

  FOOTER (set_le32 (f + 16, UINT32_MAX), "invalid footer");
  FOOTER (set_le32 (f + 20, UINT32_MAX), "invalid footer");
  FOOTER ((set_le32 (f + 16, UINT32_MAX), set_le32 (f + 20, UINT32_MAX),
           set_le32 (f + 24, UINT32_MAX)),
          "invalid footer");
  /* 48 * 0x05555556 = 2^32 + 32: a u32 computation would wrap to 32. */
  FOOTER ((set_le32 (f + 16, 0x05555556), set_le32 (f + 20, 0),
           set_le32 (f + 24, 32)),
          "invalid footer");
  FOOTER (set_le32 (f + 24, 0), "invalid footer");
  FOOTER (set_le32 (f + 28, 1), "invalid footer");
  FOOTER (set_le64 (f + 8, UINT64_MAX), "invalid footer");
  FOOTER (set_le64 (f + 8, UINT64_MAX - 100), "invalid footer");
  FOOTER (set_le64 (f + 8, index_offset + 1), "invalid footer");
  FOOTER (set_le64 (f + 8, index_offset - 1), "invalid footer");
  FOOTER (set_le64 (f + 8, 0), "invalid footer");
  FOOTER (set_le64 (f + 8, 10), "invalid footer");
  /* An empty index at the end of the object: the MAC was over more. */
  FOOTER ((set_le32 (f + 16, 0), set_le32 (f + 20, 0), set_le32 (f + 24, 0),
           set_le64 (f + 8, b.len - 64)),
          "authentication failed");
  FOOTER (copy[b.len - 64] ^= 1, "bad footer magic");
  memcpy (copy, b.data, b.len);
  copy[b.len - 1] ^= 1;
  parse_bad (k, copy, b.len, "footer checksum");
  memcpy (copy, b.data, b.len);
  copy[b.len - 40] ^= 1;
  parse_bad (k, copy, b.len, "footer checksum");

  /* Authentic (re-MACed) but out of bounds frame entries. */
  uint8_t *e0 = copy + index_offset, *e1 = e0 + 48;
  INDEX (set_le32 (e0 + 32, 0), "outside the frame area");
  INDEX (set_le32 (e0 + 32, hlen - 1), "outside the frame area");
  INDEX (set_le32 (e1 + 32, index_offset), "outside the frame area");
  INDEX (set_le32 (e1 + 36, le32 (e1 + 36) + 1), "outside the frame area");
  INDEX (set_le32 (e1 + 36, 0), "outside the frame area");
  INDEX ((set_le32 (e1 + 32, 0xffffff00), set_le32 (e1 + 36, 0x200)),
         "outside the frame area");
  INDEX ((set_le32 (e1 + 32, hlen), set_le32 (e1 + 36, UINT32_MAX)),
         "outside the frame area");
  INDEX (set_le32 (e0 + 44, 1), "reserved");
  /* Authentic but bad headers. */
  INDEX (copy[0] ^= 1, "bad header magic");
  INDEX (copy[48] = 0, "invalid header");
  INDEX (copy[48] = 200, "invalid header");
  INDEX (copy[50] = 1, "invalid header");
  INDEX (copy[56] = '/', "invalid volume name");
  INDEX (copy[56] = '.', "invalid volume name");
  INDEX (copy[57] = '\0', "invalid volume name");
#undef FOOTER
#undef INDEX

  /* A frame entry that ends exactly at the index is fine. */
  memcpy (copy, b.data, b.len);
  remac (k, copy, b.len, hlen);
  CHECK (ox_segment_parse (k, "seg", copy, b.len, &idx) == 0);
  CHECK_EQ_INT ((uint64_t)idx->frames[1].offset + idx->frames[1].length,
                index_offset);
  ox_segment_index_free (idx);
  free (copy);
  ox_segw_free (b.w);
}

int
main (void)
{
  struct ox_keys plain, enc, enc2, other;
  uint8_t store_id[OX_STORE_ID_LEN], store_id2[OX_STORE_ID_LEN];
  uint8_t master[OX_MASTER_KEY_LEN], master2[OX_MASTER_KEY_LEN];
  struct ox_codec *c = ox_codec_new (0);

  CHECK (c != NULL);
  ox_test_capture (0);
  CHECK (ox_random_bytes (store_id, sizeof store_id) == 0);
  CHECK (ox_random_bytes (store_id2, sizeof store_id2) == 0);
  CHECK (ox_random_bytes (master, sizeof master) == 0);
  CHECK (ox_random_bytes (master2, sizeof master2) == 0);
  ox_keys_init_plain (&plain, store_id);
  CHECK (ox_keys_init_encrypted (&enc, store_id, master) == 0);
  CHECK (ox_keys_init_encrypted (&enc2, store_id, master2) == 0);
  CHECK (ox_keys_init_encrypted (&other, store_id2, master) == 0);

  for (int nf = 0; nf <= NFRAMES; nf++) {
    test_round_trip (&enc, c, nf);
    test_round_trip (&plain, c, nf);
  }
  test_fresh_ids (&enc);
  test_borrowed_buffer (&enc, c);
  test_borrowed_buffer (&plain, c);
  test_corruption (&enc, c);
  test_corruption (&plain, c);
  test_wrong_keys (&enc, &other, &enc2, c);
  test_wrong_keys (&plain, &other, &enc, c);
  test_wrong_keys (&enc, &other, &plain, c);
  test_hostile (&plain, c);
  test_hostile (&enc, c);

  ox_codec_free (c);
  return 0;
}
