/* ox: the object store interface that every backend implements.
 *
 * Keys are relative to the store's root (a directory for file://, a bucket
 * prefix for s3://) and use '/' as separator (see docs/FORMAT.md, section 2).
 * All operations are safe to call from several threads at once on one store.
 * Every operation reports its own error with ox_error() and returns -1, with
 * one exception: a missing object makes get, get_range, stat and del return -1
 * with errno = ENOENT and report nothing, so callers can probe for objects;
 * and an existing object makes put_new return -1 with errno = EEXIST and
 * report nothing, so callers can choose another key.
 */
#ifndef OX_STORE_H
#define OX_STORE_H

#include <stddef.h>
#include <stdint.h>

struct ox_store;

/* Called by list for each key under the prefix, in ascending key order.
 * Return 0 to continue, -1 to stop the listing with an error. */
typedef int (*ox_store_list_fn) (void *opaque, const char *key, uint64_t size);

struct ox_store_ops {
  const char *scheme; /* "file", "s3" */

  /* Write a whole object atomically; durable when it returns 0. */
  int (*put) (struct ox_store *st, const char *key, const void *data,
              size_t len);

  /* Create-only put: write a whole object atomically, durable when it
   * returns 0, only if KEY does not exist. When it exists (or another
   * writer creates it first), nothing is replaced and the call returns -1
   * with errno EEXIST, reported by nothing. See docs/DESIGN.md ("Create-only
   * writes") for each backend's guarantee. */
  int (*put_new) (struct ox_store *st, const char *key, const void *data,
                  size_t len);

  /* Read LEN bytes at OFFSET of an object into BUF; a short object is an
   * error (EIO). */
  int (*get_range) (struct ox_store *st, const char *key, uint64_t offset,
                    void *buf, size_t len);

  /* Read a whole object into a malloc'd buffer *DATA of *LEN bytes. */
  int (*get) (struct ox_store *st, const char *key, void **data, size_t *len);

  /* Size of an object. */
  int (*stat) (struct ox_store *st, const char *key, uint64_t *size);

  /* List keys beginning with PREFIX (which may be ""), ascending. */
  int (*list) (struct ox_store *st, const char *prefix, ox_store_list_fn fn,
               void *opaque);

  /* Delete an object. */
  int (*del) (struct ox_store *st, const char *key);

  /* Delete N objects, as few requests as the backend allows (S3: batched
   * DeleteObjects); keys that do not exist are not an error. Durable when
   * it returns 0; on -1 (reported) some of them may be deleted. */
  int (*del_many) (struct ox_store *st, const char *const *keys, size_t n);

  /* Release the store and everything it holds. */
  void (*close) (struct ox_store *st);
};

/* Every backend's private struct begins with this. */
struct ox_store {
  const struct ox_store_ops *ops;
  char *url; /* as given by the user, for messages */
};

/* Options for opening a store; zero-initialise and set what you need.
 * Backends ignore options that do not apply to them. */
struct ox_store_options {
  const char *endpoint;  /* s3: endpoint URL (else environment, else AWS) */
  const char *region;    /* s3: region (else environment, else us-east-1) */
  const char *ca_bundle; /* s3: CA bundle file for HTTPS */
  int insecure;          /* s3: do not verify TLS certificates */
  int addressing;   /* s3: 0 = default, 1 = path-style, 2 = virtual-host */
  int connections;  /* s3: requests in flight at most (0 = default) */
  uint64_t bwlimit; /* bytes per second for the whole process, 0 = no limit */
  int create;       /* file: create the directory if missing; s3: the bucket */
};

/* Convenience wrappers that call through st->ops. */
static inline int
ox_store_put (struct ox_store *st, const char *key, const void *d, size_t n)
{
  return st->ops->put (st, key, d, n);
}
static inline int
ox_store_put_new (struct ox_store *st, const char *key, const void *d,
                  size_t n)
{
  return st->ops->put_new (st, key, d, n);
}
static inline int
ox_store_get_range (struct ox_store *st, const char *key, uint64_t off,
                    void *buf, size_t n)
{
  return st->ops->get_range (st, key, off, buf, n);
}
static inline int
ox_store_get (struct ox_store *st, const char *key, void **d, size_t *n)
{
  return st->ops->get (st, key, d, n);
}
static inline int
ox_store_stat (struct ox_store *st, const char *key, uint64_t *size)
{
  return st->ops->stat (st, key, size);
}
static inline int
ox_store_list (struct ox_store *st, const char *prefix, ox_store_list_fn fn,
               void *opaque)
{
  return st->ops->list (st, prefix, fn, opaque);
}
static inline int
ox_store_del (struct ox_store *st, const char *key)
{
  return st->ops->del (st, key);
}
static inline int
ox_store_del_many (struct ox_store *st, const char *const *keys, size_t n)
{
  return st->ops->del_many (st, keys, n);
}
static inline void
ox_store_close (struct ox_store *st)
{
  if (st)
    st->ops->close (st);
}

#endif
