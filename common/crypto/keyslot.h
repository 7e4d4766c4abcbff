/* ox: key slots (docs/FORMAT.md, section 3): the master key wrapped with
 * AES-256-GCM under a key-encryption key (KEK) derived from a key file
 * (HKDF) or a passphrase (scrypt), and the bounds on scrypt's cost that a
 * reader enforces. Pure crypto: the slot's bytes are format/oxstore.h,
 * where the secret comes from (struct ox_secret) is keysource.h. */
#ifndef OX_KEYSLOT_H
#define OX_KEYSLOT_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "keysource.h"

/* Slot types: a secret's type is the type of the slots it opens. An empty
 * slot (type 0, all its bytes zero: a removed key) opens with nothing and
 * keeps the indices of the slots after it (FORMAT section 3). */
#define OX_SLOT_EMPTY 0
#define OX_SLOT_KEY_FILE OX_SECRET_KEY_FILE     /* KEK = HKDF (key file) */
#define OX_SLOT_PASSPHRASE OX_SECRET_PASSPHRASE /* KEK = scrypt */
#define OX_SLOT_SALT_LEN 32
#define OX_SLOT_NONCE_LEN 12
#define OX_SLOT_TAG_LEN 16

/* Default scrypt cost (log2 N) for new passphrase slots (r = 8, p = 1). */
#define OX_SCRYPT_LOG2_N 15

/* Bounds on what a reader accepts (FORMAT section 3), so that a hostile
 * "ox-store" cannot make opening a store cost minutes of CPU or gigabytes
 * of memory (N = 2, r = 1, p = 2^22 took 13 to 37 s here). init writes
 * log2 N = 15, r = 8, p = 1: 32 MiB of memory and 128 * N * r * p = 32 MiB
 * of work, 0.1 to 0.5 s on the project's machine. The bounds leave room
 * for a passphrase slot 8 times as costly (e.g. N = 2^18, r = 8: 256 MiB),
 * and 16 times the default over all passphrase slots, a few seconds. */
#define OX_SCRYPT_MIN_LOG2_N 10
#define OX_SCRYPT_MAX_LOG2_N 20
#define OX_SCRYPT_MAX_R 32
#define OX_SCRYPT_MAX_P 16
#define OX_SCRYPT_MAX_WORK (256ull << 20)       /* 128 * N * r * p, per slot */
#define OX_SCRYPT_MAX_TOTAL_WORK (512ull << 20) /* the same, all slots */

/* A key slot, decoded (its 108 bytes are format/oxstore.h's). */
struct ox_keyslot {
  uint8_t type;      /* OX_SLOT_EMPTY, _KEY_FILE, _PASSPHRASE, or unknown */
  uint8_t epoch;     /* key_epoch: 0 */
  uint16_t reserved; /* 0 */
  uint32_t log2_n, r, p; /* scrypt parameters (passphrase slots) */
  uint8_t salt[OX_SLOT_SALT_LEN];
  uint8_t nonce[OX_SLOT_NONCE_LEN];
  uint8_t wrapped[OX_MASTER_KEY_LEN];
  uint8_t tag[OX_SLOT_TAG_LEN];
};

/* Derive into KEK the key-encryption key of slot SL for secret S (of the
 * slot's type): HKDF of a key file, scrypt with SL's parameters of a
 * passphrase (which the caller checked with ox_keyslots_check_cost).
 * Returns 0 or -1 with an error. */
int ox_keyslot_kek (const struct ox_secret *s, const struct ox_keyslot *sl,
                    uint8_t kek[32]) __attribute__ ((__nonnull__ (1, 2, 3)));

/* Make in *SL a new slot of S's type (random salt and nonce, the default
 * scrypt cost for a passphrase) wrapping MASTER for slot INDEX of store
 * STORE_ID. Returns 0 or -1 with an error. */
int ox_keyslot_make (const struct ox_secret *s,
                     const uint8_t store_id[OX_STORE_ID_LEN], uint32_t index,
                     const uint8_t master[OX_MASTER_KEY_LEN],
                     struct ox_keyslot *sl)
    __attribute__ ((__nonnull__ (1, 2, 4, 5)));

/* Try to open slot SL, slot INDEX of store STORE_ID, with secret S.
 * Returns 1 and sets MASTER when it opens; 0, reporting nothing, when the
 * slot is not of S's type, has a nonzero epoch or reserved field, or does
 * not authenticate; -1 with an error when the KDF fails. */
int ox_keyslot_open (const struct ox_secret *s,
                     const uint8_t store_id[OX_STORE_ID_LEN], uint32_t index,
                     const struct ox_keyslot *sl,
                     uint8_t master[OX_MASTER_KEY_LEN])
    __attribute__ ((__nonnull__ (1, 2, 4, 5)));

/* Check the scrypt parameters of every passphrase slot of the N at SLOTS
 * against the bounds above, one by one and together, before any scrypt
 * runs; WHERE ("ox-store at URL") begins the error that names the slot
 * and field. Returns 0 or -1 with an error. */
int ox_keyslots_check_cost (const char *where, const struct ox_keyslot *slots,
                            uint32_t n) __attribute__ ((__nonnull__ (1)));

#endif
