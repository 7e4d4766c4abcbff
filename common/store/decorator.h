/* ox: store decorators: a store that forwards every operation to an inner
 * store and calls hooks around it, so that a concern that applies to any
 * backend (a rate limit, request counting) is written once and stacks on
 * any store, as in s3backer's layers and restic's backend wrappers. A
 * decorator keeps the inner store's scheme and url, and owns the inner
 * store: closing it closes the inner one.
 */
#ifndef OX_DECORATOR_H
#define OX_DECORATOR_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The operations of struct ox_store_ops, as the hooks see them. */
enum ox_store_op {
  OX_OP_PUT,
  OX_OP_PUT_NEW,
  OX_OP_GET_RANGE,
  OX_OP_GET,
  OX_OP_STAT,
  OX_OP_LIST,
  OX_OP_DEL,
  OX_OP_DEL_MANY,
  OX_OP_COUNT /* the number of operations */
};

/* What a decorator does around the inner store's operations; any hook may
 * be NULL. OPAQUE is the decorator's own state. */
struct ox_decorator_hooks {
  /* Before an operation: BYTES is the length written by put and put_new,
   * the length asked for by get_range, else 0. */
  void (*before) (void *opaque, enum ox_store_op op, uint64_t bytes);
  /* After an operation that returned R (0 or -1, errno as the inner store
   * left it): BYTES is the length moved when R is 0 (put, put_new,
   * get_range, get), else 0. */
  void (*after) (void *opaque, enum ox_store_op op, int r, uint64_t bytes);
  /* When the decorator is closed, after the inner store. */
  void (*free) (void *opaque);
};

/* Wrap INNER in a decorator that calls HOOKS with OPAQUE around each of its
 * operations. The decorator owns INNER (and, for HOOKS->free, OPAQUE).
 * Returns 0 and sets *OUT, or -1 with an error (INNER is then closed and
 * OPAQUE freed). */
int ox_store_decorate (struct ox_store *inner,
                       const struct ox_decorator_hooks *hooks, void *opaque,
                       struct ox_store **out)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* The OPAQUE of ST if ST is a decorator made with HOOKS (the same pointer),
 * else NULL: how a decorator finds its state again from a store. */
void *ox_store_decorator_state (struct ox_store *st,
                                const struct ox_decorator_hooks *hooks)
    __attribute__ ((__nonnull__ (1, 2)));

/* The name of OP for messages ("put", "get_range", ...). */
const char *ox_store_op_name (enum ox_store_op op);

#endif
