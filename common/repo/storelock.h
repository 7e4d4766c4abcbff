/* ox: an advisory lock on a store, for the writers that replace an object
 * with a plain put (oxsnap key replaces "ox-store"): a create-only lock
 * object (docs/FORMAT.md, section 2: "locks/NAME") that holds who took it.
 * It is as strong as the store's put_new (docs/DESIGN.md, "Create-only
 * writes"); a holder that dies leaves it behind, and a user removes it. */
#ifndef OX_STORELOCK_H
#define OX_STORELOCK_H

#include "store.h"

/* The lock that guards "ox-store": oxsnap key takes it around its read,
 * change and rewrite of the object, so that two of them at once cannot
 * lose a slot. Readers of "ox-store" never take it. */
#define OX_STORECFG_LOCK_KEY "locks/ox-store"

/* The length of a lock's text at most (host, pid, time, command, token). */
#define OX_STORELOCK_MAX 512

/* A lock held (or not yet taken). */
struct ox_storelock {
  struct ox_store *st;
  const char *key;             /* e.g. OX_STORECFG_LOCK_KEY */
  char text[OX_STORELOCK_MAX]; /* what we wrote: checked before removing */
  int held;
};

/* Take lock KEY of ST into *L, writing "host, pid, time, WHAT" and a
 * random token in it. While another holds it, wait with backoff (50 ms
 * doubling up to 1 s), saying once on stderr who holds it unless QUIET,
 * for up to TIMEOUT_S seconds; then fail with an error naming the lock,
 * its holder and how to remove a stale one (--break-lock). With BREAK,
 * first delete whatever lock is there, with a warning naming its holder.
 * Returns 0 or -1 (reported). */
int ox_storelock_take (struct ox_storelock *l, struct ox_store *st,
                       const char *key, const char *what, int timeout_s,
                       int brk, int quiet) __attribute__ ((__nonnull__));

/* Release L if held: delete the lock object if it still holds our text
 * (else warn that it was broken). Returns 0 or -1 (reported). */
int ox_storelock_release (struct ox_storelock *l)
    __attribute__ ((__nonnull__));

/* The holder in TEXT, a lock object's LEN bytes, as one line into BUF of
 * N bytes ("host H, pid P, since T, COMMAND"; the token left out; bytes
 * that are not printable become '?'). */
void ox_storelock_describe (const char *text, size_t len, char *buf, size_t n)
    __attribute__ ((__nonnull__));

#endif
