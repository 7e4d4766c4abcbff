/* ox: the store configuration object "ox-store" (docs/FORMAT.md, section 3)
 * through the store: creating a store, and opening one with a key file or
 * passphrase. Its bytes are format/oxstore.h, the key slots
 * crypto/keyslot.h, where the key comes from crypto/keysource.h (struct
 * ox_key_source and ox_warn_exposed_secret, which callers of this header
 * use). */
#ifndef OX_STORECFG_H
#define OX_STORECFG_H

#include "keys.h"
#include "keysource.h"
#include "oxstore.h"
#include "store.h"

/* Create a new store configuration in ST. With ENCRYPT, a random master key
 * is wrapped by the key from SRC; a key_file that does not exist is created
 * with 32 random bytes and mode 0600. Fails if "ox-store" already exists.
 * Sets *KEYS for the new store. Returns 0 or -1 with an error. */
int ox_storecfg_create (struct ox_store *st, int encrypt,
                        const struct ox_key_source *src, struct ox_keys *keys)
    __attribute__ ((__nonnull__ (1, 3, 4)));

/* Read "ox-store" from ST and set up *KEYS, unwrapping the master key with
 * SRC. Clear errors for: no store there, unknown version, corrupt object,
 * missing key for an encrypted store, wrong key. Returns 0 or -1. */
int ox_storecfg_open (struct ox_store *st, const struct ox_key_source *src,
                      struct ox_keys *keys)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Read and check "ox-store" of ST into *CFG. Clear errors for no store
 * there, an unknown version and a corrupt object. Returns 0 or -1. */
int ox_storecfg_read (struct ox_store *st, struct ox_storecfg *cfg)
    __attribute__ ((__nonnull__ (1, 2)));

/* Find the slot of CFG (encrypted, read from ST) that secret S opens: set
 * MASTER and *INDEX. Errors (reported): scrypt costs out of bounds, no
 * slot of S's type, a wrong key. Returns 0 or -1. */
int ox_storecfg_unwrap (struct ox_store *st, const struct ox_storecfg *cfg,
                        const struct ox_secret *s,
                        uint8_t master[OX_MASTER_KEY_LEN], uint32_t *index)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 5)));

/* Replace "ox-store" of ST with CFG: a plain, atomic put. Nothing stops
 * two writers at once here; callers hold the store's lock (storelock.h).
 * Returns 0 or -1. */
int ox_storecfg_replace (struct ox_store *st, const struct ox_storecfg *cfg)
    __attribute__ ((__nonnull__ (1, 2)));

#endif
