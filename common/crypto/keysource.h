/* ox: key sources: where the user's secret comes from (a 32-byte key file,
 * a passphrase file, a passphrase given directly) and reading it. The
 * secret's bytes are wiped from memory when freed. Errors are reported
 * (ox_error) with the file named. */
#ifndef OX_KEYSOURCE_H
#define OX_KEYSOURCE_H

#include <stddef.h>
#include <stdint.h>

/* Where the user's key comes from. At most one of the fields is set; none
 * set means an unencrypted store is expected. */
struct ox_key_source {
  const char *key_file;        /* path of a 32-byte raw key file */
  const char *passphrase_file; /* path of a file holding the passphrase */
  const char *passphrase;      /* the passphrase itself (plugin) */
};

/* The kinds of secret; the values are the key slot types of FORMAT.md
 * section 3. */
#define OX_SECRET_KEY_FILE 1
#define OX_SECRET_PASSPHRASE 2

/* The length of a key file, exactly. */
#define OX_KEY_FILE_LEN 32

/* The user's secret: key file bytes or a passphrase. */
struct ox_secret {
  int type;      /* OX_SECRET_KEY_FILE or OX_SECRET_PASSPHRASE */
  uint8_t *data; /* owned; wiped by ox_secret_free */
  size_t len;
  const char *what; /* for messages: the file, or "the passphrase" */
};

/* How many of SRC's fields are set (0 to 3). */
int ox_key_sources_given (const struct ox_key_source *src)
    __attribute__ ((__nonnull__ (1)));

/* Read the secret SRC names (exactly one field set) into *S. A key file
 * holds exactly 32 bytes; with CREATE, a key file that does not exist is
 * made with 32 random bytes, mode 0600, and synced with its directory. A
 * passphrase file's content loses one trailing newline; an empty or
 * over-64-KiB passphrase is refused. Returns 0, or -1 with an error. */
int ox_secret_load (const struct ox_key_source *src, int create,
                    struct ox_secret *s) __attribute__ ((__nonnull__ (1, 3)));

/* Wipe and free S's bytes; S may be loaded or zeroed. */
void ox_secret_free (struct ox_secret *s) __attribute__ ((__nonnull__ (1)));

/* Warn (with the fix, chmod 600) when PATH, a regular file holding a key or
 * passphrase (open as FD, or -1 to look PATH up), can be read, written or
 * executed by its group or others. */
void ox_warn_exposed_secret (const char *path, int fd)
    __attribute__ ((__nonnull__ (1)));

#endif
