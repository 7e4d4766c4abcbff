/* ox: the counting store decorator (see countstore.h). */
#include "countstore.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "log.h"

/* Relaxed atomics: each counter is independent, and a reader wants a
 * recent value, not a consistent snapshot of all of them. */
struct counts {
  _Atomic uint64_t calls[OX_OP_COUNT];
  _Atomic uint64_t errors[OX_OP_COUNT];
  _Atomic uint64_t bytes[OX_OP_COUNT];
};

static void
count_after (void *opaque, enum ox_store_op op, int r, uint64_t bytes)
{
  struct counts *c = opaque;

  atomic_fetch_add_explicit (&c->calls[op], 1, memory_order_relaxed);
  if (r == -1)
    atomic_fetch_add_explicit (&c->errors[op], 1, memory_order_relaxed);
  atomic_fetch_add_explicit (&c->bytes[op], bytes, memory_order_relaxed);
}

static const struct ox_decorator_hooks count_hooks = {
  .after = count_after,
  .free = free,
};

int
ox_count_store_wrap (struct ox_store *inner, struct ox_store **out)
{
  struct counts *c = calloc (1, sizeof *c);

  if (c == NULL) {
    ox_error ("cannot open store %s: %m", inner->url);
    ox_store_close (inner);
    return -1;
  }
  return ox_store_decorate (inner, &count_hooks, c, out);
}

int
ox_count_store_get (struct ox_store *st, struct ox_store_counts *out)
{
  struct counts *c = ox_store_decorator_state (st, &count_hooks);

  if (c == NULL)
    return -1;
  for (int i = 0; i < OX_OP_COUNT; i++) {
    out->calls[i] = atomic_load_explicit (&c->calls[i], memory_order_relaxed);
    out->errors[i]
        = atomic_load_explicit (&c->errors[i], memory_order_relaxed);
    out->bytes[i] = atomic_load_explicit (&c->bytes[i], memory_order_relaxed);
  }
  return 0;
}
