/* ox fuzzing: fixed keys, a quiet log, seed files and an in-memory store
 * (see fuzz.h). */
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

const uint8_t fuzz_key_file_bytes[32]
    = { 0x6f, 0x78, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x20, 0x6b, 0x65, 0x79,
        0x20, 0x66, 0x69, 0x6c, 0x65, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
        0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };

static const uint8_t store_id[OX_STORE_ID_LEN]
    = { 0x5e, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

const struct ox_keys *
fuzz_keys (int encrypted)
{
  static struct ox_keys keys[2];
  static int ready;

  if (!ready) {
    uint8_t master[OX_MASTER_KEY_LEN];
    memset (master, 1, sizeof master);
    ox_keys_init_plain (&keys[0], store_id);
    if (ox_keys_init_encrypted (&keys[1], store_id, master) == -1)
      abort ();
    ready = 1;
  }
  return &keys[!!encrypted];
}

/* Parsers of untrusted bytes report what they reject: that is expected
 * here, and printing it would drown libFuzzer's own output. */
static void
quiet (enum ox_log_level level, const char *msg)
{
  (void)level;
  (void)msg;
}

void
fuzz_init (void (*write_seeds) (const char *dir))
{
  const char *dir = getenv ("OX_FUZZ_SEEDS");

  if (getenv ("OX_FUZZ_VERBOSE") == NULL) /* to see why an input fails */
    ox_log_set_handler (quiet);
  fuzz_keys (0);
  if (dir == NULL || !write_seeds)
    return;
  if (mkdir (dir, 0755) == -1 && errno != EEXIST) {
    perror (dir);
    exit (1);
  }
  write_seeds (dir);
  exit (0);
}

void
fuzz_write_seed (const char *dir, const char *name, uint8_t mode,
                 const void *data, size_t len)
{
  char path[4096];
  FILE *f;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  f = fopen (path, "wb");
  if (f == NULL || fputc (mode, f) == EOF
      || (len && fwrite (data, 1, len, f) != len) || fclose (f) == EOF) {
    perror (path);
    exit (1);
  }
}

uint8_t *
fuzz_dup (const void *data, size_t len)
{
  uint8_t *p = malloc (len ? len : 1);

  if (p == NULL)
    abort ();
  if (len)
    memcpy (p, data, len);
  return p;
}

/*----------------------------------------------------------------------
 * The in-memory store.
 */

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
