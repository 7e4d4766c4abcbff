/* Unit test of common/frame.c: round trips, the exact layout of FORMAT
 * section 4, and rejection of every damaged, truncated, misplaced or
 * hostile frame. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <xxhash.h>
#include <zstd.h>

#include "frame.h"
#include "keys.h"
#include "test.h"

#define MiB (1024 * 1024)
#define FILL 0xee /* prefill of output buffers; never in test plaintexts */

static struct ox_keys plain_keys, enc_keys, other_store_keys, wrong_keys;
static struct ox_codec *codec;

static void
setup_keys (void)
{
  uint8_t sid[OX_STORE_ID_LEN], sid2[OX_STORE_ID_LEN];
  uint8_t master[OX_MASTER_KEY_LEN], master2[OX_MASTER_KEY_LEN];

  memset (sid, 0x10, sizeof sid);
  memset (sid2, 0x20, sizeof sid2);
  memset (master, 0x30, sizeof master);
  memset (master2, 0x40, sizeof master2);
  ox_keys_init_plain (&plain_keys, sid);
  CHECK (ox_keys_init_encrypted (&enc_keys, sid, master) == 0);
  CHECK (ox_keys_init_encrypted (&other_store_keys, sid2, master) == 0);
  CHECK (ox_keys_init_encrypted (&wrong_keys, sid, master2) == 0);
}

static uint32_t
le32 (const uint8_t *p)
{
  return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
         | (uint32_t)p[3] << 24;
}

static void
put_le32 (uint8_t *p, uint32_t v)
{
  p[0] = v;
  p[1] = v >> 8;
  p[2] = v >> 16;
  p[3] = v >> 24;
}

/* Random bytes without FILL or 0, so a leak into an output is visible. */
static void
fill_random (uint8_t *p, size_t len)
{
  size_t i;

  CHECK (ox_random_bytes (p, len) == 0);
  for (i = 0; i < len; i++)
    if (p[i] == FILL || p[i] == 0)
      p[i] = 1;
}

static void
fill_text (uint8_t *p, size_t len)
{
  static const char words[] = "the quick brown fox jumps over the lazy dog ";
  size_t i;

  for (i = 0; i < len; i++)
    p[i] = words[(i * 7 + i / 64) % (sizeof words - 1)];
}

static uint8_t *
encode (const struct ox_keys *k, const uint8_t *id, const uint8_t *plain,
        size_t len, size_t *frame_len)
{
  size_t cap = ox_frame_bound (len);
  uint8_t *frame = malloc (cap);

  CHECK (frame);
  CHECK (ox_frame_encode (codec, k, id, plain, len, frame, cap, frame_len)
         == 0);
  CHECK (*frame_len <= cap);
  return frame;
}

/* Decode expecting failure; returns the reason. Checks that no plaintext
 * byte reached the output buffer. */
static const char *
decode_fails (const struct ox_keys *k, const uint8_t *id, const uint8_t *frame,
              size_t frame_len, size_t cap)
{
  uint8_t *out = malloc (cap ? cap : 1);
  const char *why = NULL;
  size_t n = 12345, i;

  CHECK (out);
  memset (out, FILL, cap);
  CHECK (ox_frame_decode (codec, k, id, frame, frame_len, out, cap, &n, &why)
         == -1);
  CHECK (why != NULL && why[0] != '\0');
  CHECK (n == 12345);
  for (i = 0; i < cap; i++)
    CHECK (out[i] == FILL || out[i] == 0);
  free (out);
  return why;
}

static void
decode_ok (const struct ox_keys *k, const uint8_t *id, const uint8_t *frame,
           size_t frame_len, const uint8_t *want, size_t want_len)
{
  uint8_t *out = malloc (want_len);
  const char *why = NULL;
  size_t n = 0;

  CHECK (out);
  CHECK (
      ox_frame_decode (codec, k, id, frame, frame_len, out, want_len, &n, &why)
      == 0);
  CHECK_EQ_INT (n, want_len);
  CHECK_MEM (out, want, want_len);
  free (out);
}

/* Check the header against FORMAT section 4 and return the codec. */
static int
check_header (const struct ox_keys *k, const uint8_t *f, size_t frame_len,
              size_t plain_len)
{
  size_t overhead = k->encrypted ? 16 + 12 + 16 : 16 + 8;
  const char *why = NULL;

  CHECK_EQ_INT (f[0], 1);
  CHECK (f[1] == 0 || f[1] == 1);
  CHECK_EQ_INT (f[2], k->encrypted ? 1 : 0);
  CHECK_EQ_INT (f[3], 0);
  CHECK_EQ_INT (le32 (f + 4), plain_len);
  CHECK_EQ_INT (le32 (f + 8) + overhead, frame_len);
  CHECK_EQ_INT (le32 (f + 12), 0);
  CHECK_EQ_INT (ox_frame_plain_len (f, frame_len, &why), plain_len);
  CHECK_EQ_INT (ox_frame_plain_len (f, 16, &why), plain_len);
  if (f[1] == 0)
    CHECK_EQ_INT (le32 (f + 8), plain_len);
  else
    CHECK (le32 (f + 8) < plain_len);
  return f[1];
}

/* Verify the encrypted frame with OpenSSL directly: the AAD is exactly
 * "ox v1 frame" || store_id || chunk_id || header. Returns the body. */
static uint8_t *
independent_decrypt (const struct ox_keys *k, const uint8_t *id,
                     const uint8_t *f, size_t frame_len)
{
  uint32_t body_len = le32 (f + 8);
  uint8_t aad[11 + 16 + 32 + 16], *body = malloc (body_len + 1);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int n;

  CHECK (body && ctx);
  memcpy (aad, "ox v1 frame", 11);
  memcpy (aad + 11, k->store_id, 16);
  memcpy (aad + 27, id, 32);
  memcpy (aad + 59, f, 16);
  CHECK (
      EVP_DecryptInit_ex2 (ctx, EVP_aes_256_gcm (), k->enc_key, f + 16, NULL));
  CHECK (EVP_DecryptUpdate (ctx, NULL, &n, aad, sizeof aad));
  CHECK (EVP_DecryptUpdate (ctx, body, &n, f + 28, body_len));
  CHECK (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, 16,
                              (void *)(f + 28 + body_len)));
  CHECK (EVP_DecryptFinal_ex (ctx, body + body_len, &n) == 1);
  EVP_CIPHER_CTX_free (ctx);
  return body;
}

static void
check_layout (const struct ox_keys *k, const uint8_t *id, const uint8_t *f,
              size_t frame_len, const uint8_t *plain, size_t plain_len)
{
  int c = check_header (k, f, frame_len, plain_len);
  uint32_t body_len = le32 (f + 8);
  const uint8_t *body;
  uint8_t *decrypted = NULL, *out;
  uint64_t check;

  if (k->encrypted)
    body = decrypted = independent_decrypt (k, id, f, frame_len);
  else {
    body = f + 16;
    memcpy (&check, f + 16 + body_len, 8); /* little-endian host */
    CHECK (check == XXH3_64bits (f, 16 + body_len));
  }
  if (c == 0)
    CHECK_MEM (body, plain, plain_len);
  else {
    out = malloc (plain_len);
    CHECK (out);
    CHECK_EQ_INT (ZSTD_getFrameContentSize (body, body_len), plain_len);
    CHECK_EQ_INT (ZSTD_decompress (out, plain_len, body, body_len), plain_len);
    CHECK_MEM (out, plain, plain_len);
    free (out);
  }
  free (decrypted);
}

/* Round trip PLAIN with keys K; returns the codec used. */
static int
round_trip (const struct ox_keys *k, const uint8_t *plain, size_t len)
{
  uint8_t id[OX_ID_LEN];
  size_t frame_len;
  uint8_t *frame;
  int c;

  ox_chunk_id (k, plain, len, id);
  frame = encode (k, id, plain, len, &frame_len);
  check_layout (k, id, frame, frame_len, plain, len);
  c = frame[1];
  decode_ok (k, id, frame, frame_len, plain, len);
  free (frame);
  return c;
}

static void
test_round_trips (void)
{
  const struct ox_keys *ks[] = { &plain_keys, &enc_keys };
  size_t big = 4 * MiB, i;
  uint8_t *buf = malloc (big);

  CHECK (buf);
  for (i = 0; i < 2; i++) {
    const struct ox_keys *k = ks[i];

    fill_random (buf, 256 * 1024);
    CHECK_EQ_INT (round_trip (k, buf, 256 * 1024), 0); /* raw fallback */
    fill_text (buf, 256 * 1024);
    CHECK_EQ_INT (round_trip (k, buf, 256 * 1024), 1);
    memset (buf, 0, 256 * 1024);
    CHECK_EQ_INT (round_trip (k, buf, 256 * 1024), 1);
    memset (buf, 0x42, 4096);
    CHECK_EQ_INT (round_trip (k, buf, 4096), 1);
    buf[0] = 'x';
    CHECK_EQ_INT (round_trip (k, buf, 1), 0);
    fill_text (buf, 100);
    round_trip (k, buf, 100);
    fill_text (buf, big);
    CHECK_EQ_INT (round_trip (k, buf, big), 1);
    fill_random (buf, big);
    CHECK_EQ_INT (round_trip (k, buf, big), 0);
    /* Half random, half text: compresses, but not much. */
    fill_text (buf, big / 2);
    CHECK_EQ_INT (round_trip (k, buf, big), 1);
  }
  free (buf);
}

static void
test_size_limits (void)
{
  size_t max = OX_FRAME_MAX_PLAIN, frame_len;
  uint8_t *buf = calloc (1, max + 1), *frame;
  uint8_t id[OX_ID_LEN] = { 0 };

  CHECK (buf);
  CHECK_EQ_INT (round_trip (&enc_keys, buf, max), 1);
  frame = malloc (ox_frame_bound (max + 1));
  CHECK (frame);
  CHECK (ox_frame_encode (codec, &enc_keys, id, buf, max + 1, frame,
                          ox_frame_bound (max + 1), &frame_len)
         == -1);
  CHECK (ox_frame_encode (codec, &enc_keys, id, buf, 0, frame,
                          ox_frame_bound (0), &frame_len)
         == -1);
  /* The output buffer must hold the bound. */
  CHECK (ox_frame_encode (codec, &enc_keys, id, buf, 1000, frame,
                          ox_frame_bound (1000) - 1, &frame_len)
         == -1);
  free (frame);
  free (buf);
}

/* Two encodings of one chunk differ (random nonces) and both decode. */
static void
test_nonces_differ (void)
{
  uint8_t plain[5000], id[OX_ID_LEN], *f1, *f2;
  size_t l1, l2;

  fill_text (plain, sizeof plain);
  ox_chunk_id (&enc_keys, plain, sizeof plain, id);
  f1 = encode (&enc_keys, id, plain, sizeof plain, &l1);
  f2 = encode (&enc_keys, id, plain, sizeof plain, &l2);
  CHECK_EQ_INT (l1, l2);
  CHECK (memcmp (f1 + 16, f2 + 16, 12) != 0);
  CHECK (memcmp (f1 + 28, f2 + 28, l1 - 28) != 0);
  decode_ok (&enc_keys, id, f1, l1, plain, sizeof plain);
  decode_ok (&enc_keys, id, f2, l2, plain, sizeof plain);
  free (f1);
  free (f2);
}

/* Every single-bit flip, every truncation and an extension is refused. */
static void
check_damage_refused (const struct ox_keys *k, const uint8_t *plain,
                      size_t len, int want_codec)
{
  uint8_t id[OX_ID_LEN], *frame, *copy;
  size_t frame_len, i;
  int bit;

  ox_chunk_id (k, plain, len, id);
  frame = encode (k, id, plain, len, &frame_len);
  CHECK_EQ_INT (frame[1], want_codec);
  copy = malloc (frame_len + 1);
  CHECK (copy);
  for (i = 0; i < frame_len; i++)
    for (bit = 0; bit < 8; bit++) {
      memcpy (copy, frame, frame_len);
      copy[i] ^= 1 << bit;
      decode_fails (k, id, copy, frame_len, len + 64);
    }
  for (i = 0; i < frame_len; i++)
    decode_fails (k, id, frame, i, len + 64);
  memcpy (copy, frame, frame_len);
  copy[frame_len] = 0;
  decode_fails (k, id, copy, frame_len + 1, len + 64);
  decode_ok (k, id, frame, frame_len, plain, len);
  free (copy);
  free (frame);
}

static void
test_bit_flips_and_truncations (void)
{
  uint8_t text[300], rnd[120];

  fill_text (text, sizeof text);
  fill_random (rnd, sizeof rnd);
  check_damage_refused (&enc_keys, text, sizeof text, 1);
  check_damage_refused (&enc_keys, rnd, sizeof rnd, 0);
  check_damage_refused (&plain_keys, text, sizeof text, 1);
  check_damage_refused (&plain_keys, rnd, sizeof rnd, 0);
}

/* A frame decoded as another chunk, in another store, with another key or
 * into a buffer too small, is refused. */
static void
test_misplaced_frames (void)
{
  uint8_t plain[2000], id[OX_ID_LEN], bad_id[OX_ID_LEN], *frame;
  size_t frame_len;
  const char *why;

  fill_text (plain, sizeof plain);
  ox_chunk_id (&enc_keys, plain, sizeof plain, id);
  frame = encode (&enc_keys, id, plain, sizeof plain, &frame_len);
  memcpy (bad_id, id, sizeof id);
  bad_id[31] ^= 0x80;
  why = decode_fails (&enc_keys, bad_id, frame, frame_len, sizeof plain);
  CHECK (strcmp (why, "authentication failed (corrupt data or wrong key)")
         == 0);
  decode_fails (&other_store_keys, id, frame, frame_len, sizeof plain);
  decode_fails (&wrong_keys, id, frame, frame_len, sizeof plain);
  decode_fails (&plain_keys, id, frame, frame_len, sizeof plain);
  decode_fails (&enc_keys, id, frame, frame_len, sizeof plain - 1);
  decode_ok (&enc_keys, id, frame, frame_len, plain, sizeof plain);
  free (frame);

  ox_chunk_id (&plain_keys, plain, sizeof plain, id);
  frame = encode (&plain_keys, id, plain, sizeof plain, &frame_len);
  memcpy (bad_id, id, sizeof id);
  bad_id[0] ^= 1;
  why = decode_fails (&plain_keys, bad_id, frame, frame_len, sizeof plain);
  CHECK (strcmp (why, "chunk id mismatch") == 0);
  decode_fails (&enc_keys, id, frame, frame_len, sizeof plain);
  decode_fails (&plain_keys, id, frame, frame_len, sizeof plain - 1);
  free (frame);
}

/* Headers with absurd lengths, alone or followed by a little data. */
static void
test_absurd_headers (void)
{
  static const uint32_t lens[] = { 0,
                                   1,
                                   2,
                                   255,
                                   OX_FRAME_MAX_PLAIN,
                                   OX_FRAME_MAX_PLAIN + 1,
                                   0x7fffffff,
                                   0x80000000,
                                   0xfffffff0,
                                   0xffffffff };
  uint8_t frame[256], id[OX_ID_LEN] = { 0 };
  const struct ox_keys *ks[] = { &plain_keys, &enc_keys };
  size_t i, j, c, flen;
  const char *why;

  for (c = 0; c < 4; c++)
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++)
      for (j = 0; j < sizeof lens / sizeof lens[0]; j++) {
        const struct ox_keys *k = ks[c / 2];
        memset (frame, 0xab, sizeof frame);
        frame[0] = 1;
        frame[1] = c % 2;
        frame[2] = k->encrypted;
        frame[3] = 0;
        put_le32 (frame + 4, lens[i]);
        put_le32 (frame + 8, lens[j]);
        put_le32 (frame + 12, 0);
        for (flen = 0; flen <= sizeof frame; flen += 16)
          decode_fails (k, id, frame, flen, 300);
      }

  /* ox_frame_plain_len checks the header only. */
  why = NULL;
  CHECK (ox_frame_plain_len (frame, 15, &why) == -1 && why);
  frame[1] = 0;
  put_le32 (frame + 4, OX_FRAME_MAX_PLAIN + 1);
  put_le32 (frame + 8, OX_FRAME_MAX_PLAIN + 1);
  CHECK (ox_frame_plain_len (frame, 16, &why) == -1);
  CHECK (strcmp (why, "bad frame header") == 0);
  put_le32 (frame + 4, 0);
  put_le32 (frame + 8, 0);
  CHECK (ox_frame_plain_len (frame, 16, &why) == -1);
  frame[0] = 2;
  CHECK (ox_frame_plain_len (frame, 16, &why) == -1);
  CHECK (strcmp (why, "unsupported frame version") == 0);
}

/* An unencrypted frame is only as good as its checksum: build frames with
 * a valid XXH3 check but a hostile body and see them refused. */
static size_t
forge_plain_frame (uint8_t *f, uint8_t codec_, uint32_t plain_len,
                   const void *body, uint32_t body_len)
{
  uint64_t check;

  f[0] = 1;
  f[1] = codec_;
  f[2] = 0;
  f[3] = 0;
  put_le32 (f + 4, plain_len);
  put_le32 (f + 8, body_len);
  put_le32 (f + 12, 0);
  memcpy (f + 16, body, body_len);
  check = XXH3_64bits (f, 16 + body_len);
  memcpy (f + 16 + body_len, &check, 8); /* little-endian host */
  return 16 + body_len + 8;
}

static void
test_forged_plain_frames (void)
{
  uint8_t plain[1000], other[1000], id[OX_ID_LEN], z[2 * 1100];
  uint8_t f[4096];
  size_t zlen, z1, flen;
  ZSTD_CCtx *cctx = ZSTD_createCCtx ();
  const char *why;

  CHECK (cctx);
  fill_text (plain, sizeof plain);
  ox_chunk_id (&plain_keys, plain, sizeof plain, id);

  /* Well-formed: accepted (the forgery helper matches the format). */
  zlen = ZSTD_compress (z, sizeof z, plain, sizeof plain, 1);
  CHECK (!ZSTD_isError (zlen));
  flen = forge_plain_frame (f, 1, sizeof plain, z, zlen);
  decode_ok (&plain_keys, id, f, flen, plain, sizeof plain);

  /* Content size claims more than plain_len, or less. */
  flen = forge_plain_frame (f, 1, sizeof plain - 1, z, zlen);
  why = decode_fails (&plain_keys, id, f, flen, sizeof plain);
  CHECK (strcmp (why, "length mismatch") == 0);
  flen = forge_plain_frame (f, 1, sizeof plain + 1, z, zlen);
  why = decode_fails (&plain_keys, id, f, flen, 2000);
  CHECK (strcmp (why, "length mismatch") == 0);

  /* Two zstd frames of 500 bytes each: plain_len 1000 but not one frame. */
  z1 = ZSTD_compress (z, sizeof z, plain, 500, 1);
  CHECK (!ZSTD_isError (z1));
  zlen = ZSTD_compress (z + z1, sizeof z - z1, plain + 500, 500, 1);
  CHECK (!ZSTD_isError (zlen));
  flen = forge_plain_frame (f, 1, sizeof plain, z, z1 + zlen);
  decode_fails (&plain_keys, id, f, flen, sizeof plain);

  /* A whole frame followed by an empty zstd frame, or by a skippable
   * frame: the content is right, but the body is not a single frame. */
  zlen = ZSTD_compress (z, sizeof z, plain, sizeof plain, 1);
  CHECK (!ZSTD_isError (zlen));
  z1 = ZSTD_compress (z + zlen, sizeof z - zlen, "", 0, 1);
  CHECK (!ZSTD_isError (z1));
  flen = forge_plain_frame (f, 1, sizeof plain, z, zlen + z1);
  decode_fails (&plain_keys, id, f, flen, sizeof plain);
  put_le32 (z + zlen, 0x184D2A50); /* skippable frame, 4 bytes of data */
  put_le32 (z + zlen + 4, 4);
  memset (z + zlen + 8, 0, 4);
  flen = forge_plain_frame (f, 1, sizeof plain, z, zlen + 12);
  decode_fails (&plain_keys, id, f, flen, sizeof plain);

  /* Reserved header fields that are not zero. */
  flen = forge_plain_frame (f, 0, sizeof plain, plain, sizeof plain);
  decode_ok (&plain_keys, id, f, flen, plain, sizeof plain);
  f[3] = 1; /* key epoch */
  memcpy (f + flen - 8, &(uint64_t){ XXH3_64bits (f, flen - 8) }, 8);
  why = decode_fails (&plain_keys, id, f, flen, sizeof plain);
  CHECK (strcmp (why, "bad frame header") == 0);
  flen = forge_plain_frame (f, 0, sizeof plain, plain, sizeof plain);
  f[15] = 0x80; /* reserved */
  memcpy (f + flen - 8, &(uint64_t){ XXH3_64bits (f, flen - 8) }, 8);
  why = decode_fails (&plain_keys, id, f, flen, sizeof plain);
  CHECK (strcmp (why, "bad frame header") == 0);

  /* No content size in the zstd frame. */
  CHECK (!ZSTD_isError (
      ZSTD_CCtx_setParameter (cctx, ZSTD_c_contentSizeFlag, 0)));
  zlen = ZSTD_compress2 (cctx, z, sizeof z, plain, sizeof plain);
  CHECK (!ZSTD_isError (zlen));
  CHECK (ZSTD_getFrameContentSize (z, zlen) == ZSTD_CONTENTSIZE_UNKNOWN);
  flen = forge_plain_frame (f, 1, sizeof plain, z, zlen);
  decode_fails (&plain_keys, id, f, flen, sizeof plain);

  /* Garbage body. */
  memset (z, 0x5c, 64);
  flen = forge_plain_frame (f, 1, sizeof plain, z, 64);
  why = decode_fails (&plain_keys, id, f, flen, sizeof plain);
  CHECK (strcmp (why, "decompression failed") == 0);

  /* Right checksum, other content: the chunk id catches it. */
  memcpy (other, plain, sizeof other);
  other[500] ^= 1;
  flen = forge_plain_frame (f, 0, sizeof other, other, sizeof other);
  why = decode_fails (&plain_keys, id, f, flen, sizeof plain);
  CHECK (strcmp (why, "chunk id mismatch") == 0);

  /* Bad checksum. */
  flen = forge_plain_frame (f, 0, sizeof plain, plain, sizeof plain);
  f[flen - 1] ^= 1;
  why = decode_fails (&plain_keys, id, f, flen, sizeof plain);
  CHECK (strcmp (why, "checksum mismatch") == 0);
  ZSTD_freeCCtx (cctx);
}

/* Several threads encode and decode at once, each with its own codec. */
static void *
worker (void *arg)
{
  struct ox_codec *c = ox_codec_new (3);
  size_t len = 256 * 1024, cap = ox_frame_bound (len), flen, n;
  uint8_t *plain = malloc (len), *frame = malloc (cap), *out = malloc (len);
  uint8_t id[OX_ID_LEN];
  const char *why;
  int i;

  CHECK (c && plain && frame && out);
  for (i = 0; i < 20; i++) {
    fill_text (plain, len);
    plain[i] = (uint8_t)(uintptr_t)arg;
    ox_chunk_id (&enc_keys, plain, len, id);
    CHECK (ox_frame_encode (c, &enc_keys, id, plain, len, frame, cap, &flen)
           == 0);
    CHECK (ox_frame_decode (c, &enc_keys, id, frame, flen, out, len, &n, &why)
           == 0);
    CHECK_MEM (out, plain, len);
  }
  ox_codec_free (c);
  free (plain);
  free (frame);
  free (out);
  return NULL;
}

static void
test_threads (void)
{
  pthread_t t[4];
  uintptr_t i;

  for (i = 0; i < 4; i++)
    CHECK (pthread_create (&t[i], NULL, worker, (void *)(i + 1)) == 0);
  for (i = 0; i < 4; i++)
    CHECK (pthread_join (t[i], NULL) == 0);
}

static void
test_codec_levels (void)
{
  struct ox_codec *c;

  CHECK (ox_codec_new (-1) == NULL);
  CHECK (ox_codec_new (20) == NULL);
  c = ox_codec_new (19);
  CHECK (c);
  ox_codec_free (c);
  ox_codec_free (NULL);
}

int
main (void)
{
  setup_keys ();
  codec = ox_codec_new (0);
  CHECK (codec);
  test_codec_levels ();
  test_round_trips ();
  test_size_limits ();
  test_nonces_differ ();
  test_bit_flips_and_truncations ();
  test_misplaced_frames ();
  test_absurd_headers ();
  test_forged_plain_frames ();
  test_threads ();
  ox_codec_free (codec);
  return 0;
}
