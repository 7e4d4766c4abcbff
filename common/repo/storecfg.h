/* ox: the store configuration object "ox-store" (docs/FORMAT.md, section 3):
 * creating a store, and opening one with a key file or passphrase. */
#ifndef OX_STORECFG_H
#define OX_STORECFG_H

#include "keys.h"
#include "store.h"

/* Where the user's key comes from. At most one of the fields is set; none
 * set means an unencrypted store is expected. */
struct ox_key_source {
  const char *key_file;        /* path of a 32-byte raw key file */
  const char *passphrase_file; /* path of a file holding the passphrase */
  const char *passphrase;      /* the passphrase itself (plugin) */
};

/* Default scrypt cost (log2 N) for new passphrase slots. */
#define OX_SCRYPT_LOG2_N 15

/* Warn (with the fix, chmod 600) when PATH, a regular file holding a key or
 * passphrase (open as FD, or -1 to look PATH up), can be read, written or
 * executed by its group or others. */
void ox_warn_exposed_secret (const char *path, int fd)
    __attribute__ ((__nonnull__ (1)));

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

#endif
