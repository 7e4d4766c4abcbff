/* Test the bytes of a read trace (tracefmt.c, docs/FORMAT.md section 9):
 * the body byte for byte, the sealed object (magic, id, frame) in plain
 * and encrypted stores, indices out of range, and every way a trace is
 * refused. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "frame.h"
#include "keys.h"
#include "le.h"
#include "log.h"
#include "testlib.h"
#include "tracefmt.h"

#define SNAP UINT64_C (0x0123456789abcdef)
#define NCHUNKS 1000

static const uint8_t sid[OX_STORE_ID_LEN] = { 0x5e, 0xed, 1, 2, 3 };
static struct ox_keys plain, enc, other;
static struct ox_codec *codec;

/* The body of a trace of chunks 5, 999, 0 (FORMAT.md 9). */
static const uint8_t golden_body[24 + 3 * 8] = {
  0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, /* snapshot id */
  0xe8, 0x03, 0,    0,    0,    0,    0,    0,    /* 1000 chunks */
  3,    0,    0,    0,                            /* count */
  0,    0,    0,    0,                            /* zero */
  5,    0,    0,    0,    0,    0,    0,    0,    /* chunk indices */
  0xe7, 0x03, 0,    0,    0,    0,    0,    0,    /* */
  0,    0,    0,    0,    0,    0,    0,    0,    /* */
};
static const uint64_t golden_chunks[] = { 5, 999, 0 };

/* Seal a trace of COUNT indices at CHUNKS with keys K into a malloc'd
 * object; sets *LEN. */
static uint8_t *
seal (const struct ox_keys *k, uint64_t snap, uint64_t nchunks,
      const uint64_t *chunks, uint32_t count, size_t *len)
{
  size_t cap = ox_trace_bound (count);
  uint8_t *obj = malloc (cap);

  CHECK (obj != NULL);
  CHECK_EQ_INT (
      ox_trace_format (codec, k, snap, nchunks, chunks, count, obj, cap, len),
      0);
  CHECK (*len <= cap);
  return obj;
}

/* Seal the LEN bytes of BODY as ox_trace_format would, whatever they are. */
static uint8_t *
seal_raw (const struct ox_keys *k, const void *body, size_t len,
          size_t *out_len)
{
  size_t cap = OX_TRACE_PREFIX + ox_frame_bound (len), flen;
  uint8_t *obj = malloc (cap);

  CHECK (obj != NULL);
  memcpy (obj, OX_TRACE_MAGIC, 8);
  ox_chunk_id (k, body, len, obj + 8);
  CHECK_EQ_INT (ox_frame_encode (codec, k, obj + 8, body, len,
                                 obj + OX_TRACE_PREFIX, cap - OX_TRACE_PREFIX,
                                 &flen),
                0);
  *out_len = OX_TRACE_PREFIX + flen;
  return obj;
}

/* Parse OBJ with keys K; it must be refused (EINVAL) with WANT in *WHY,
 * reporting nothing. */
static void
refused (const struct ox_keys *k, const void *obj, size_t len,
         uint64_t nchunks, const char *want)
{
  uint64_t *chunks = (uint64_t *)1;
  size_t n = 99;
  const char *why = NULL;

  ox_test_reset_log ();
  errno = 0;
  CHECK_EQ_INT (
      ox_trace_parse (codec, k, obj, len, SNAP, nchunks, &chunks, &n, &why),
      -1);
  CHECK_EQ_INT (errno, EINVAL);
  if (why == NULL || strstr (why, want) == NULL) {
    fprintf (stderr, "why: %s, wanted %s\n", why ? why : "(null)", want);
    exit (1);
  }
  CHECK (chunks == NULL);
  CHECK_EQ_INT (n, 0);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
}

static void
test_body (void)
{
  uint8_t body[sizeof golden_body];
  uint32_t count = 0;
  const char *why = NULL;

  CHECK_EQ_INT (ox_trace_body_len (3), sizeof golden_body);
  ox_trace_body_format (SNAP, NCHUNKS, golden_chunks, 3, body);
  CHECK_MEM (body, golden_body, sizeof body);
  CHECK_EQ_INT (
      ox_trace_body_parse (body, sizeof body, SNAP, NCHUNKS, &count, &why), 0);
  CHECK_EQ_INT (count, 3);

  /* Refused bodies. */
  CHECK_EQ_INT (ox_trace_body_parse (body, 23, SNAP, NCHUNKS, &count, &why),
                -1);
  CHECK_EQ_INT (errno, EINVAL);
  CHECK (strstr (why, "shorter than its header"));
  CHECK_EQ_INT (
      ox_trace_body_parse (body, sizeof body - 8, SNAP, NCHUNKS, &count, &why),
      -1);
  CHECK (strstr (why, "bad length"));
  CHECK_EQ_INT (
      ox_trace_body_parse (body, sizeof body, SNAP + 1, NCHUNKS, &count, &why),
      -1);
  CHECK (strstr (why, "another snapshot"));
  CHECK_EQ_INT (
      ox_trace_body_parse (body, sizeof body, SNAP, NCHUNKS + 1, &count, &why),
      -1);
  CHECK (strstr (why, "another snapshot"));
  body[20] = 1;
  CHECK_EQ_INT (
      ox_trace_body_parse (body, sizeof body, SNAP, NCHUNKS, &count, &why),
      -1);
  CHECK (strstr (why, "not zero"));
  body[20] = 0;
  put_le32 (body + 16, OX_TRACE_MAX_CHUNKS + 1);
  CHECK_EQ_INT (
      ox_trace_body_parse (body, sizeof body, SNAP, NCHUNKS, &count, &why),
      -1);
  CHECK (strstr (why, "too many chunks"));
  /* An empty trace is a trace. */
  ox_trace_body_format (SNAP, NCHUNKS, NULL, 0, body);
  CHECK_EQ_INT (ox_trace_body_parse (body, 24, SNAP, NCHUNKS, &count, &why),
                0);
  CHECK_EQ_INT (count, 0);
}

/* Format and parse back, with each kind of keys. */
static void
test_roundtrip (const struct ox_keys *k)
{
  uint8_t id[OX_ID_LEN], body[sizeof golden_body];
  uint64_t *chunks;
  size_t len, n, blen;
  const char *why;
  uint8_t *obj = seal (k, SNAP, NCHUNKS, golden_chunks, 3, &len);

  /* "OXTRACE2", ID(body), the body as a frame for that id. */
  CHECK_MEM (obj, "OXTRACE2", 8);
  ox_chunk_id (k, golden_body, sizeof golden_body, id);
  CHECK_MEM (obj + 8, id, OX_ID_LEN);
  CHECK_EQ_INT (ox_frame_decode (codec, k, id, obj + OX_TRACE_PREFIX,
                                 len - OX_TRACE_PREFIX, body, sizeof body,
                                 &blen, &why),
                0);
  CHECK_EQ_INT (blen, sizeof golden_body);
  CHECK_MEM (body, golden_body, sizeof body);

  CHECK_EQ_INT (
      ox_trace_parse (codec, k, obj, len, SNAP, NCHUNKS, &chunks, &n, &why),
      0);
  CHECK_EQ_INT (n, 3);
  CHECK_MEM (chunks, golden_chunks, sizeof golden_chunks);
  free (chunks);

  free (obj);

  /* Indices out of range are skipped; none left: no array. */
  {
    static const uint64_t some[] = { 1000, 7, 5000, 999 };
    static const uint64_t none[] = { 1000, 1001 };
    obj = seal (k, SNAP, NCHUNKS, some, 4, &len);
    CHECK_EQ_INT (
        ox_trace_parse (codec, k, obj, len, SNAP, NCHUNKS, &chunks, &n, &why),
        0);
    CHECK_EQ_INT (n, 2);
    CHECK_EQ_INT (chunks[0], 7);
    CHECK_EQ_INT (chunks[1], 999);
    free (chunks);
    free (obj);
    obj = seal (k, SNAP, NCHUNKS, none, 2, &len);
    CHECK_EQ_INT (
        ox_trace_parse (codec, k, obj, len, SNAP, NCHUNKS, &chunks, &n, &why),
        0);
    CHECK (chunks == NULL);
    CHECK_EQ_INT (n, 0);
    free (obj);
    obj = seal (k, SNAP, NCHUNKS, NULL, 0, &len);
    CHECK_EQ_INT (
        ox_trace_parse (codec, k, obj, len, SNAP, NCHUNKS, &chunks, &n, &why),
        0);
    CHECK (chunks == NULL);
    CHECK_EQ_INT (n, 0);
    free (obj);
  }

  /* The largest trace. */
  {
    uint64_t *many = malloc (8 * (size_t)OX_TRACE_MAX_CHUNKS);
    CHECK (many != NULL);
    for (uint32_t i = 0; i < OX_TRACE_MAX_CHUNKS; i++)
      many[i] = (uint64_t)OX_TRACE_MAX_CHUNKS - 1 - i;
    obj = seal (k, SNAP, OX_TRACE_MAX_CHUNKS, many, OX_TRACE_MAX_CHUNKS, &len);
    CHECK_EQ_INT (ox_trace_parse (codec, k, obj, len, SNAP,
                                  OX_TRACE_MAX_CHUNKS, &chunks, &n, &why),
                  0);
    CHECK_EQ_INT (n, OX_TRACE_MAX_CHUNKS);
    CHECK_MEM (chunks, many, 8 * (size_t)OX_TRACE_MAX_CHUNKS);
    free (chunks);
    free (obj);
    free (many);
  }
}

static void
test_refused (void)
{
  uint8_t body[sizeof golden_body];
  uint8_t *obj, *big;
  size_t len, blen;

  obj = seal (&plain, SNAP, NCHUNKS, golden_chunks, 3, &len);
  refused (&plain, obj, OX_TRACE_PREFIX - 1, NCHUNKS, "not a trace");
  refused (&plain, obj, 0, NCHUNKS, "not a trace");
  memcpy (obj, "OXTRACE1", 8); /* the development layout */
  refused (&plain, obj, len, NCHUNKS, "not a trace");
  memcpy (obj, "OXTRACE2", 8);
  /* Cut short, anywhere after the prefix. */
  for (size_t n = OX_TRACE_PREFIX; n < len; n++) {
    uint64_t *chunks;
    size_t cnt;
    const char *why;
    CHECK_EQ_INT (ox_trace_parse (codec, &plain, obj, n, SNAP, NCHUNKS,
                                  &chunks, &cnt, &why),
                  -1);
    CHECK_EQ_INT (errno, EINVAL);
  }
  /* Another snapshot or geometry. */
  refused (&plain, obj, len, NCHUNKS + 1, "another snapshot");
  /* A flipped byte of the frame, the id or the check. */
  for (size_t at = 8; at < len; at += 7) {
    uint64_t *chunks;
    size_t cnt;
    const char *why;
    obj[at] ^= 0x20;
    CHECK_EQ_INT (ox_trace_parse (codec, &plain, obj, len, SNAP, NCHUNKS,
                                  &chunks, &cnt, &why),
                  -1);
    obj[at] ^= 0x20;
  }
  /* With the check repaired, a changed body fails its id. */
  obj[len - 9] ^= 1;
  put_le64 (obj + len - 8,
            XXH3_64bits (obj + OX_TRACE_PREFIX, len - OX_TRACE_PREFIX - 8));
  {
    uint64_t *chunks;
    size_t cnt;
    const char *why = NULL;
    CHECK_EQ_INT (ox_trace_parse (codec, &plain, obj, len, SNAP, NCHUNKS,
                                  &chunks, &cnt, &why),
                  -1);
    CHECK (why != NULL);
  }
  free (obj);

  /* Sealed with other keys, or for a plain store. */
  obj = seal (&enc, SNAP, NCHUNKS, golden_chunks, 3, &len);
  refused (&other, obj, len, NCHUNKS, "");
  refused (&plain, obj, len, NCHUNKS, "");
  free (obj);

  /* Bodies that pass the frame but not the body's checks. */
  memcpy (body, golden_body, sizeof body);
  body[20] = 1;
  obj = seal_raw (&plain, body, sizeof body, &len);
  refused (&plain, obj, len, NCHUNKS, "not zero");
  free (obj);
  memcpy (body, golden_body, sizeof body);
  body[16] = 2; /* count 2, but 3 indices */
  obj = seal_raw (&enc, body, sizeof body, &len);
  refused (&enc, obj, len, NCHUNKS, "bad length");
  free (obj);
  obj = seal_raw (&plain, body, 20, &len); /* shorter than its header */
  refused (&plain, obj, len, NCHUNKS, "bad length");
  free (obj);
  obj = seal_raw (&plain, body, 25, &len); /* not whole indices */
  refused (&plain, obj, len, NCHUNKS, "bad length");
  free (obj);
  /* More than the most chunks: refused before decoding. */
  blen = ox_trace_body_len (OX_TRACE_MAX_CHUNKS + 1);
  big = calloc (1, blen);
  CHECK (big != NULL);
  ox_trace_body_format (SNAP, NCHUNKS, NULL, 0, big);
  put_le32 (big + 16, OX_TRACE_MAX_CHUNKS + 1);
  obj = seal_raw (&plain, big, blen, &len);
  refused (&plain, obj, len, NCHUNKS, "bad length");
  free (obj);
  free (big);
}

static void
test_format_refuses (void)
{
  uint8_t out[4096];
  size_t len = 777;

  CHECK_EQ_INT (ox_trace_format (codec, &plain, SNAP, NCHUNKS, golden_chunks,
                                 3, out, ox_trace_bound (3) - 1, &len),
                -1);
  CHECK_EQ_INT (errno, EINVAL);
  CHECK_ERROR ("out of bounds");
  CHECK_EQ_INT (ox_trace_format (codec, &plain, SNAP, NCHUNKS, golden_chunks,
                                 OX_TRACE_MAX_CHUNKS + 1, out, sizeof out,
                                 &len),
                -1);
  CHECK_EQ_INT (len, 777);
  CHECK (ox_trace_bound (3) > OX_TRACE_PREFIX + ox_trace_body_len (3));
}

int
main (void)
{
  uint8_t master[OX_MASTER_KEY_LEN];

  ox_test_capture (0);
  codec = ox_codec_new (0);
  CHECK (codec != NULL);
  ox_keys_init_plain (&plain, sid);
  memset (master, 1, sizeof master);
  CHECK_EQ_INT (ox_keys_init_encrypted (&enc, sid, master), 0);
  memset (master, 2, sizeof master);
  CHECK_EQ_INT (ox_keys_init_encrypted (&other, sid, master), 0);
  test_body ();
  test_roundtrip (&plain);
  test_roundtrip (&enc);
  test_refused ();
  test_format_refuses ();
  ox_codec_free (codec);
  return 0;
}
