/* ox: the rate-limiting store decorator (see limitstore.h). */
#include "limitstore.h"

#include "decorator.h"
#include "ratelimit.h"

/* Bytes are paced before a write and after a read (when the size of a
 * whole get is known); either way the average rate holds. */
static void
limit_before (void *opaque, enum ox_store_op op, uint64_t bytes)
{
  if (op == OX_OP_PUT || op == OX_OP_PUT_NEW)
    ox_ratelimit_take (ox_ratelimit_global (), bytes);
}

static void
limit_after (void *opaque, enum ox_store_op op, int r, uint64_t bytes)
{
  if (r == 0 && (op == OX_OP_GET || op == OX_OP_GET_RANGE))
    ox_ratelimit_take (ox_ratelimit_global (), bytes);
}

static const struct ox_decorator_hooks limit_hooks = {
  .before = limit_before,
  .after = limit_after,
};

int
ox_limit_store_wrap (struct ox_store *inner, uint64_t rate,
                     struct ox_store **out)
{
  if (ox_store_decorate (inner, &limit_hooks, NULL, out) == -1)
    return -1;
  ox_ratelimit_limit (ox_ratelimit_global (), rate);
  return 0;
}
