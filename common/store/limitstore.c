/* ox: the rate-limiting store decorator (see limitstore.h). */
#include "limitstore.h"

#include <stdlib.h>

#include "log.h"
#include "ratelimit.h"

struct limit_store {
  struct ox_store base;
  struct ox_store_ops ops; /* the inner scheme with our functions */
  struct ox_store *inner;
};

static struct ox_store *
inner_of (struct ox_store *st)
{
  return ((struct limit_store *)st)->inner;
}

/* Bytes are paced before a write and after a read (when the size of a
 * whole get is known); either way the average rate holds. */
static int
limit_put (struct ox_store *st, const char *key, const void *data, size_t len)
{
  ox_ratelimit_take (ox_ratelimit_global (), len);
  return ox_store_put (inner_of (st), key, data, len);
}

static int
limit_put_new (struct ox_store *st, const char *key, const void *data,
               size_t len)
{
  ox_ratelimit_take (ox_ratelimit_global (), len);
  return ox_store_put_new (inner_of (st), key, data, len);
}

static int
limit_get_range (struct ox_store *st, const char *key, uint64_t offset,
                 void *buf, size_t len)
{
  int r = ox_store_get_range (inner_of (st), key, offset, buf, len);

  if (r == 0)
    ox_ratelimit_take (ox_ratelimit_global (), len);
  return r;
}

static int
limit_get (struct ox_store *st, const char *key, void **data, size_t *len)
{
  int r = ox_store_get (inner_of (st), key, data, len);

  if (r == 0)
    ox_ratelimit_take (ox_ratelimit_global (), *len);
  return r;
}

static int
limit_stat (struct ox_store *st, const char *key, uint64_t *size)
{
  return ox_store_stat (inner_of (st), key, size);
}

static int
limit_list (struct ox_store *st, const char *prefix, ox_store_list_fn fn,
            void *opaque)
{
  return ox_store_list (inner_of (st), prefix, fn, opaque);
}

static int
limit_del (struct ox_store *st, const char *key)
{
  return ox_store_del (inner_of (st), key);
}

static void
limit_close (struct ox_store *st)
{
  ox_store_close (inner_of (st));
  free (st);
}

int
ox_limit_store_wrap (struct ox_store *inner, uint64_t rate,
                     struct ox_store **out)
{
  struct limit_store *l = calloc (1, sizeof *l);

  if (l == NULL) {
    ox_error ("cannot open store %s: %m", inner->url);
    ox_store_close (inner);
    return -1;
  }
  /* Every operation of struct ox_store_ops must be forwarded here: a new
   * one left out would be NULL in a rate-limited store. */
  l->ops = (struct ox_store_ops){ .scheme = inner->ops->scheme,
                                  .put = limit_put,
                                  .put_new = limit_put_new,
                                  .get_range = limit_get_range,
                                  .get = limit_get,
                                  .stat = limit_stat,
                                  .list = limit_list,
                                  .del = limit_del,
                                  .close = limit_close };
  l->inner = inner;
  l->base.ops = &l->ops;
  l->base.url = inner->url; /* owned by INNER */
  ox_ratelimit_limit (ox_ratelimit_global (), rate);
  *out = &l->base;
  return 0;
}
