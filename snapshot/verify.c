/* oxsnap verify: check that snapshots are whole and intact.
 *
 * Always: every root authenticates, every page decodes and verifies, every
 * referenced segment exists and its index (footer, MAC) is intact, and
 * each chunk's (offset, length, id) matches a frame in that index.
 * With --full: also fetch and decode every chunk (AEAD tag or checksum,
 * decompression, chunk id), in parallel.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "cli.h"
#include "idmap.h"
#include "json.h"
#include "lease.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "segment.h"
#include "catalog.h"
#include "objects.h"

/* Parsed segment indexes, loaded once per run. */
struct segcache {
  struct ox_idmap *map;          /* padded segment id -> slot in idx */
  struct ox_segment_index **idx; /* NULL when the segment is bad */
  size_t n, cap;
};

struct verify {
  struct cli *c;
  struct segcache sc;
  uint64_t problems;
  uint64_t chunks_checked, snapshots;
  struct ox_json json; /* with --json: the document being written */
  int json_open;
};

static int
cmp_frame_offset (const void *a, const void *b)
{
  const struct ox_segment_frame *x = a, *y = b;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The index of segment SEG_ID, loaded on first use; NULL if it is missing
 * or damaged (reported once). */
static struct ox_segment_index *
segment_index (struct verify *v, const uint8_t *seg_id, int *fatal)
{
  uint8_t key32[OX_ID_LEN] = { 0 };
  const struct ox_idmap_value *found;
  struct ox_idmap_value val;
  struct ox_segment_index *idx = NULL;
  char key[OX_SEGMENT_KEY_MAX];

  memcpy (key32, seg_id, OX_SEGMENT_ID_LEN);
  found = ox_idmap_find (v->sc.map, key32);
  if (found)
    return v->sc.idx[found->segment];

  ox_segment_key (seg_id, key);
  if (ox_segment_read_index (&v->c->keys, v->c->store, key, &idx) == -1) {
    if (errno == ENOENT)
      ox_error ("segment %s is missing", key);
    v->problems++;
    idx = NULL;
  } else if (memcmp (idx->segment_id, seg_id, OX_SEGMENT_ID_LEN) != 0) {
    ox_error ("segment %s: header names another segment id", key);
    v->problems++;
    ox_segment_index_free (idx);
    idx = NULL;
  } else
    qsort (idx->frames, idx->nframes, sizeof *idx->frames, cmp_frame_offset);

  if (v->sc.n == v->sc.cap) {
    size_t ncap = v->sc.cap ? v->sc.cap * 2 : 64;
    void *p = realloc (v->sc.idx, ncap * sizeof *v->sc.idx);
    if (!p) {
      ox_error ("out of memory");
      ox_segment_index_free (idx);
      *fatal = 1;
      return NULL;
    }
    v->sc.idx = p;
    v->sc.cap = ncap;
  }
  val.segment = (uint32_t)v->sc.n;
  val.offset = val.length = 0;
  v->sc.idx[v->sc.n++] = idx;
  if (ox_idmap_insert (v->sc.map, key32, &val) == -1) {
    *fatal = 1;
    return NULL;
  }
  return idx;
}

/* Check one page entry against its segment's index. */
static void
check_entry (struct verify *v, const struct ox_root *root,
             const struct ox_page *pg, uint32_t i, int *fatal)
{
  const struct ox_page_entry *e = &pg->entries[i];
  uint64_t chunk = ox_page_chunk (pg->page_index, root->chunks_per_page, i);
  struct ox_segment_index *idx;
  struct ox_segment_frame probe, *f;
  char key[OX_SEGMENT_KEY_MAX];
  uint64_t want_len;

  if (e->flags & OX_CHUNK_ZERO)
    return;
  v->chunks_checked++;
  idx = segment_index (v, pg->segments[e->segment], fatal);
  if (!idx)
    return;
  ox_segment_key (pg->segments[e->segment], key);
  probe.offset = e->offset;
  f = bsearch (&probe, idx->frames, idx->nframes, sizeof *idx->frames,
               cmp_frame_offset);
  want_len = ox_chunk_len (root->volume_size, root->chunk_size, chunk);
  if (!f || f->length != e->length || memcmp (f->id, e->id, OX_ID_LEN) != 0
      || f->plain_len != want_len) {
    ox_error ("%s@%016" PRIx64 " chunk %" PRIu64 ": no matching frame at "
              "offset %" PRIu32 " of segment %s",
              root->volume, root->snapshot_id, chunk, e->offset, key);
    v->problems++;
  }
}

/* Structural check of one snapshot. */
static int
check_structure (struct verify *v, const struct ox_root *root)
{
  struct ox_codec *codec = ox_codec_new (0);
  uint32_t p, i;
  int fatal = 0;

  if (!codec)
    return -1;
  for (p = 0; p < root->npages && !fatal; p++) {
    struct ox_page *pg = NULL;
    if (ox_page_get (v->c->store, &v->c->keys, codec, root->pages[p], p, &pg)
        == -1) {
      if (errno == ENOENT) {
        char key[OX_KEY_MAX];
        ox_page_key (root->pages[p], key);
        ox_error ("%s@%016" PRIx64 ": manifest page %" PRIu32 " (%s) is "
                  "missing",
                  root->volume, root->snapshot_id, p, key);
      }
      v->problems++;
      continue;
    }
    for (i = 0; i < pg->nentries && !fatal; i++)
      check_entry (v, root, pg, i, &fatal);
    ox_page_free (pg);
  }
  ox_codec_free (codec);
  return fatal ? -1 : 0;
}

struct full {
  struct ox_basis *basis;
  uint64_t nchunks;
  atomic_uint_fast64_t next, bad;
};

static void *
full_worker (void *arg)
{
  struct full *f = arg;
  const struct ox_root *root = ox_basis_root (f->basis);
  void *buf = malloc (root->chunk_size);
  struct ox_codec *codec = ox_codec_new (0);

  if (!buf || !codec) {
    ox_error ("out of memory");
    atomic_fetch_add (&f->bad, 1);
    goto out;
  }
  for (;;) {
    uint64_t idx = atomic_fetch_add (&f->next, 1);
    size_t len;
    if (idx >= f->nchunks)
      break;
    if (ox_basis_read_chunk (f->basis, codec, idx, buf, &len) == -1)
      atomic_fetch_add (&f->bad, 1);
  }
out:
  ox_codec_free (codec);
  free (buf);
  return NULL;
}

/* Decode every chunk of one snapshot. ROOT is taken over. */
static int
check_full (struct verify *v, struct ox_root *root)
{
  struct full f;
  pthread_t t[256];
  int i, n = 0, jobs = v->c->jobs > 0 ? v->c->jobs : 2 * cli_default_jobs ();

  memset (&f, 0, sizeof f);
  if (ox_basis_open (v->c->store, &v->c->keys, root, &f.basis) == -1)
    return -1;
  f.nchunks = ox_root_nchunks (ox_basis_root (f.basis));
  if (jobs > 256)
    jobs = 256;
  for (i = 0; i < jobs; i++)
    if (pthread_create (&t[n], NULL, full_worker, &f) == 0)
      n++;
  if (n == 0)
    full_worker (&f);
  for (i = 0; i < n; i++)
    pthread_join (t[i], NULL);
  v->problems += f.bad;
  ox_basis_close (f.basis);
  return 0;
}

/* Report the result of one snapshot: a line, or an element of the JSON
 * "snapshots" array. */
static void
report_one (struct verify *v, const char *volume, uint64_t id, int ok)
{
  if (!v->json_open) {
    printf ("%s@%016" PRIx64 ": %s\n", volume, id, ok ? "ok" : "DAMAGED");
    return;
  }
  ox_json_object (&v->json, NULL);
  ox_json_string (&v->json, "volume", volume);
  ox_json_id (&v->json, "id", id);
  ox_json_bool (&v->json, "ok", ok);
  ox_json_end (&v->json);
}

static int
verify_one (struct verify *v, const char *volume, uint64_t id)
{
  struct ox_root *root = NULL;
  uint64_t before = v->problems;

  v->snapshots++;
  if (ox_root_get (v->c->store, &v->c->keys, volume, id, &root) == -1) {
    v->problems++;
    if (v->json_open) /* the text output has the error message only */
      report_one (v, volume, id, 0);
    return 0;
  }
  if (check_structure (v, root) == -1) {
    ox_root_free (root);
    return -1;
  }
  if (v->c->full && check_full (v, root) == -1)
    return -1;
  if (!v->c->full)
    ox_root_free (root);
  report_one (v, volume, id, v->problems == before);
  return 0;
}

static int
verify_volume (struct verify *v, const char *volume)
{
  uint64_t *ids = NULL;
  size_t n, i;
  int r = 0;

  if (ox_snapshot_list (v->c->store, volume, &ids, &n) == -1)
    return -1;
  for (i = 0; i < n && r == 0; i++)
    r = verify_one (v, volume, ids[i]);
  free (ids);
  return r;
}

/* Close the --json document with the totals; INCOMPLETE when verification
 * stopped early (then it is not ok). */
static int
finish_json (struct verify *v, int incomplete)
{
  ox_json_end (&v->json);
  ox_json_uint (&v->json, "snapshots_checked", v->snapshots);
  ox_json_uint (&v->json, "chunks_checked", v->chunks_checked);
  ox_json_uint (&v->json, "problems", v->problems);
  ox_json_bool (&v->json, "complete", !incomplete);
  ox_json_bool (&v->json, "ok", !incomplete && v->problems == 0);
  ox_json_end (&v->json);
  return ox_json_finish (&v->json);
}

int
cmd_verify (struct cli *c, int argc, char **argv)
{
  struct verify v;
  struct ox_lease *lease = NULL;
  int r = -1;

  if (argc < 1 || argc > 2) {
    ox_error ("usage: oxsnap verify STORE [VOLUME[@ID|:TAG]] [--full]");
    return 2;
  }
  memset (&v, 0, sizeof v);
  v.c = c;
  if (cli_open_store (c, argv[0]) == -1 || !(v.sc.map = ox_idmap_new ()))
    goto out;
  /* A lease without a pin: garbage collection deletes nothing while a
   * verify runs, so that it reports what the store holds, not a race. */
  if (ox_lease_take (c->store, "verify", NULL, &lease) == -1)
    ox_warning ("verifying without a lease: a garbage collection of %s now "
                "could remove what this verify reads",
                argv[0]);
  if (c->json) {
    ox_json_init (&v.json, stdout);
    ox_json_object (&v.json, NULL);
    ox_json_bool (&v.json, "full", c->full);
    ox_json_array (&v.json, "snapshots");
    v.json_open = 1;
  }
  if (argc == 2) {
    struct ox_root *root = NULL;
    if (ox_snapshot_resolve (c->store, &c->keys, &c->hw, argv[1], &root) == -1)
      goto out;
    r = verify_one (&v, root->volume, root->snapshot_id);
    ox_root_free (root);
  } else {
    char **names = NULL;
    size_t n = 0, i;
    if (ox_volume_list (c->store, &names, &n) == -1)
      goto out;
    r = 0;
    for (i = 0; i < n; i++) {
      if (r == 0)
        r = verify_volume (&v, names[i]);
      free (names[i]);
    }
    free (names);
  }
out:
  ox_lease_drop (lease);
  for (size_t i = 0; i < v.sc.n; i++)
    ox_segment_index_free (v.sc.idx[i]);
  free (v.sc.idx);
  ox_idmap_free (v.sc.map);
  if (v.json_open && finish_json (&v, r == -1) == -1)
    r = -1;
  if (r == -1)
    return 1;
  if (!c->quiet)
    fprintf (stderr,
             "oxsnap: verified %" PRIu64 " snapshot(s), %" PRIu64
             " chunks%s: %s\n",
             v.snapshots, v.chunks_checked, c->full ? " decoded" : "",
             v.problems ? "PROBLEMS FOUND" : "all ok");
  return v.problems ? 1 : 0;
}
