/* tests/unit/repo: what the garbage collection tests share (a header
 * only: every test-*.c here is its own program): a store with snapshots of
 * patterned data, probes of its objects, forgetting a snapshot by hand,
 * leases written by hand, and a collection that must succeed. */
#ifndef OX_GCTEST_H
#define OX_GCTEST_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decorator.h"
#include "fixture.h"
#include "frame.h"
#include "gc.h"
#include "gclist.h"
#include "hex.h"
#include "lease.h"
#include "leasefmt.h"
#include "manifest.h"
#include "names.h"
#include "objects.h"
#include "segment.h"
#include "testlib.h"

#define SIZE 600000
#define CHUNK 65536
#define NSNAP 3

static char *tmp; /* the tests' directory */
static unsigned char *data[NSNAP];

/* A fresh store with its snapshots. */
struct env {
  struct ox_store *st;
  struct ox_keys k;
  uint64_t id[NSNAP];
};

/* Make store NAME holding N snapshots of volume "vol", of data[0..N). */
static inline void
env_new (struct env *e, const char *name, int n)
{
  memset (e, 0, sizeof *e);
  fixture_store (ox_test_path (tmp, name), 0, &e->st, &e->k);
  for (int i = 0; i < n; i++) {
    struct fixture_image img = { .data = data[i], .size = SIZE };
    e->id[i] = fixture_snapshot (e->st, &e->k, "vol", &img, CHUNK);
  }
}

static inline void
env_free (struct env *e)
{
  ox_store_close (e->st);
  ox_keys_wipe (&e->k);
}

/* The number of objects under PREFIX. */
static inline size_t
count (struct env *e, const char *prefix)
{
  return ox_test_count (e->st, prefix);
}

/* The segments and pages of the store. */
static inline size_t
objects (struct env *e)
{
  return count (e, "segments/") + count (e, "pages/");
}

struct text {
  char *s;
  size_t len;
};

static inline int
append_key (void *opaque, const char *key, uint64_t size)
{
  struct text *t = opaque;
  size_t more = strlen (key) + 24;

  t->s = realloc (t->s, t->len + more + 1);
  CHECK (t->s != NULL);
  t->len += (size_t)snprintf (t->s + t->len, more + 1, "%s %" PRIu64 "\n", key,
                              size);
  return 0;
}

/* Every key of the store with its size, one a line (malloc'd). */
static inline char *
everything (struct env *e)
{
  struct text t = { calloc (1, 1), 0 };

  CHECK_EQ_INT (ox_store_list (e->st, "", append_key, &t), 0);
  return t.s;
}

/* Whether KEY exists. */
static inline int
exists (struct env *e, const char *key)
{
  uint64_t size;

  if (ox_store_stat (e->st, key, &size) == 0)
    return 1;
  CHECK_EQ_INT (errno, ENOENT);
  return 0;
}

/* Run a collection with GRACE (and DRY); it must succeed. */
static inline void
gc (struct env *e, uint64_t grace, int dry, struct ox_gc_stats *s)
{
  struct ox_gc_options o = { .grace = grace, .dry_run = dry, .jobs = 2 };

  if (ox_gc_run (e->st, &e->k, &o, s) == -1) {
    fprintf (stderr, "ox_gc_run failed: %s\n", ox_test_last_error ());
    exit (1);
  }
}

/* The root of snapshot I (free it). */
static inline struct ox_root *
root_of (struct env *e, int i)
{
  struct ox_root *r;

  CHECK_EQ_INT (ox_root_get (e->st, &e->k, "vol", e->id[i], &r), 0);
  return r;
}

/* Forget snapshot I: delete its root. */
static inline void
forget (struct env *e, int i)
{
  char key[OX_KEY_MAX];

  ox_root_key ("vol", e->id[i], key);
  CHECK_EQ_INT (ox_store_del (e->st, key), 0);
}

/* The segment of snapshot I (one segment: SIZE is far below the writer's
 * segment size) into SEG; its key into KEY. */
static inline void
segment_of (struct env *e, int i, uint8_t seg[OX_SEGMENT_ID_LEN],
            char key[OX_KEY_MAX])
{
  struct ox_root *r = root_of (e, i);
  struct ox_codec *c = ox_codec_new (1);
  struct ox_page *p;

  CHECK (c != NULL);
  CHECK (r->npages >= 1);
  CHECK_EQ_INT (ox_page_get (e->st, &e->k, c, r->pages[0], 0, &p), 0);
  CHECK_EQ_INT (p->nsegments, 1);
  memcpy (seg, p->segments[0], OX_SEGMENT_ID_LEN);
  ox_segment_key (seg, key);
  ox_page_free (p);
  ox_codec_free (c);
  ox_root_free (r);
}

/* Check that every page of R exists (or, with !WANT, none does). */
static inline void
pages_exist (struct env *e, const struct ox_root *r, int want)
{
  char key[OX_KEY_MAX];

  for (uint32_t p = 0; p < r->npages; p++) {
    ox_page_key (r->pages[p], key);
    CHECK_EQ_INT (exists (e, key), want);
  }
}

/* Write a lease (pinning R when not NULL) refreshed at REFRESHED under
 * gc/leases/<32 hex of N>; its key into KEY. */
static inline void
put_lease (struct env *e, int n, const struct ox_root *r, uint64_t refreshed,
           char key[OX_KEY_MAX])
{
  struct ox_lease_info l = { .kind = "snapshot",
                             .host = "otherhost",
                             .pid = 4242,
                             .started = refreshed - 10,
                             .refreshed = refreshed,
                             .ttl = OX_LEASE_TTL };
  char *text;
  size_t len;

  if (r) {
    snprintf (l.kind, sizeof l.kind, "clone");
    l.pinned = 1;
    snprintf (l.volume, sizeof l.volume, "%s", r->volume);
    l.snap_id = r->snapshot_id;
    l.npages = r->npages;
    l.pages = r->pages;
  }
  snprintf (key, OX_KEY_MAX, "%s%032x", OX_LEASE_PREFIX, n);
  CHECK_EQ_INT (ox_lease_format (&l, &text, &len), 0);
  CHECK_EQ_INT (ox_store_put (e->st, key, text, len), 0);
  free (text);
}

/* The key of the only condemned list into KEY. */
static inline int
first_key (void *opaque, const char *key, uint64_t size)
{
  (void)size;
  snprintf (opaque, OX_KEY_MAX, "%s", key);
  return 0;
}

#endif
