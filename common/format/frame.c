/* ox: frames, the stored form of a chunk (docs/FORMAT.md, section 4).
 *
 * Layout: header (16) || nonce (12, cipher 1) || body || tag (16, cipher 1)
 * or check (8, cipher 0). Encoding compresses straight into the body's
 * place in the output and encrypts it in place, so a chunk is copied only
 * when it is stored raw.
 */
#include "le.h"
#include "frame.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <xxhash.h>
#include <zstd.h>

#include "log.h"

#define FRAME_VERSION 1
#define CODEC_RAW 0
#define CODEC_ZSTD 1
#define CIPHER_NONE 0
#define CIPHER_AES_GCM 1

#define AAD_LABEL "ox v1 frame"
#define AAD_LABEL_LEN (sizeof AAD_LABEL - 1)
#define AAD_LEN                                                               \
  (AAD_LABEL_LEN + OX_STORE_ID_LEN + OX_ID_LEN + OX_FRAME_HEADER_LEN)

/* The reason of OpenSSL's last error, for messages. */
static const char *
openssl_error (void)
{
  const char *s = ERR_reason_error_string (ERR_get_error ());

  return s ? s : "unknown error";
}

struct ox_codec {
  int level;
  ZSTD_CCtx *cctx;
  ZSTD_DCtx *dctx;
  EVP_CIPHER_CTX *cipher;
  uint8_t *scratch; /* decrypted compressed body */
  size_t scratch_cap;
};

/* The decoded frame header. */
struct frame_header {
  uint8_t codec, cipher;
  uint32_t plain_len, body_len;
};

static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aes_gcm;

static void
fetch_cipher (void)
{
  aes_gcm = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
}

struct ox_codec *
ox_codec_new (int level)
{
  struct ox_codec *c;

  if (level == 0)
    level = 1;
  if (level < 1 || level > 19) {
    ox_error ("zstd compression level %d is out of range 1..19", level);
    return NULL;
  }
  pthread_once (&fetch_once, fetch_cipher);
  if (!aes_gcm) {
    ox_error ("OpenSSL has no AES-256-GCM");
    return NULL;
  }
  c = calloc (1, sizeof *c);
  if (!c) {
    ox_error ("calloc: %m");
    return NULL;
  }
  c->level = level;
  c->cctx = ZSTD_createCCtx ();
  c->dctx = ZSTD_createDCtx ();
  c->cipher = EVP_CIPHER_CTX_new ();
  if (!c->cctx || !c->dctx || !c->cipher
      || ZSTD_isError (
          ZSTD_CCtx_setParameter (c->cctx, ZSTD_c_compressionLevel, level))
      || ZSTD_isError (
          ZSTD_CCtx_setParameter (c->cctx, ZSTD_c_contentSizeFlag, 1))
      || ZSTD_isError (
          ZSTD_CCtx_setParameter (c->cctx, ZSTD_c_checksumFlag, 0))) {
    ox_error ("cannot set up compression contexts: out of memory");
    ox_codec_free (c);
    return NULL;
  }
  return c;
}

void
ox_codec_free (struct ox_codec *c)
{
  if (!c)
    return;
  ZSTD_freeCCtx (c->cctx);
  ZSTD_freeDCtx (c->dctx);
  EVP_CIPHER_CTX_free (c->cipher);
  if (c->scratch)
    OPENSSL_cleanse (c->scratch, c->scratch_cap);
  free (c->scratch);
  free (c);
}

static size_t
frame_overhead (int cipher)
{
  if (cipher == CIPHER_AES_GCM)
    return OX_FRAME_HEADER_LEN + OX_FRAME_NONCE_LEN + OX_FRAME_TAG_LEN;
  return OX_FRAME_HEADER_LEN + OX_FRAME_CHECK_LEN;
}

size_t
ox_frame_bound (size_t plain_len)
{
  size_t body = ZSTD_compressBound (plain_len);

  /* Beyond zstd's limit (far above OX_FRAME_MAX_PLAIN) the bound is an
   * error code; such a chunk could only be stored raw. */
  if (ZSTD_isError (body) || body < plain_len)
    body = plain_len;
  return frame_overhead (CIPHER_AES_GCM) + body;
}

static void
write_header (uint8_t *h, const struct frame_header *fh)
{
  h[0] = FRAME_VERSION;
  h[1] = fh->codec;
  h[2] = fh->cipher;
  h[3] = 0; /* key epoch */
  put_le32 (h + 4, fh->plain_len);
  put_le32 (h + 8, fh->body_len);
  put_le32 (h + 12, 0);
}

/* Parse and check the 16-byte header H. */
static int
parse_header (const uint8_t *h, struct frame_header *fh, const char **why)
{
  if (h[0] != FRAME_VERSION) {
    *why = "unsupported frame version";
    return -1;
  }
  fh->codec = h[1];
  fh->cipher = h[2];
  fh->plain_len = get_le32 (h + 4);
  fh->body_len = get_le32 (h + 8);
  if (fh->codec > CODEC_ZSTD || fh->cipher > CIPHER_AES_GCM || h[3] != 0
      || get_le32 (h + 12) != 0 || fh->plain_len == 0
      || fh->plain_len > OX_FRAME_MAX_PLAIN) {
    *why = "bad frame header";
    return -1;
  }
  /* A raw body is the plaintext; a zstd body never needs more than the
   * bound (the writer stores raw when compression does not help). */
  if ((fh->codec == CODEC_RAW && fh->body_len != fh->plain_len)
      || (fh->codec == CODEC_ZSTD
          && (fh->body_len == 0
              || fh->body_len > ZSTD_compressBound (fh->plain_len)))) {
    *why = "bad frame header";
    return -1;
  }
  return 0;
}

int64_t
ox_frame_plain_len (const void *frame, size_t frame_len, const char **why)
{
  struct frame_header fh;

  if (frame_len < OX_FRAME_HEADER_LEN) {
    *why = "frame shorter than its header";
    return -1;
  }
  if (parse_header (frame, &fh, why) == -1)
    return -1;
  return fh.plain_len;
}

static void
make_aad (uint8_t aad[AAD_LEN], const struct ox_keys *k,
          const uint8_t id[OX_ID_LEN], const uint8_t *header)
{
  uint8_t *p = aad;

  memcpy (p, AAD_LABEL, AAD_LABEL_LEN);
  p += AAD_LABEL_LEN;
  memcpy (p, k->store_id, OX_STORE_ID_LEN);
  p += OX_STORE_ID_LEN;
  memcpy (p, id, OX_ID_LEN);
  p += OX_ID_LEN;
  memcpy (p, header, OX_FRAME_HEADER_LEN);
}

/* Compress PLAIN into BODY (capacity CAP). Returns the body length and
 * sets *CODEC; stores the plaintext raw when zstd does not shrink it. */
static int
compress_body (struct ox_codec *c, const void *plain, size_t plain_len,
               uint8_t *body, size_t cap, size_t *body_len, uint8_t *codec)
{
  size_t r = ZSTD_compress2 (c->cctx, body, cap, plain, plain_len);

  if (ZSTD_isError (r)) {
    ox_error ("zstd compression failed: %s", ZSTD_getErrorName (r));
    return -1;
  }
  if (r < plain_len) {
    *codec = CODEC_ZSTD;
    *body_len = r;
  } else {
    memcpy (body, plain, plain_len);
    *codec = CODEC_RAW;
    *body_len = plain_len;
  }
  return 0;
}

/* Encrypt BODY (LEN bytes) in place and write the tag after it. */
static int
seal_body (struct ox_codec *c, const struct ox_keys *k,
           const uint8_t id[OX_ID_LEN], const uint8_t *header,
           const uint8_t *nonce, uint8_t *body, size_t len)
{
  EVP_CIPHER_CTX *ctx = c->cipher;
  uint8_t aad[AAD_LEN];
  int n;

  make_aad (aad, k, id, header);
  if (!EVP_EncryptInit_ex2 (ctx, aes_gcm, k->enc_key, nonce, NULL)
      || !EVP_EncryptUpdate (ctx, NULL, &n, aad, sizeof aad)
      || !EVP_EncryptUpdate (ctx, body, &n, body, len) || (size_t)n != len
      || !EVP_EncryptFinal_ex (ctx, body + len, &n)
      || !EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, OX_FRAME_TAG_LEN,
                               body + len)) {
    ox_error ("AES-256-GCM encryption failed: %s", openssl_error ());
    return -1;
  }
  return 0;
}

int
ox_frame_encode (struct ox_codec *c, const struct ox_keys *k,
                 const uint8_t id[OX_ID_LEN], const void *plain,
                 size_t plain_len, void *out, size_t out_cap, size_t *out_len)
{
  uint8_t *header = out, *nonce = header + OX_FRAME_HEADER_LEN, *body;
  struct frame_header fh;
  size_t body_len, overhead;

  if (plain_len == 0 || plain_len > OX_FRAME_MAX_PLAIN) {
    ox_error ("cannot frame a chunk of %zu bytes (1 .. %u allowed)", plain_len,
              OX_FRAME_MAX_PLAIN);
    return -1;
  }
  if (out_cap < ox_frame_bound (plain_len)) {
    ox_error ("frame buffer of %zu bytes is too small for a chunk of %zu",
              out_cap, plain_len);
    return -1;
  }
  fh.cipher = k->encrypted ? CIPHER_AES_GCM : CIPHER_NONE;
  overhead = frame_overhead (fh.cipher);
  body = nonce + (k->encrypted ? OX_FRAME_NONCE_LEN : 0);
  if (compress_body (c, plain, plain_len, body, out_cap - overhead, &body_len,
                     &fh.codec)
      == -1)
    return -1;
  fh.plain_len = plain_len;
  fh.body_len = body_len;
  write_header (header, &fh);
  if (k->encrypted) {
    if (ox_random_bytes (nonce, OX_FRAME_NONCE_LEN) == -1
        || seal_body (c, k, id, header, nonce, body, body_len) == -1)
      return -1;
  } else
    put_le64 (body + body_len,
              XXH3_64bits (header, OX_FRAME_HEADER_LEN + body_len));
  *out_len = overhead + body_len;
  return 0;
}

/* Decrypt and authenticate the body of FRAME into OUT. */
static int
open_body (struct ox_codec *c, const struct ox_keys *k,
           const uint8_t id[OX_ID_LEN], const uint8_t *frame, size_t len,
           uint8_t *out, const char **why)
{
  EVP_CIPHER_CTX *ctx = c->cipher;
  const uint8_t *nonce = frame + OX_FRAME_HEADER_LEN;
  const uint8_t *body = nonce + OX_FRAME_NONCE_LEN;
  uint8_t aad[AAD_LEN], tag[OX_FRAME_TAG_LEN];
  int n;

  make_aad (aad, k, id, frame);
  memcpy (tag, body + len, OX_FRAME_TAG_LEN);
  if (!EVP_DecryptInit_ex2 (ctx, aes_gcm, k->enc_key, nonce, NULL)
      || !EVP_DecryptUpdate (ctx, NULL, &n, aad, sizeof aad)
      || !EVP_DecryptUpdate (ctx, out, &n, body, len) || (size_t)n != len
      || !EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, OX_FRAME_TAG_LEN,
                               tag)
      || EVP_DecryptFinal_ex (ctx, out + len, &n) != 1) {
    ERR_clear_error ();
    *why = "authentication failed (corrupt data or wrong key)";
    return -1;
  }
  return 0;
}

static int
check_xxh3 (const uint8_t *frame, size_t body_len, const char **why)
{
  const uint8_t *check = frame + OX_FRAME_HEADER_LEN + body_len;

  if (XXH3_64bits (frame, OX_FRAME_HEADER_LEN + body_len)
      != get_le64 (check)) {
    *why = "checksum mismatch";
    return -1;
  }
  return 0;
}

/* Decompress BODY into exactly PLAIN_LEN bytes of PLAIN. */
static int
decompress_body (struct ox_codec *c, const uint8_t *body, size_t body_len,
                 uint8_t *plain, size_t plain_len, const char **why)
{
  unsigned long long content;
  size_t r;

  /* One zstd frame that covers the body and declares the right size. */
  r = ZSTD_findFrameCompressedSize (body, body_len);
  if (ZSTD_isError (r) || r != body_len) {
    *why = "decompression failed";
    return -1;
  }
  content = ZSTD_getFrameContentSize (body, body_len);
  if (content == ZSTD_CONTENTSIZE_ERROR
      || content == ZSTD_CONTENTSIZE_UNKNOWN) {
    *why = "decompression failed";
    return -1;
  }
  if (content != plain_len) {
    *why = "length mismatch";
    return -1;
  }
  r = ZSTD_decompressDCtx (c->dctx, plain, plain_len, body, body_len);
  if (ZSTD_isError (r)) {
    *why = "decompression failed";
    return -1;
  }
  if (r != plain_len) {
    *why = "length mismatch";
    return -1;
  }
  return 0;
}

static int
grow_scratch (struct ox_codec *c, size_t len, const char **why)
{
  uint8_t *p;

  if (c->scratch_cap >= len)
    return 0;
  p = malloc (len);
  if (!p) {
    *why = "out of memory";
    return -1;
  }
  if (c->scratch)
    OPENSSL_cleanse (c->scratch, c->scratch_cap);
  free (c->scratch);
  c->scratch = p;
  c->scratch_cap = len;
  return 0;
}

/* Check the tag or checksum and produce the plaintext in PLAIN. */
static int
decode_body (struct ox_codec *c, const struct ox_keys *k,
             const uint8_t id[OX_ID_LEN], const uint8_t *frame,
             const struct frame_header *fh, uint8_t *plain, const char **why)
{
  const uint8_t *body;

  if (fh->cipher == CIPHER_NONE) {
    if (check_xxh3 (frame, fh->body_len, why) == -1)
      return -1;
    body = frame + OX_FRAME_HEADER_LEN;
    if (fh->codec == CODEC_RAW) {
      memcpy (plain, body, fh->body_len);
      return 0;
    }
  } else if (fh->codec == CODEC_RAW)
    return open_body (c, k, id, frame, fh->body_len, plain, why);
  else {
    if (grow_scratch (c, fh->body_len, why) == -1
        || open_body (c, k, id, frame, fh->body_len, c->scratch, why) == -1)
      return -1;
    body = c->scratch;
  }
  return decompress_body (c, body, fh->body_len, plain, fh->plain_len, why);
}

int
ox_frame_decode (struct ox_codec *c, const struct ox_keys *k,
                 const uint8_t id[OX_ID_LEN], const void *frame,
                 size_t frame_len, void *plain, size_t plain_cap,
                 size_t *plain_len, const char **why)
{
  struct frame_header fh;
  uint8_t got[OX_ID_LEN];

  if (frame_len < OX_FRAME_HEADER_LEN) {
    *why = "frame shorter than its header";
    return -1;
  }
  if (parse_header (frame, &fh, why) == -1)
    return -1;
  if (fh.cipher != (k->encrypted ? CIPHER_AES_GCM : CIPHER_NONE)) {
    *why = k->encrypted ? "unencrypted frame in an encrypted store"
                        : "encrypted frame in an unencrypted store";
    return -1;
  }
  /* body_len < 2^32 and the overhead is small: no overflow in size_t. */
  if (frame_len != frame_overhead (fh.cipher) + (size_t)fh.body_len) {
    *why = "frame length mismatch (truncated or damaged frame)";
    return -1;
  }
  if (plain_cap < fh.plain_len) {
    *why = "chunk larger than the buffer for it";
    return -1;
  }
  if (decode_body (c, k, id, frame, &fh, plain, why) == -1)
    goto fail;
  ox_chunk_id (k, plain, fh.plain_len, got);
  if (ox_memcmp_ct (got, id, OX_ID_LEN) != 0) {
    *why = "chunk id mismatch";
    goto fail;
  }
  *plain_len = fh.plain_len;
  return 0;

fail:
  /* No byte of a frame that failed may be used. */
  memset (plain, 0, fh.plain_len);
  return -1;
}
