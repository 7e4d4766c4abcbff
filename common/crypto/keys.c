/* ox: store keys, keyed digests and random bytes (docs/FORMAT.md, 1.1). */
#include "keys.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "log.h"

/* The reason of OpenSSL's last error, for messages. */
static const char *
openssl_error (void)
{
  const char *s = ERR_reason_error_string (ERR_get_error ());

  return s ? s : "unknown error";
}

/* Algorithms are fetched once per process: fetching on every call costs a
 * lookup in OpenSSL's method store under a lock. Fetched objects are
 * immutable and safe to share between threads. */
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;
static EVP_MAC *hmac_mac;
static EVP_KDF *hkdf_kdf;

static void
fetch_algorithms (void)
{
  sha256_md = EVP_MD_fetch (NULL, "SHA256", NULL);
  hmac_mac = EVP_MAC_fetch (NULL, "HMAC", NULL);
  hkdf_kdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
}

/* The digest functions cannot return an error, and a wrong digest would
 * be a wrong chunk id: a failure of OpenSSL here (out of memory) stops the
 * process rather than letting it continue with bad data. */
static void __attribute__ ((__noreturn__)) digest_failed (const char *what)
{
  ox_error ("OpenSSL %s failed: %s", what, openssl_error ());
  abort ();
}

static void
fetch_or_die (void)
{
  pthread_once (&fetch_once, fetch_algorithms);
  if (!sha256_md || !hmac_mac || !hkdf_kdf)
    digest_failed ("algorithm fetch (SHA256, HMAC, HKDF)");
}

static void
sha256 (const void *data, size_t len, uint8_t out[OX_ID_LEN])
{
  unsigned int n = 0;

  fetch_or_die ();
  if (!EVP_Digest (data, len, out, &n, sha256_md, NULL) || n != OX_ID_LEN)
    digest_failed ("SHA-256");
}

static void
hmac_sha256 (const uint8_t key[32], const void *data, size_t len,
             uint8_t out[OX_ID_LEN])
{
  EVP_MAC_CTX *ctx;
  OSSL_PARAM params[2];
  size_t n = 0;
  int ok;

  fetch_or_die ();
  ctx = EVP_MAC_CTX_new (hmac_mac);
  if (!ctx)
    digest_failed ("HMAC context");
  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST,
                                                (char *)"SHA256", 0);
  params[1] = OSSL_PARAM_construct_end ();
  ok = EVP_MAC_init (ctx, key, 32, params) && EVP_MAC_update (ctx, data, len)
       && EVP_MAC_final (ctx, out, &n, OX_ID_LEN) && n == OX_ID_LEN;
  EVP_MAC_CTX_free (ctx);
  if (!ok)
    digest_failed ("HMAC-SHA-256");
}

int
ox_hkdf (const void *ikm, size_t ikm_len, const void *salt, size_t salt_len,
         const char *info, uint8_t out[32])
{
  EVP_KDF_CTX *ctx;
  OSSL_PARAM params[5], *p = params;
  int ok;

  pthread_once (&fetch_once, fetch_algorithms);
  if (!hkdf_kdf) {
    ox_error ("OpenSSL has no HKDF");
    return -1;
  }
  ctx = EVP_KDF_CTX_new (hkdf_kdf);
  if (!ctx) {
    ox_error ("HKDF: out of memory");
    return -1;
  }
  *p++ = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST,
                                           (char *)"SHA256", 0);
  *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, (void *)ikm,
                                            ikm_len);
  if (salt_len > 0)
    *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT,
                                              (void *)salt, salt_len);
  *p++ = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO, (void *)info,
                                            strlen (info));
  *p = OSSL_PARAM_construct_end ();
  ok = EVP_KDF_derive (ctx, out, 32, params);
  EVP_KDF_CTX_free (ctx);
  if (!ok) {
    ox_error ("HKDF failed: %s", openssl_error ());
    return -1;
  }
  return 0;
}

int
ox_keys_init_encrypted (struct ox_keys *k,
                        const uint8_t store_id[OX_STORE_ID_LEN],
                        const uint8_t master[OX_MASTER_KEY_LEN])
{
  memset (k, 0, sizeof *k);
  memcpy (k->store_id, store_id, OX_STORE_ID_LEN);
  if (ox_hkdf (master, OX_MASTER_KEY_LEN, store_id, OX_STORE_ID_LEN,
               "ox v1 frame encryption", k->enc_key)
          == -1
      || ox_hkdf (master, OX_MASTER_KEY_LEN, store_id, OX_STORE_ID_LEN,
                  "ox v1 chunk id", k->id_key)
             == -1
      || ox_hkdf (master, OX_MASTER_KEY_LEN, store_id, OX_STORE_ID_LEN,
                  "ox v1 metadata mac", k->mac_key)
             == -1) {
    ox_keys_wipe (k);
    return -1;
  }
  k->encrypted = 1;
  return 0;
}

void
ox_keys_init_plain (struct ox_keys *k, const uint8_t store_id[OX_STORE_ID_LEN])
{
  memset (k, 0, sizeof *k);
  memcpy (k->store_id, store_id, OX_STORE_ID_LEN);
}

void
ox_keys_wipe (struct ox_keys *k)
{
  OPENSSL_cleanse (k, sizeof *k);
}

void
ox_chunk_id (const struct ox_keys *k, const void *data, size_t len,
             uint8_t id[OX_ID_LEN])
{
  if (k->encrypted)
    hmac_sha256 (k->id_key, data, len, id);
  else
    sha256 (data, len, id);
}

void
ox_mac (const struct ox_keys *k, const void *data, size_t len,
        uint8_t mac[OX_ID_LEN])
{
  if (k->encrypted)
    hmac_sha256 (k->mac_key, data, len, mac);
  else
    sha256 (data, len, mac);
}

int
ox_random_bytes (void *buf, size_t len)
{
  unsigned char *p = buf;

  /* RAND_bytes takes an int length. */
  while (len > 0) {
    int n = len > (1u << 30) ? (1 << 30) : (int)len;
    if (RAND_bytes (p, n) != 1) {
      ox_error ("cannot get random bytes: %s", openssl_error ());
      return -1;
    }
    p += n;
    len -= n;
  }
  return 0;
}

int
ox_memcmp_ct (const void *a, const void *b, size_t len)
{
  return CRYPTO_memcmp (a, b, len) != 0;
}
