/* ox: the bytes of a condemned list, gc/condemned/<16 hex time><8 hex>
 * (docs/FORMAT.md section 10): the objects that one garbage collection
 * found unreferenced, with their sizes, and when. A later collection
 * deletes those still unreferenced once the grace period has passed since
 * that time. Pure: no store I/O (repo/gc.h). */
#ifndef OX_GCLIST_H
#define OX_GCLIST_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"

#define OX_CONDEMNED_PREFIX "gc/condemned/"

/* A condemned list, decoded. */
struct ox_gclist {
  uint64_t time; /* seconds since the epoch, the collector's clock */
  size_t n;
  char **keys;     /* n malloc'd keys */
  uint64_t *sizes; /* n sizes in bytes */
};

/* Format the list of the N objects KEYS (of SIZES bytes) condemned at TIME
 * into a malloc'd *TEXT of *LEN bytes. Returns 0 or -1 (reported). */
int ox_gclist_format (uint64_t time, const char *const *keys,
                      const uint64_t *sizes, size_t n, char **text,
                      size_t *len) __attribute__ ((__nonnull__ (5, 6)));

/* Parse LEN bytes of a condemned list into *L (free with
 * ox_gclist_free). Returns 0, or -1 with errno EINVAL and *WHY set to a
 * static description, or ENOMEM (nothing reported). */
int ox_gclist_parse (const void *text, size_t len, struct ox_gclist *l,
                     const char **why) __attribute__ ((__nonnull__));

/* Free what L holds (not L). */
void ox_gclist_free (struct ox_gclist *l) __attribute__ ((__nonnull__));

/* The key of a new list made at TIME, with the 4 random bytes NONCE so that
 * two collectors never write the same key, into KEY. */
void ox_gclist_key (uint64_t time, const uint8_t nonce[4],
                    char key[OX_KEY_MAX]) __attribute__ ((__nonnull__));

#endif
