/* ox: key slots (docs/FORMAT.md, section 3): wrapping and unwrapping the
 * master key under a key-encryption key, and the bounds on scrypt. */
#include "keyslot.h"

#include <inttypes.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "le.h"
#include "log.h"

#define SLOT_AAD_LABEL "ox v1 key slot"
#define SLOT_AAD_LEN (sizeof SLOT_AAD_LABEL - 1 + OX_STORE_ID_LEN + 4)

/* OpenSSL's limit: V (128 * r * N) plus B (128 * r * p) and a little. */
#define SCRYPT_MAXMEM (OX_SCRYPT_MAX_WORK + (1ull << 20))

/* The reason of OpenSSL's last error, for messages. */
static const char *
openssl_error (void)
{
  const char *s = ERR_reason_error_string (ERR_get_error ());

  return s ? s : "unknown error";
}

int
ox_keyslot_kek (const struct ox_secret *s, const struct ox_keyslot *sl,
                uint8_t kek[32])
{
  if (s->type == OX_SLOT_KEY_FILE)
    return ox_hkdf (s->data, s->len, sl->salt, OX_SLOT_SALT_LEN,
                    "ox v1 key file", kek);
  if (!EVP_PBE_scrypt ((const char *)s->data, s->len, sl->salt,
                       OX_SLOT_SALT_LEN, (uint64_t)1 << sl->log2_n, sl->r,
                       sl->p, SCRYPT_MAXMEM, kek, 32)) {
    ox_error ("scrypt (N=2^%u, r=%u, p=%u) failed: %s", sl->log2_n, sl->r,
              sl->p, openssl_error ());
    return -1;
  }
  return 0;
}

/* The AEAD additional data binds a slot to its store and its index. */
static void
slot_aad (uint8_t aad[SLOT_AAD_LEN], const uint8_t *store_id, uint32_t index)
{
  memcpy (aad, SLOT_AAD_LABEL, sizeof SLOT_AAD_LABEL - 1);
  memcpy (aad + sizeof SLOT_AAD_LABEL - 1, store_id, OX_STORE_ID_LEN);
  put_le32 (aad + SLOT_AAD_LEN - 4, index);
}

/* Wrap MASTER into slot SL (whose nonce is set) with AES-256-GCM. */
static int
wrap_master (const uint8_t kek[32], const uint8_t aad[SLOT_AAD_LEN],
             const uint8_t master[32], struct ox_keyslot *sl)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int n, ok;

  ok = ctx
       && EVP_EncryptInit_ex2 (ctx, EVP_aes_256_gcm (), kek, sl->nonce, NULL)
       && EVP_EncryptUpdate (ctx, NULL, &n, aad, SLOT_AAD_LEN)
       && EVP_EncryptUpdate (ctx, sl->wrapped, &n, master, 32)
       && EVP_EncryptFinal_ex (ctx, sl->wrapped + 32, &n)
       && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, OX_SLOT_TAG_LEN,
                               sl->tag);
  EVP_CIPHER_CTX_free (ctx);
  if (!ok) {
    ox_error ("AES-256-GCM key wrapping failed: %s", openssl_error ());
    return -1;
  }
  return 0;
}

/* Unwrap the master key of slot SL. Returns -1 without a message when the
 * slot does not authenticate with KEK. */
static int
unwrap_master (const uint8_t kek[32], const uint8_t aad[SLOT_AAD_LEN],
               const struct ox_keyslot *sl, uint8_t master[32])
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  uint8_t tag[OX_SLOT_TAG_LEN];
  int n, ok;

  /* The tag is passed through a non-const pointer. */
  memcpy (tag, sl->tag, sizeof tag);
  ok = ctx
       && EVP_DecryptInit_ex2 (ctx, EVP_aes_256_gcm (), kek, sl->nonce, NULL)
       && EVP_DecryptUpdate (ctx, NULL, &n, aad, SLOT_AAD_LEN)
       && EVP_DecryptUpdate (ctx, master, &n, sl->wrapped, 32)
       && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, OX_SLOT_TAG_LEN, tag)
       && EVP_DecryptFinal_ex (ctx, master + 32, &n) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok) {
    /* A slot of another key fails here: not an error to report. */
    ERR_clear_error ();
    OPENSSL_cleanse (master, 32);
    return -1;
  }
  return 0;
}

int
ox_keyslot_make (const struct ox_secret *s,
                 const uint8_t store_id[OX_STORE_ID_LEN], uint32_t index,
                 const uint8_t master[OX_MASTER_KEY_LEN],
                 struct ox_keyslot *sl)
{
  uint8_t kek[32], aad[SLOT_AAD_LEN];
  int r;

  memset (sl, 0, sizeof *sl);
  sl->type = s->type;
  if (s->type == OX_SLOT_PASSPHRASE) {
    sl->log2_n = OX_SCRYPT_LOG2_N;
    sl->r = 8;
    sl->p = 1;
  }
  if (ox_random_bytes (sl->salt, OX_SLOT_SALT_LEN) == -1
      || ox_random_bytes (sl->nonce, OX_SLOT_NONCE_LEN) == -1
      || ox_keyslot_kek (s, sl, kek) == -1)
    return -1;
  slot_aad (aad, store_id, index);
  r = wrap_master (kek, aad, master, sl);
  OPENSSL_cleanse (kek, sizeof kek);
  return r;
}

int
ox_keyslot_open (const struct ox_secret *s,
                 const uint8_t store_id[OX_STORE_ID_LEN], uint32_t index,
                 const struct ox_keyslot *sl,
                 uint8_t master[OX_MASTER_KEY_LEN])
{
  uint8_t kek[32], aad[SLOT_AAD_LEN];
  int r;

  /* Epochs and reserved bits are for later versions: such a slot is not
   * one this reader can open, but the others may be. */
  if (sl->type != s->type || sl->epoch != 0 || sl->reserved != 0)
    return 0;
  if (ox_keyslot_kek (s, sl, kek) == -1)
    return -1;
  slot_aad (aad, store_id, index);
  r = unwrap_master (kek, aad, sl, master);
  OPENSSL_cleanse (kek, sizeof kek);
  return r == 0;
}

static int
out_of_bounds (const char *where, uint32_t index, const char *field,
               uint64_t value, uint64_t lo, uint64_t hi)
{
  ox_error ("%s: key slot %" PRIu32 ": %s = %" PRIu64 " is outside %" PRIu64
            "..%" PRIu64 " (refusing a store oxsnap could not have written)",
            where, index, field, value, lo, hi);
  return -1;
}

/* Check the scrypt parameters of passphrase slot INDEX against the bounds;
 * adds its work (128 * N * r * p) to *TOTAL. */
static int
check_scrypt_params (const char *where, uint32_t index,
                     const struct ox_keyslot *sl, uint64_t *total)
{
  uint64_t work;

  if (sl->log2_n < OX_SCRYPT_MIN_LOG2_N || sl->log2_n > OX_SCRYPT_MAX_LOG2_N)
    return out_of_bounds (where, index, "scrypt_log2_n", sl->log2_n,
                          OX_SCRYPT_MIN_LOG2_N, OX_SCRYPT_MAX_LOG2_N);
  if (sl->r < 1 || sl->r > OX_SCRYPT_MAX_R)
    return out_of_bounds (where, index, "scrypt_r", sl->r, 1, OX_SCRYPT_MAX_R);
  if (sl->p < 1 || sl->p > OX_SCRYPT_MAX_P)
    return out_of_bounds (where, index, "scrypt_p", sl->p, 1, OX_SCRYPT_MAX_P);
  work = (128ull << sl->log2_n) * sl->r * sl->p; /* < 2^45: no overflow */
  if (work > OX_SCRYPT_MAX_WORK)
    return out_of_bounds (where, index, "scrypt cost 128*N*r*p", work, 0,
                          OX_SCRYPT_MAX_WORK);
  *total += work;
  return 0;
}

int
ox_keyslots_check_cost (const char *where, const struct ox_keyslot *slots,
                        uint32_t n)
{
  uint64_t total = 0;
  uint32_t i;

  for (i = 0; i < n; i++)
    if (slots[i].type == OX_SLOT_PASSPHRASE
        && check_scrypt_params (where, i, &slots[i], &total) == -1)
      return -1;
  if (total > OX_SCRYPT_MAX_TOTAL_WORK) {
    ox_error ("%s: the passphrase slots together cost %" PRIu64
              " bytes of scrypt work, more than %llu (refusing a store "
              "oxsnap could not have written)",
              where, total, OX_SCRYPT_MAX_TOTAL_WORK);
    return -1;
  }
  return 0;
}
