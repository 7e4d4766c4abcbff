/* ox: garbage collection (gc.h). The order of a run matters for safety
 * (docs/DESIGN.md "Garbage collection while others work"): candidates are
 * listed first, then the roots, then the leases, then the roots again, so
 * that every object a candidate can be referenced by is seen: a root
 * published after the first listing by a writer whose lease was gone by
 * the lease listing is in the second. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "gc.h"
#include "gclist.h"
#include "hex.h"
#include "idset.h"
#include "lease.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "objects.h"
#include "segment.h"

/* An object's identity for the sets: 'S' + segment id (zero padded) or
 * 'P' + page id. */
#define OBJ_WIDTH (1 + OX_ID_LEN)
/* A page to read: its id, its index in the manifest, whether a failure
 * stops the run (a root's page) or is a warning (a pin's). */
#define REF_WIDTH (OX_ID_LEN + 4 + 1)
#define DELETE_BATCH 1000

struct object {
  char *key;
  uint64_t size;
  uint8_t id[OBJ_WIDTH];
};

struct objvec {
  struct object *v;
  size_t n, cap;
};

/* A snapshot named by a key under volumes/. */
struct snapref {
  char volume[OX_NAME_MAX + 1];
  uint64_t id;
  uint8_t seg[OX_SEGMENT_ID_LEN]; /* markers: the marked segment */
  char *key;                      /* markers and traces: the object */
};

struct snapvec {
  struct snapref *v;
  size_t n, cap;
};

/* A condemned list found in the store. */
struct condemned {
  char *key;
  struct ox_gclist l;
  int ripe;    /* older than the grace period: its objects may go */
  int revived; /* names an object that is referenced again */
};

struct run {
  struct ox_store *st;
  const struct ox_keys *k;
  const struct ox_gc_options *o;
  struct ox_gc_stats *s;
  uint64_t now;
  struct condemned *lists;
  size_t nlists, caplists;
  struct objvec cands;
  struct snapvec roots, markers, traces;
  struct ox_lease_entry *leases;
  size_t nleases;
  struct ox_idset refs; /* REF_WIDTH: pages to read */
  struct ox_idset live; /* OBJ_WIDTH: referenced segments and pages */
  struct ox_idset segs; /* OX_SEGMENT_ID_LEN: from the pages read */
};

/* Set ID from KEY when it is a segment's or a page's key. 0 or -1. */
static int object_id_parse (const char *key, uint8_t id[OBJ_WIDTH]);

/* Set ID from KEY when it is the key ox gives a segment or a page (the
 * canonical spelling: lower-case hex); 0 or -1. */
static int
object_id (const char *key, uint8_t id[OBJ_WIDTH])
{
  char canon[OX_KEY_MAX];

  if (object_id_parse (key, id) == -1)
    return -1;
  if (id[0] == 'S')
    ox_segment_key (id + 1, canon);
  else
    ox_page_key (id + 1, canon);
  return strcmp (canon, key) == 0 ? 0 : -1;
}

static int
object_id_parse (const char *key, uint8_t id[OBJ_WIDTH])
{
  memset (id, 0, OBJ_WIDTH);
  if (strncmp (key, "segments/", 9) == 0 && strlen (key) == 12 + 32
      && key[11] == '/' && key[9] == key[12] && key[10] == key[13]
      && ox_unhex (key + 12, id + 1, OX_SEGMENT_ID_LEN) == 0) {
    id[0] = 'S';
    return 0;
  }
  if (strncmp (key, "pages/", 6) == 0 && strlen (key) == 9 + 64
      && key[8] == '/' && key[6] == key[9] && key[7] == key[10]
      && ox_unhex (key + 9, id + 1, OX_ID_LEN) == 0) {
    id[0] = 'P';
    return 0;
  }
  return -1;
}

static int
grow (void **v, size_t *cap, size_t n, size_t size)
{
  if (n < *cap)
    return 0;
  size_t nc = *cap ? 2 * *cap : 64;
  void *p = realloc (*v, nc * size);
  if (p == NULL) {
    ox_error ("garbage collection: out of memory");
    return -1;
  }
  *v = p;
  *cap = nc;
  return 0;
}

static int
list_candidate (void *opaque, const char *key, uint64_t size)
{
  struct run *r = opaque;
  struct objvec *c = &r->cands;
  uint8_t id[OBJ_WIDTH];

  if (object_id (key, id) == -1) /* not ours to judge: never deleted */
    return 0;
  if (grow ((void **)&c->v, &c->cap, c->n, sizeof *c->v) == -1)
    return -1;
  c->v[c->n].key = strdup (key);
  if (c->v[c->n].key == NULL) {
    ox_error ("garbage collection: out of memory");
    return -1;
  }
  c->v[c->n].size = size;
  memcpy (c->v[c->n].id, id, OBJ_WIDTH);
  c->n++;
  if (r->o->progress && c->n % 1000 == 0)
    r->o->progress (r->o->progress_arg, OX_GC_LIST, c->n, 0);
  return 0;
}

static int
push_snap (struct snapvec *sv, const char *volume, size_t vlen, uint64_t id,
           const uint8_t *seg, const char *key)
{
  struct snapref *e;

  if (grow ((void **)&sv->v, &sv->cap, sv->n, sizeof *sv->v) == -1)
    return -1;
  e = &sv->v[sv->n];
  memset (e, 0, sizeof *e);
  memcpy (e->volume, volume, vlen);
  e->id = id;
  if (seg)
    memcpy (e->seg, seg, OX_SEGMENT_ID_LEN);
  if (key && (e->key = strdup (key)) == NULL) {
    ox_error ("garbage collection: out of memory");
    return -1;
  }
  sv->n++;
  return 0;
}

struct scan {
  struct snapvec *roots, *markers, *traces; /* markers, traces: NULL */
};

/* Classify a key under volumes/: VOL/snapshots/ID, VOL/partial/ID/SEG,
 * VOL/traces/ID; others (reservations, tags) are not garbage. */
static int
scan_volume_key (void *opaque, const char *key, uint64_t size)
{
  struct scan *sc = opaque;
  const char *vol = key + 8, *slash = strchr (vol, '/'), *rest;
  char name[OX_NAME_MAX + 1];
  uint64_t id;
  uint8_t seg[OX_SEGMENT_ID_LEN];
  size_t vlen;

  (void)size;
  if (slash == NULL || (vlen = (size_t)(slash - vol)) > OX_NAME_MAX)
    return 0;
  memcpy (name, vol, vlen);
  name[vlen] = '\0';
  if (!ox_name_valid (name))
    return 0;
  rest = slash + 1;
  if (strncmp (rest, "snapshots/", 10) == 0) {
    if (ox_snapshot_id_parse (rest + 10, &id) == 0 && id != 0)
      return push_snap (sc->roots, vol, vlen, id, NULL, NULL);
  } else if (strncmp (rest, "partial/", 8) == 0 && sc->markers) {
    if (ox_partial_parse (rest + 8, &id, seg) == 0)
      return push_snap (sc->markers, vol, vlen, id, seg, key);
  } else if (strncmp (rest, "traces/", 7) == 0 && sc->traces) {
    if (ox_snapshot_id_parse (rest + 7, &id) == 0)
      return push_snap (sc->traces, vol, vlen, id, NULL, key);
  }
  return 0;
}

static int
cmp_snap (const void *a, const void *b)
{
  const struct snapref *x = a, *y = b;
  int c = strcmp (x->volume, y->volume);

  if (c)
    return c;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* True if VOLUME@ID has a root (R->roots sorted). */
static int
has_root (const struct run *r, const char *volume, uint64_t id)
{
  struct snapref key;

  snprintf (key.volume, sizeof key.volume, "%s", volume);
  key.id = id;
  return r->roots.n
         && bsearch (&key, r->roots.v, r->roots.n, sizeof *r->roots.v,
                     cmp_snap)
                != NULL;
}

/* The newest root id of VOLUME, 0 if none (R->roots sorted). */
static uint64_t
newest_root (const struct run *r, const char *volume)
{
  uint64_t newest = 0;

  for (size_t i = 0; i < r->roots.n; i++)
    if (strcmp (r->roots.v[i].volume, volume) == 0)
      newest = r->roots.v[i].id;
  return newest;
}

static int
add_ref (struct run *r, const uint8_t id[OX_ID_LEN], uint32_t index, int must)
{
  uint8_t ref[REF_WIDTH];

  memcpy (ref, id, OX_ID_LEN);
  memcpy (ref + OX_ID_LEN, &index, 4);
  ref[OX_ID_LEN + 4] = (uint8_t)must;
  return ox_idset_add (&r->refs, ref);
}

static int
list_condemned (void *opaque, const char *key, uint64_t size)
{
  struct run *r = opaque;

  (void)size;
  if (grow ((void **)&r->lists, &r->caplists, r->nlists, sizeof *r->lists)
      == -1)
    return -1;
  memset (&r->lists[r->nlists], 0, sizeof *r->lists);
  if ((r->lists[r->nlists].key = strdup (key)) == NULL) {
    ox_error ("garbage collection: out of memory");
    return -1;
  }
  r->nlists++;
  return 0;
}

/* Read the condemned lists; one that cannot be parsed is passed over with
 * a warning and left in place. */
static int
load_lists (struct run *r)
{
  size_t out = 0;

  if (ox_store_list (r->st, OX_CONDEMNED_PREFIX, list_condemned, r) == -1)
    return -1;
  for (size_t i = 0; i < r->nlists; i++) {
    struct condemned *c = &r->lists[i];
    CLEANUP_FREE void *data = NULL;
    size_t len;
    const char *why;

    if (ox_store_get (r->st, c->key, &data, &len) == -1) {
      if (errno != ENOENT) { /* ENOENT: finished by another collector */
        /* Leave run_free the lists kept and those not read yet, not the
         * keys freed above. */
        memmove (&r->lists[out], c, (r->nlists - i) * sizeof *c);
        r->nlists = out + (r->nlists - i);
        return -1;
      }
      free (c->key);
      continue;
    }
    if (ox_gclist_parse (data, len, &c->l, &why) == -1) {
      ox_warning ("condemned list %s is not valid (%s): ignored", c->key,
                  errno == EINVAL ? why : "out of memory");
      free (c->key);
      continue;
    }
    c->ripe = r->o->grace == 0
              || (r->now >= c->l.time && r->now - c->l.time >= r->o->grace);
    r->lists[out++] = *c;
  }
  r->nlists = out;
  return 0;
}

/* Scan volumes/ for roots (and, with MARKERS, markers and traces). */
static int
scan_volumes (struct run *r, struct snapvec *roots, int markers)
{
  struct scan sc
      = { roots, markers ? &r->markers : NULL, markers ? &r->traces : NULL };

  return ox_store_list (r->st, "volumes/", scan_volume_key, &sc);
}

/* Merge the roots of the second listing into R->roots and sort them. */
static int
merge_roots (struct run *r, struct snapvec *more)
{
  size_t sorted = r->roots.n; /* the roots added below are not sorted */

  if (sorted)
    qsort (r->roots.v, sorted, sizeof *r->roots.v, cmp_snap);
  for (size_t i = 0; i < more->n; i++) {
    struct snapref *e = &more->v[i];
    if ((sorted == 0
         || !bsearch (e, r->roots.v, sorted, sizeof *r->roots.v, cmp_snap))
        && push_snap (&r->roots, e->volume, strlen (e->volume), e->id, NULL,
                      NULL)
               == -1)
      return -1;
  }
  if (r->roots.n)
    qsort (r->roots.v, r->roots.n, sizeof *r->roots.v, cmp_snap);
  return 0;
}

/* Load every root and note its pages; a root that vanished since the
 * listing was forgotten (its objects are garbage like any other). */
static int
mark_roots (struct run *r)
{
  for (size_t i = 0; i < r->roots.n; i++) {
    struct snapref *e = &r->roots.v[i];
    struct ox_root *root;
    char sid[17];

    if (ox_root_get (r->st, r->k, e->volume, e->id, &root) == -1) {
      if (errno == ENOENT)
        continue;
      ox_snapshot_id_format (e->id, sid);
      ox_error ("garbage collection stops, deleting nothing: the root of "
                "%s@%s cannot be read",
                e->volume, sid);
      return -1;
    }
    for (uint32_t p = 0; p < root->npages; p++)
      if (add_ref (r, root->pages[p], p, 1) == -1) {
        ox_root_free (root);
        return -1;
      }
    ox_root_free (root);
    r->s->roots++;
  }
  return 0;
}

/* Count a lease that holds off deletion (a live unpinned one, or one that
 * cannot be read), naming the first in the stats. */
static void
add_blocker (struct run *r, const struct ox_lease_entry *e, const char *why)
{
  if (r->s->blocking++ != 0)
    return;
  if (e->invalid)
    snprintf (r->s->blocker, sizeof r->s->blocker,
              "%s, which cannot be read: delete it if no writer is at work",
              e->key);
  else
    snprintf (r->s->blocker, sizeof r->s->blocker,
              "%s%s by process %" PRIu64 " on %s, started %" PRIu64 " s ago",
              why, e->info.kind, e->info.pid, e->info.host,
              r->now > e->info.started ? r->now - e->info.started : 0);
}

/* Note the pages of the live pinned leases; count the live unpinned ones
 * and the unreadable ones (they block deletion). */
static int
mark_leases (struct run *r)
{
  for (size_t i = 0; i < r->nleases; i++) {
    struct ox_lease_entry *e = &r->leases[i];

    if (e->invalid) {
      add_blocker (r, e, "");
      continue;
    }
    if (!e->live)
      continue;
    if (!e->info.pinned) {
      add_blocker (r, e, "");
      continue;
    }
    r->s->pins++;
    for (uint32_t p = 0; p < e->info.npages; p++)
      if (add_ref (r, e->info.pages[p], p, 0) == -1)
        return -1;
  }
  return 0;
}

/* True if lease KEY was in the first listing. */
static int
known_lease (const struct run *r, const char *key)
{
  for (size_t i = 0; i < r->nleases; i++)
    if (strcmp (r->leases[i].key, key) == 0)
      return 1;
  return 0;
}

/* The fence, after marking and before the sweep: the leases and the roots
 * once more. A lease that holds off deletion, or a pinned one that the
 * first listing did not show, or a root that appeared since the second
 * listing, blocks deletion in this run: a writer that began after the
 * first lease listing may have written again an object (pages are content
 * addressed) that this run found unreferenced. */
static int
fence (struct run *r)
{
  struct ox_lease_entry *l;
  struct snapvec third = { 0 };
  size_t n;
  int ret = -1;

  if (ox_lease_list (r->st, (uint64_t)time (NULL), &l, &n) == -1)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (!known_lease (r, l[i].key) && (l[i].invalid || l[i].live))
      add_blocker (r, &l[i], l[i].info.pinned ? "a new " : "");
  if (scan_volumes (r, &third, 0) == -1)
    goto out;
  for (size_t i = 0; i < third.n && r->s->blocking == 0; i++)
    if (!has_root (r, third.v[i].volume, third.v[i].id)) {
      r->s->blocking++;
      snprintf (r->s->blocker, sizeof r->s->blocker,
                "snapshot %s@%016" PRIx64 " was published during this run",
                third.v[i].volume, third.v[i].id);
    }
  ret = 0;
out:
  free (third.v);
  ox_lease_list_free (l, n);
  return ret;
}

/* The page readers. lock guards segs, failed and the progress calls. */
struct markers {
  struct run *r;
  _Atomic size_t next;
  uint64_t done;
  _Atomic int failed;
  pthread_mutex_t lock;
};

static void *
mark_worker (void *arg)
{
  struct markers *m = arg;
  struct run *r = m->r;
  struct ox_codec *c = ox_codec_new (1);
  size_t i;

  if (c == NULL) {
    pthread_mutex_lock (&m->lock);
    m->failed = 1;
    pthread_mutex_unlock (&m->lock);
    return NULL;
  }
  while (!m->failed && (i = atomic_fetch_add (&m->next, 1)) < r->refs.n) {
    const uint8_t *ref = ox_idset_at (&r->refs, i);
    struct ox_page *page;
    uint32_t index;
    char key[OX_KEY_MAX];
    int must = ref[OX_ID_LEN + 4];

    memcpy (&index, ref + OX_ID_LEN, 4);
    if (ox_page_get (r->st, r->k, c, ref, index, &page) == -1) {
      /* A pin's page that is gone is the pinner's loss (its snapshot was
       * collected before it pinned it); any other failure leaves the
       * segments it names unknown, so nothing may be deleted. */
      must = must || errno != ENOENT;
      ox_page_key (ref, key);
      pthread_mutex_lock (&m->lock);
      if (must) {
        ox_error ("garbage collection stops, deleting nothing: page %s of a "
                  "snapshot cannot be read (verify the store)",
                  key);
        m->failed = 1;
      } else
        ox_warning ("page %s of a pinned snapshot cannot be read: a clone "
                    "of it may fail",
                    key);
      pthread_mutex_unlock (&m->lock);
      if (must)
        break;
      continue;
    }
    pthread_mutex_lock (&m->lock);
    for (uint32_t s = 0; s < page->nsegments && !m->failed; s++)
      if (ox_idset_add (&r->segs, page->segments[s]) == -1)
        m->failed = 1;
    m->done++;
    if (r->o->progress)
      r->o->progress (r->o->progress_arg, OX_GC_MARK, m->done, r->refs.n);
    pthread_mutex_unlock (&m->lock);
    ox_page_free (page);
    if (m->failed)
      break;
  }
  ox_codec_free (c);
  return NULL;
}

/* Run FN (ARG) on N threads at most (on this one if none starts) and wait
 * for them. */
static void
run_threads (void *(*fn) (void *), void *arg, int n)
{
  pthread_t t[256];
  int started;

  if (n > 256)
    n = 256;
  for (started = 0; started < n; started++)
    if (pthread_create (&t[started], NULL, fn, arg) != 0)
      break;
  if (started == 0)
    fn (arg);
  for (int i = 0; i < started; i++)
    pthread_join (t[i], NULL);
}

/* Read every page noted, in parallel, collecting the segments they name. */
static int
mark_pages (struct run *r)
{
  struct markers m = { .r = r };

  ox_idset_seal (&r->refs);
  pthread_mutex_init (&m.lock, NULL);
  run_threads (mark_worker, &m, r->o->jobs);
  pthread_mutex_destroy (&m.lock);
  if (m.failed)
    return -1;
  /* The live pages: every page noted (a pin's page that could not be read
   * is kept too: it may be there after all). */
  for (size_t i = 0; i < r->refs.n; i++) {
    uint8_t id[OBJ_WIDTH] = { 'P' };
    memcpy (id + 1, ox_idset_at (&r->refs, i), OX_ID_LEN);
    if (ox_idset_add (&r->live, id) == -1)
      return -1;
  }
  return 0;
}

/* Whether marker E keeps its segment: its snapshot never published, no
 * later snapshot of the volume was published, and it is recent. */
static int
marker_live (const struct run *r, const struct snapref *e)
{
  uint64_t t = e->id >> 24;

  return !has_root (r, e->volume, e->id) && e->id > newest_root (r, e->volume)
         && t + OX_GC_PARTIAL_KEEP > r->now;
}

/* Add the live markers' segments and the pages' segments to R->live. */
static int
mark_segments (struct run *r)
{
  ox_idset_seal (&r->segs);
  /* Every marker keeps its segment, stale or not: a writer may have read
   * the marker before this run deletes it, so its segment goes only in a
   * run after the marker is gone. */
  for (size_t i = 0; i < r->markers.n; i++)
    if (ox_idset_add (&r->segs, r->markers.v[i].seg) == -1)
      return -1;
  ox_idset_seal (&r->segs);
  for (size_t i = 0; i < r->segs.n; i++) {
    uint8_t id[OBJ_WIDTH] = { 'S' };
    memcpy (id + 1, ox_idset_at (&r->segs, i), OX_SEGMENT_ID_LEN);
    if (ox_idset_add (&r->live, id) == -1)
      return -1;
  }
  ox_idset_seal (&r->live);
  r->s->live_segments = r->segs.n;
  r->s->live_pages = r->live.n - r->segs.n;
  return 0;
}

/* The deleters: batches of DELETE_BATCH keys of KEYS taken in turn. lock
 * guards done, failed and the progress calls. */
struct deleters {
  struct run *r;
  const char *const *keys;
  size_t n;
  _Atomic size_t next;
  uint64_t done;
  int failed;
  pthread_mutex_t lock;
};

static void *
delete_worker (void *arg)
{
  struct deleters *d = arg;
  size_t b;

  while ((b = atomic_fetch_add (&d->next, 1)) * DELETE_BATCH < d->n) {
    size_t first = b * DELETE_BATCH;
    size_t len = d->n - first < DELETE_BATCH ? d->n - first : DELETE_BATCH;
    int r = ox_store_del_many (d->r->st, d->keys + first, len);

    pthread_mutex_lock (&d->lock);
    if (r == -1)
      d->failed = 1;
    else
      d->done += len;
    if (d->r->o->progress)
      d->r->o->progress (d->r->o->progress_arg, OX_GC_DELETE, d->done, d->n);
    pthread_mutex_unlock (&d->lock);
    if (r == -1)
      break;
  }
  return NULL;
}

/* Delete the N KEYS in batches, a few batches at a time. 0 or -1. */
static int
delete_keys (struct run *r, const char *const *keys, size_t n)
{
  struct deleters d = { .r = r, .keys = keys, .n = n };

  if (n == 0)
    return 0;
  pthread_mutex_init (&d.lock, NULL);
  run_threads (delete_worker, &d, r->o->jobs > 8 ? 8 : r->o->jobs);
  pthread_mutex_destroy (&d.lock);
  return d.failed ? -1 : 0;
}

/* Write list L again without the objects that are referenced now, under a
 * new key with its time, and delete the old one: an object referenced
 * again must wait a whole grace period from its next condemnation, not
 * from its first. Returns 0 or -1. */
static int
relist (struct run *r, struct condemned *c)
{
  CLEANUP_FREE const char **keys = malloc ((c->l.n + 1) * sizeof *keys);
  CLEANUP_FREE uint64_t *sizes = malloc ((c->l.n + 1) * sizeof *sizes);
  CLEANUP_FREE char *text = NULL;
  size_t n = 0, len;
  uint8_t nonce[4];
  char key[OX_KEY_MAX];

  if (!keys || !sizes) {
    ox_error ("garbage collection: out of memory");
    return -1;
  }
  for (size_t j = 0; j < c->l.n; j++) {
    uint8_t id[OBJ_WIDTH];
    if (object_id (c->l.keys[j], id) == 0 && ox_idset_has (&r->live, id))
      continue;
    keys[n] = c->l.keys[j];
    sizes[n++] = c->l.sizes[j];
  }
  if (n) {
    if (ox_random_bytes (nonce, sizeof nonce) == -1
        || ox_gclist_format (c->l.time, keys, sizes, n, &text, &len) == -1)
      return -1;
    ox_gclist_key (c->l.time, nonce, key);
    if (ox_store_put (r->st, key, text, len) == -1)
      return -1;
  }
  return ox_store_del (r->st, c->key) == -1 && errno != ENOENT ? -1 : 0;
}

/* Decide and act: delete what is ripe, condemn what is new, tidy up. */
static int
sweep (struct run *r)
{
  struct ox_gc_stats *s = r->s;
  struct ox_idset listed, ripe;
  CLEANUP_FREE const char **del = NULL, **cond = NULL, **extra = NULL;
  CLEANUP_FREE uint64_t *cond_sizes = NULL;
  size_t ndel = 0, ncond = 0, nextra = 0;
  int ret = -1, blocked = s->blocking > 0;

  ox_idset_init (&listed, OBJ_WIDTH);
  ox_idset_init (&ripe, OBJ_WIDTH);
  for (size_t i = 0; i < r->nlists; i++)
    for (size_t j = 0; j < r->lists[i].l.n; j++) {
      uint8_t id[OBJ_WIDTH];
      if (object_id (r->lists[i].l.keys[j], id) == -1)
        continue;
      if (ox_idset_has (&r->live, id)) { /* referenced again */
        s->revived++;
        r->lists[i].revived = 1;
        continue;
      }
      if (ox_idset_add (&listed, id) == -1
          || (r->lists[i].ripe && ox_idset_add (&ripe, id) == -1))
        goto out;
    }
  ox_idset_seal (&listed);
  ox_idset_seal (&ripe);

  del = malloc ((r->cands.n + 1) * sizeof *del);
  cond = malloc ((r->cands.n + 1) * sizeof *cond);
  cond_sizes = malloc ((r->cands.n + 1) * sizeof *cond_sizes);
  extra = malloc ((r->markers.n + r->traces.n + r->nleases + r->nlists + 1)
                  * sizeof *extra);
  if (!del || !cond || !cond_sizes || !extra) {
    ox_error ("garbage collection: out of memory");
    goto out;
  }
  for (size_t i = 0; i < r->cands.n; i++) {
    struct object *c = &r->cands.v[i];
    int is_listed = ox_idset_has (&listed, c->id);

    if (ox_idset_has (&r->live, c->id))
      continue;
    s->unreferenced++;
    s->unreferenced_bytes += c->size;
    if (!blocked && (r->o->grace == 0 || ox_idset_has (&ripe, c->id))) {
      del[ndel++] = c->key;
      s->deleted_bytes += c->size;
    } else if (is_listed) {
      s->waiting++;
      s->waiting_bytes += c->size;
    } else {
      cond[ncond] = c->key;
      cond_sizes[ncond++] = c->size;
      s->condemned_bytes += c->size;
    }
  }
  s->deleted = ndel;
  s->condemned = ncond;

  /* What goes besides: stale markers and orphan traces (only when nothing
   * blocks: a writer may be resuming from the markers), expired leases,
   * and, after the deletions, the ripe lists. */
  if (!blocked) {
    for (size_t i = 0; i < r->markers.n; i++)
      if (!marker_live (r, &r->markers.v[i])) {
        extra[nextra++] = r->markers.v[i].key;
        s->markers++;
      }
    for (size_t i = 0; i < r->traces.n; i++) {
      struct snapref *e = &r->traces.v[i];
      int pinned = 0;

      for (size_t j = 0; j < r->nleases && !pinned; j++)
        pinned = r->leases[j].live && r->leases[j].info.pinned
                 && r->leases[j].info.snap_id == e->id
                 && strcmp (r->leases[j].info.volume, e->volume) == 0;
      if (!pinned && !has_root (r, e->volume, e->id)) {
        extra[nextra++] = e->key;
        s->traces++;
      }
    }
  }
  for (size_t i = 0; i < r->nleases; i++) {
    struct ox_lease_entry *e = &r->leases[i];
    if (e->info.ttl && !e->live
        && r->now >= e->info.refreshed + 2 * e->info.ttl) {
      extra[nextra++] = e->key;
      s->leases_expired++;
    }
  }
  if (r->o->dry_run) {
    if (!blocked)
      for (size_t i = 0; i < r->nlists; i++)
        s->lists_done += r->lists[i].ripe;
    ret = 0;
    goto out;
  }

  /* Condemn first: should the run stop later, the next one finds them. */
  if (ncond) {
    CLEANUP_FREE char *text = NULL;
    size_t len;
    uint8_t nonce[4];
    char key[OX_KEY_MAX];

    if (ox_random_bytes (nonce, sizeof nonce) == -1
        || ox_gclist_format (r->now, cond, cond_sizes, ncond, &text, &len)
               == -1)
      goto out;
    ox_gclist_key (r->now, nonce, key);
    if (ox_store_put (r->st, key, text, len) == -1)
      goto out;
  }
  /* Lists that will stay lose the objects referenced again. */
  for (size_t i = 0; i < r->nlists; i++)
    if (r->lists[i].revived && (blocked || !r->lists[i].ripe)
        && relist (r, &r->lists[i]) == -1)
      goto out;
  if (delete_keys (r, del, ndel) == -1)
    goto out;
  if (!blocked)
    for (size_t i = 0; i < r->nlists; i++)
      if (r->lists[i].ripe) {
        extra[nextra++] = r->lists[i].key;
        s->lists_done++;
      }
  if (ox_store_del_many (r->st, extra, nextra) == -1)
    goto out;
  ret = 0;
out:
  ox_idset_free (&listed);
  ox_idset_free (&ripe);
  return ret;
}

static void
run_free (struct run *r)
{
  for (size_t i = 0; i < r->nlists; i++) {
    free (r->lists[i].key);
    ox_gclist_free (&r->lists[i].l);
  }
  free (r->lists);
  for (size_t i = 0; i < r->cands.n; i++)
    free (r->cands.v[i].key);
  free (r->cands.v);
  free (r->roots.v);
  for (size_t i = 0; i < r->markers.n; i++)
    free (r->markers.v[i].key);
  free (r->markers.v);
  for (size_t i = 0; i < r->traces.n; i++)
    free (r->traces.v[i].key);
  free (r->traces.v);
  ox_lease_list_free (r->leases, r->nleases);
  ox_idset_free (&r->refs);
  ox_idset_free (&r->live);
  ox_idset_free (&r->segs);
}

int
ox_gc_run (struct ox_store *st, const struct ox_keys *k,
           const struct ox_gc_options *opts, struct ox_gc_stats *stats)
{
  struct run r = { .st = st, .k = k, .o = opts, .s = stats };
  struct snapvec again = { 0 };
  int ret = -1;

  memset (stats, 0, sizeof *stats);
  r.now = (uint64_t)time (NULL);
  ox_idset_init (&r.refs, REF_WIDTH);
  ox_idset_init (&r.live, OBJ_WIDTH);
  ox_idset_init (&r.segs, OX_SEGMENT_ID_LEN);
  /* The order of these listings is the safety argument (see the top). */
  if (load_lists (&r) == -1
      || ox_store_list (st, "segments/", list_candidate, &r) == -1
      || ox_store_list (st, "pages/", list_candidate, &r) == -1
      || scan_volumes (&r, &r.roots, 1) == -1
      || ox_lease_list (st, r.now, &r.leases, &r.nleases) == -1
      || scan_volumes (&r, &again, 0) == -1 || merge_roots (&r, &again) == -1)
    goto out;
  for (size_t i = 0; i < r.cands.n; i++)
    stats->bytes += r.cands.v[i].size;
  stats->objects = r.cands.n;
  if (opts->progress)
    opts->progress (opts->progress_arg, OX_GC_LIST, r.cands.n, r.cands.n);
  if (mark_roots (&r) == -1 || mark_leases (&r) == -1 || mark_pages (&r) == -1
      || mark_segments (&r) == -1 || fence (&r) == -1 || sweep (&r) == -1)
    goto out;
  ret = 0;
out:
  free (again.v);
  run_free (&r);
  return ret;
}
