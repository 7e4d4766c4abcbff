/* ox: store decorators (see decorator.h). */
#include "decorator.h"

#include <errno.h>
#include <stdlib.h>

#include "log.h"

struct decorator {
  struct ox_store base;
  struct ox_store_ops ops; /* the inner scheme with our functions */
  struct ox_store *inner;
  const struct ox_decorator_hooks *hooks;
  void *opaque;
};

static struct decorator *
dec_of (struct ox_store *st)
{
  return (struct decorator *)st;
}

static void
before (struct decorator *d, enum ox_store_op op, uint64_t bytes)
{
  if (d->hooks->before)
    d->hooks->before (d->opaque, op, bytes);
}

/* Calls the after hook with the inner operation's result R and returns R,
 * keeping errno as the inner store left it (callers probe ENOENT and
 * EEXIST), whatever the hook does. */
static int
after (struct decorator *d, enum ox_store_op op, int r, uint64_t bytes)
{
  int saved = errno;

  if (d->hooks->after)
    d->hooks->after (d->opaque, op, r, r == 0 ? bytes : 0);
  errno = saved;
  return r;
}

static int
dec_put (struct ox_store *st, const char *key, const void *data, size_t len)
{
  struct decorator *d = dec_of (st);

  before (d, OX_OP_PUT, len);
  return after (d, OX_OP_PUT, ox_store_put (d->inner, key, data, len), len);
}

static int
dec_put_new (struct ox_store *st, const char *key, const void *data,
             size_t len)
{
  struct decorator *d = dec_of (st);

  before (d, OX_OP_PUT_NEW, len);
  return after (d, OX_OP_PUT_NEW, ox_store_put_new (d->inner, key, data, len),
                len);
}

static int
dec_get_range (struct ox_store *st, const char *key, uint64_t offset,
               void *buf, size_t len)
{
  struct decorator *d = dec_of (st);

  before (d, OX_OP_GET_RANGE, len);
  return after (d, OX_OP_GET_RANGE,
                ox_store_get_range (d->inner, key, offset, buf, len), len);
}

static int
dec_get (struct ox_store *st, const char *key, void **data, size_t *len)
{
  struct decorator *d = dec_of (st);
  int r;

  before (d, OX_OP_GET, 0);
  r = ox_store_get (d->inner, key, data, len);
  return after (d, OX_OP_GET, r, r == 0 ? *len : 0);
}

static int
dec_stat (struct ox_store *st, const char *key, uint64_t *size)
{
  struct decorator *d = dec_of (st);

  before (d, OX_OP_STAT, 0);
  return after (d, OX_OP_STAT, ox_store_stat (d->inner, key, size), 0);
}

static int
dec_list (struct ox_store *st, const char *prefix, ox_store_list_fn fn,
          void *opaque)
{
  struct decorator *d = dec_of (st);

  before (d, OX_OP_LIST, 0);
  return after (d, OX_OP_LIST, ox_store_list (d->inner, prefix, fn, opaque),
                0);
}

static int
dec_del (struct ox_store *st, const char *key)
{
  struct decorator *d = dec_of (st);

  before (d, OX_OP_DEL, 0);
  return after (d, OX_OP_DEL, ox_store_del (d->inner, key), 0);
}

static int
dec_del_many (struct ox_store *st, const char *const *keys, size_t n)
{
  struct decorator *d = dec_of (st);

  before (d, OX_OP_DEL_MANY, 0);
  return after (d, OX_OP_DEL_MANY, ox_store_del_many (d->inner, keys, n), 0);
}

static void
dec_close (struct ox_store *st)
{
  struct decorator *d = dec_of (st);

  ox_store_close (d->inner);
  if (d->hooks->free)
    d->hooks->free (d->opaque);
  free (d);
}

int
ox_store_decorate (struct ox_store *inner,
                   const struct ox_decorator_hooks *hooks, void *opaque,
                   struct ox_store **out)
{
  struct decorator *d = calloc (1, sizeof *d);

  if (d == NULL) {
    ox_error ("cannot open store %s: %m", inner->url);
    ox_store_close (inner);
    if (hooks->free)
      hooks->free (opaque);
    return -1;
  }
  /* Every operation of struct ox_store_ops must be forwarded here: a new
   * one left out would be NULL in every decorated store (test-decorator
   * checks each). */
  d->ops = (struct ox_store_ops){ .scheme = inner->ops->scheme,
                                  .put = dec_put,
                                  .put_new = dec_put_new,
                                  .get_range = dec_get_range,
                                  .get = dec_get,
                                  .stat = dec_stat,
                                  .list = dec_list,
                                  .del = dec_del,
                                  .del_many = dec_del_many,
                                  .close = dec_close };
  d->inner = inner;
  d->hooks = hooks;
  d->opaque = opaque;
  d->base.ops = &d->ops;
  d->base.url = inner->url; /* owned by INNER */
  *out = &d->base;
  return 0;
}

void *
ox_store_decorator_state (struct ox_store *st,
                          const struct ox_decorator_hooks *hooks)
{
  if (st->ops->close != dec_close || dec_of (st)->hooks != hooks)
    return NULL;
  return dec_of (st)->opaque;
}

const char *
ox_store_op_name (enum ox_store_op op)
{
  static const char *const names[OX_OP_COUNT] = {
    [OX_OP_PUT] = "put",
    [OX_OP_PUT_NEW] = "put_new",
    [OX_OP_GET_RANGE] = "get_range",
    [OX_OP_GET] = "get",
    [OX_OP_STAT] = "stat",
    [OX_OP_LIST] = "list",
    [OX_OP_DEL] = "del",
    [OX_OP_DEL_MANY] = "del_many",
  };

  return (unsigned)op < OX_OP_COUNT ? names[op] : "?";
}
