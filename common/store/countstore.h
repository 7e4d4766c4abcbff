/* ox: the counting store decorator: counts the requests and bytes of each
 * operation of any store, for summaries (what a command cost in requests)
 * and tests. */
#ifndef OX_COUNTSTORE_H
#define OX_COUNTSTORE_H

#include <stdint.h>

#include "decorator.h"
#include "store.h"

/* Counts of one store, by operation (enum ox_store_op). */
struct ox_store_counts {
  uint64_t calls[OX_OP_COUNT];  /* operations called */
  uint64_t errors[OX_OP_COUNT]; /* of those, returned -1 (ENOENT and EEXIST
                                   included: they are answers too) */
  uint64_t bytes[OX_OP_COUNT];  /* bytes moved by the successful ones */
};

/* Wrap INNER in a decorator that counts its operations; the counts are
 * safe to read while other threads use the store. The decorator owns INNER.
 * Returns 0 and sets *OUT, or -1 with an error (INNER is then closed). */
int ox_count_store_wrap (struct ox_store *inner, struct ox_store **out)
    __attribute__ ((__nonnull__ (1, 2)));

/* Copy the counts of ST, a store made by ox_count_store_wrap, into *OUT.
 * Returns 0, or -1 (not reported) if ST is not a counting store. */
int ox_count_store_get (struct ox_store *st, struct ox_store_counts *out)
    __attribute__ ((__nonnull__ (1, 2)));

#endif
