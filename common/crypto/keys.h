/* ox: store keys, keyed digests and random bytes (docs/FORMAT.md, 1.1).
 *
 * struct ox_keys is the key material of one open store. An unencrypted
 * store has encrypted == 0 and its digests are plain SHA-256.
 */
#ifndef OX_KEYS_H
#define OX_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define OX_ID_LEN 32 /* chunk and page ids, MACs */
#define OX_STORE_ID_LEN 16
#define OX_SEGMENT_ID_LEN 16
#define OX_MASTER_KEY_LEN 32

struct ox_keys {
  int encrypted;
  uint8_t store_id[OX_STORE_ID_LEN];
  uint8_t enc_key[32]; /* frame AEAD key */
  uint8_t id_key[32];  /* chunk id HMAC key */
  uint8_t mac_key[32]; /* metadata MAC key */
};

/* Set up K for an encrypted store: derive the subkeys from MASTER with HKDF.
 */
int ox_keys_init_encrypted (struct ox_keys *k,
                            const uint8_t store_id[OX_STORE_ID_LEN],
                            const uint8_t master[OX_MASTER_KEY_LEN])
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Set up K for an unencrypted store. */
void ox_keys_init_plain (struct ox_keys *k,
                         const uint8_t store_id[OX_STORE_ID_LEN])
    __attribute__ ((__nonnull__ (1, 2)));

/* Erase key material. */
void ox_keys_wipe (struct ox_keys *k) __attribute__ ((__nonnull__ (1)));

/* ID(x): chunk/page id of DATA (HMAC with id_key, or SHA-256). */
void ox_chunk_id (const struct ox_keys *k, const void *data, size_t len,
                  uint8_t id[OX_ID_LEN]) __attribute__ ((__nonnull__ (1, 4)));

/* MAC(x): metadata authenticator of DATA (HMAC with mac_key, or SHA-256). */
void ox_mac (const struct ox_keys *k, const void *data, size_t len,
             uint8_t mac[OX_ID_LEN]) __attribute__ ((__nonnull__ (1, 4)));

/* HKDF-SHA-256 with 32 bytes of output. Returns 0 or -1 with an error. */
int ox_hkdf (const void *ikm, size_t ikm_len, const void *salt,
             size_t salt_len, const char *info, uint8_t out[32]);

/* Fill BUF with LEN cryptographically random bytes. Returns 0 or -1. */
int ox_random_bytes (void *buf, size_t len) __attribute__ ((__nonnull__ (1)));

/* Constant-time comparison of two buffers; returns 0 when equal. */
int ox_memcmp_ct (const void *a, const void *b, size_t len);

#endif
