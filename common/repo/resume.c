/* ox: resuming interrupted snapshots (resume.h). */
#include "resume.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "gc.h"
#include "hex.h"
#include "log.h"
#include "names.h"
#include "objects.h"

int
ox_resume_mark (struct ox_store *st, const char *volume, uint64_t snap_id,
                const uint8_t seg_id[OX_SEGMENT_ID_LEN])
{
  char key[OX_KEY_MAX], text[64], hex[2 * OX_SEGMENT_ID_LEN + 1];
  int n;

  ox_partial_key (volume, snap_id, seg_id, key);
  ox_hex (seg_id, OX_SEGMENT_ID_LEN, hex);
  n = snprintf (text, sizeof text, "segment %s\n", hex);
  return ox_store_put (st, key, text, (size_t)n);
}

/* The markers of one listing: (snapshot id, segment id) pairs. */
struct marker {
  uint64_t snap_id;
  uint8_t seg_id[OX_SEGMENT_ID_LEN];
};

struct markers {
  size_t prefix_len;
  struct marker *m;
  size_t n, cap;
};

static int
collect_marker (void *opaque, const char *key, uint64_t size)
{
  struct markers *l = opaque;
  struct marker m;

  (void)size;
  /* Anything else under the prefix is not ours to judge: passed over. */
  if (ox_partial_parse (key + l->prefix_len, &m.snap_id, m.seg_id) == -1)
    return 0;
  if (l->n == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 64;
    void *p = realloc (l->m, ncap * sizeof *l->m);
    if (!p) {
      ox_error ("out of memory");
      return -1;
    }
    l->m = p;
    l->cap = ncap;
  }
  l->m[l->n++] = m;
  return 0;
}

/* List VOLUME's markers into L (ascending by snapshot id: keys sort so). */
static int
list_markers (struct ox_store *st, const char *volume, struct markers *l)
{
  char prefix[OX_KEY_MAX];

  memset (l, 0, sizeof *l);
  ox_partial_prefix (volume, prefix);
  l->prefix_len = strlen (prefix);
  if (ox_store_list (st, prefix, collect_marker, l) == -1) {
    free (l->m);
    return -1;
  }
  return 0;
}

/* Whether ID is one of the N sorted ids of PUBLISHED. */
static int
is_published (const uint64_t *published, size_t n, uint64_t id)
{
  size_t lo = 0, hi = n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (published[mid] == id)
      return 1;
    if (published[mid] < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return 0;
}

/* Read the index of marked segment M, or NULL (with a warning) when it
 * cannot serve: missing, damaged, or of another snapshot or volume. */
static struct ox_segment_index *
marked_index (struct ox_store *st, const struct ox_keys *k, const char *volume,
              const struct marker *m)
{
  char key[OX_SEGMENT_KEY_MAX], id[17];
  struct ox_segment_index *idx = NULL;

  uint64_t size;

  ox_segment_key (m->seg_id, key);
  ox_snapshot_id_format (m->snap_id, id);
  /* Probed first: a segment removed since is no error of this snapshot. */
  if (ox_store_stat (st, key, &size) == -1 && errno == ENOENT) {
    ox_warning ("resuming %s@%s: segment %s is gone; passed over", volume, id,
                key);
    return NULL;
  }
  if (ox_segment_read_index (k, st, key, &idx) == -1) {
    ox_warning ("resuming %s@%s: segment %s cannot be used; its frames are "
                "stored again",
                volume, id, key);
    return NULL;
  }
  if (idx->snapshot_id != m->snap_id || strcmp (idx->volume, volume) != 0
      || memcmp (idx->segment_id, m->seg_id, OX_SEGMENT_ID_LEN) != 0) {
    ox_warning ("resuming %s@%s: segment %s belongs to another snapshot; "
                "passed over",
                volume, id, key);
    ox_segment_index_free (idx);
    return NULL;
  }
  return idx;
}

/* Remember ID in SET once (markers of one id are adjacent). */
static int
set_add (struct ox_resume_set *set, uint64_t id)
{
  void *p;

  if (set->nids > 0 && set->ids[set->nids - 1] == id)
    return 0;
  p = realloc (set->ids, (set->nids + 1) * sizeof *set->ids);
  if (!p) {
    ox_error ("out of memory");
    return -1;
  }
  set->ids = p;
  set->ids[set->nids++] = id;
  return 0;
}

int
ox_resume_find (struct ox_store *st, const struct ox_keys *k,
                const char *volume, uint64_t self, ox_resume_fn *fn,
                void *opaque, struct ox_resume_set *set)
{
  struct markers l;
  uint64_t *published = NULL;
  size_t npublished = 0, i;
  int r = 0;

  memset (set, 0, sizeof *set);
  if (list_markers (st, volume, &l) == -1)
    return -1;
  if (l.n > 0
      && ox_snapshot_list (st, volume, &published, &npublished) == -1) {
    free (l.m);
    return -1;
  }
  for (i = 0; i < l.n && r == 0; i++) {
    struct ox_segment_index *idx;
    /* A published snapshot's frames are known through its manifest (as a
     * parent), and the running snapshot's are its own. Markers older than
     * the volume's newest snapshot, or older than garbage collection keeps
     * them (less a day's margin), are stale: gc may be collecting their
     * segments (gc.h, OX_GC_PARTIAL_KEEP). */
    if (l.m[i].snap_id == self
        || is_published (published, npublished, l.m[i].snap_id)
        || (npublished && l.m[i].snap_id < published[npublished - 1])
        || (l.m[i].snap_id >> 24) + OX_GC_PARTIAL_KEEP - 86400
               <= (uint64_t)time (NULL))
      continue;
    idx = marked_index (st, k, volume, &l.m[i]);
    if (!idx)
      continue;
    r = fn (opaque, idx);
    ox_segment_index_free (idx);
    if (r == 0) {
      set->nsegments++;
      r = set_add (set, l.m[i].snap_id);
    }
  }
  free (published);
  free (l.m);
  return r;
}

void
ox_resume_forget (struct ox_store *st, const char *volume, uint64_t snap_id)
{
  struct markers l;
  char key[OX_KEY_MAX], id[17];
  size_t i;

  if (list_markers (st, volume, &l) == -1) {
    ox_warning ("could not list the resume markers of volume %s", volume);
    return;
  }
  ox_snapshot_id_format (snap_id, id);
  for (i = 0; i < l.n; i++) {
    if (l.m[i].snap_id != snap_id)
      continue;
    ox_partial_key (volume, snap_id, l.m[i].seg_id, key);
    if (ox_store_del (st, key) == -1 && errno != ENOENT)
      ox_warning ("could not remove resume marker %s (harmless)", key);
  }
  free (l.m);
}

void
ox_resume_set_free (struct ox_resume_set *set)
{
  free (set->ids);
  set->ids = NULL;
  set->nids = 0;
}
