/* ox fuzzing: a minimal in-memory store (see fuzz.h), for the harnesses of
 * parsers that read through struct ox_store. */
#include "fuzz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MEM_OBJECTS 8

struct mem_object {
  char *key;
  uint8_t *data;
  size_t len;
};

struct memstore {
  struct ox_store st;
  struct mem_object obj[MEM_OBJECTS];
};

static struct mem_object *
mem_find (struct ox_store *st, const char *key)
{
  struct memstore *m = (struct memstore *)st;

  for (int i = 0; i < MEM_OBJECTS; i++)
    if (m->obj[i].key && strcmp (m->obj[i].key, key) == 0)
      return &m->obj[i];
  errno = ENOENT;
  return NULL;
}

static int
mem_put (struct ox_store *st, const char *key, const void *data, size_t len)
{
  fuzz_memstore_set (st, key, data, len);
  return 0;
}

/* The create-only put: EEXIST, reported by nothing, when KEY exists. */
static int
mem_put_new (struct ox_store *st, const char *key, const void *data,
             size_t len)
{
  if (mem_find (st, key)) {
    errno = EEXIST;
    return -1;
  }
  return mem_put (st, key, data, len);
}

static int
mem_get_range (struct ox_store *st, const char *key, uint64_t offset,
               void *buf, size_t len)
{
  struct mem_object *o = mem_find (st, key);

  if (o == NULL)
    return -1;
  if (offset > o->len || len > o->len - offset) {
    ox_error ("memstore %s: short object", key);
    errno = EIO;
    return -1;
  }
  if (len)
    memcpy (buf, o->data + offset, len);
  return 0;
}

static int
mem_get (struct ox_store *st, const char *key, void **data, size_t *len)
{
  struct mem_object *o = mem_find (st, key);

  if (o == NULL)
    return -1;
  *data = fuzz_dup (o->data, o->len);
  *len = o->len;
  return 0;
}

static int
mem_stat (struct ox_store *st, const char *key, uint64_t *size)
{
  struct mem_object *o = mem_find (st, key);

  if (o == NULL)
    return -1;
  *size = o->len;
  return 0;
}

static int
mem_list (struct ox_store *st, const char *prefix, ox_store_list_fn fn,
          void *opaque)
{
  (void)st, (void)prefix, (void)fn, (void)opaque;
  ox_error ("memstore: list is not implemented");
  errno = ENOSYS;
  return -1;
}

static int
mem_del (struct ox_store *st, const char *key)
{
  struct mem_object *o = mem_find (st, key);

  if (o == NULL)
    return -1;
  free (o->key);
  free (o->data);
  memset (o, 0, sizeof *o);
  return 0;
}

static int
mem_del_many (struct ox_store *st, const char *const *keys, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (mem_del (st, keys[i]) == -1 && errno != ENOENT)
      return -1;
  return 0;
}

static void
mem_close (struct ox_store *st)
{
  struct memstore *m = (struct memstore *)st;

  for (int i = 0; i < MEM_OBJECTS; i++) {
    free (m->obj[i].key);
    free (m->obj[i].data);
  }
  free (m);
}

static const struct ox_store_ops mem_ops = {
  .scheme = "mem",
  .put = mem_put,
  .put_new = mem_put_new,
  .get_range = mem_get_range,
  .get = mem_get,
  .stat = mem_stat,
  .list = mem_list,
  .del = mem_del,
  .del_many = mem_del_many,
  .close = mem_close,
};

struct ox_store *
fuzz_memstore_new (void)
{
  struct memstore *m = calloc (1, sizeof *m);

  if (m == NULL)
    abort ();
  m->st.ops = &mem_ops;
  m->st.url = (char *)"mem://fuzz";
  return &m->st;
}

void
fuzz_memstore_set (struct ox_store *st, const char *key, const void *data,
                   size_t len)
{
  struct memstore *m = (struct memstore *)st;
  struct mem_object *o = mem_find (st, key);

  for (int i = 0; o == NULL && i < MEM_OBJECTS; i++)
    if (m->obj[i].key == NULL)
      o = &m->obj[i];
  if (o == NULL)
    abort ();
  free (o->data);
  if (o->key == NULL)
    o->key = strdup (key);
  o->data = fuzz_dup (data, len);
  o->len = len;
  if (o->key == NULL)
    abort ();
}

const uint8_t *
fuzz_memstore_peek (struct ox_store *st, const char *key, size_t *len)
{
  struct mem_object *o = mem_find (st, key);

  if (o == NULL)
    return NULL;
  *len = o->len;
  return o->data;
}
