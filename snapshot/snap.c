/* oxsnap snapshot: the command's options, messages and progress line;
 * the snapshot itself is written by the writer library (repo/writer.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"

#include "catalog.h"
#include "cli.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "nbdsource.h"
#include "ovsource.h"
#include "progress.h"
#include "source.h"
#include "units.h"
#include "writer.h"

/* Chunks that a dirty bitmap calls unchanged and that are read and
 * compared with the parent's anyway: a bitmap started at another
 * snapshot than --parent is refused (writer.h, check_unchanged). */
#define CHECK_UNCHANGED 32

/* The options' values; SIZES: also the chunk and segment sizes (checked
 * once the parent's chunk size, the default, is known). */
static int
check_options (struct cli *c, int sizes)
{
  if (!c->volume) {
    ox_error ("snapshot: --volume NAME is required");
    return -1;
  }
  if (!ox_name_valid (c->volume)) {
    ox_error ("invalid volume name '%s' (use 1-128 of A-Z a-z 0-9 . _ -)",
              c->volume);
    return -1;
  }
  if (c->tag && !ox_name_valid (c->tag)) {
    ox_error ("invalid tag name '%s'", c->tag);
    return -1;
  }
  if (c->full && c->parent) {
    ox_error ("snapshot: --full and --parent exclude each other");
    return -1;
  }
  if (c->dirty_bitmap && !c->parent) {
    ox_error ("snapshot: --dirty-bitmap needs --parent: the snapshot the "
              "bitmap was started at");
    return -1;
  }
  if (!sizes)
    return 0;
  if (!ox_chunk_size_valid (c->chunk_size)) {
    ox_error ("--chunk-size must be a power of two from 4K to 64M");
    return -1;
  }
  if (c->segment_size < c->chunk_size * 2 || c->segment_size > (1ull << 31)) {
    ox_error ("--segment-size must be at least twice the chunk size and at "
              "most 2G");
    return -1;
  }
  return 0;
}

/* The snapshots an incremental snapshot shares with: the parent, and the
 * newest snapshot of every other volume of the store (store-wide dedup). */
struct parents {
  struct ox_basis *parent;
  struct ox_basis **also;
  size_t nalso;
};

static void
parents_close (struct parents *p)
{
  ox_basis_close (p->parent);
  while (p->nalso > 0)
    ox_basis_close (p->also[--p->nalso]);
  free (p->also);
}

/* Open the basis of snapshot SPEC into *B. Returns 0 or -1. */
static int
open_spec (struct cli *c, const struct ox_highwater *hw, const char *spec,
           struct ox_basis **b)
{
  struct ox_root *root;

  if (ox_snapshot_resolve (c->store, &c->keys, hw, spec, &root) == -1)
    return -1;
  return ox_basis_open (c->store, &c->keys, root, b);
}

/* The parent: --parent's, none with --full, else the volume's newest
 * snapshot if it has one. Its chunk size is the default. */
static int
open_parent (struct cli *c, struct parents *p)
{
  uint64_t *ids = NULL;
  size_t n = 0;
  uint32_t cs;

  /* The volume written is checked for rollback whatever the parent, so
   * that publishing (which raises the mark) cannot hide a rollback. */
  if (ox_snapshot_list (c->store, c->volume, &ids, &n) == -1)
    return -1;
  free (ids);
  if (n == 0) {
    if (ox_rollback_check (c->store, &c->keys, &c->hw, c->volume, 0) == -1)
      return -1;
  } else if (c->full || c->parent) {
    struct ox_root *own;

    /* Resolved (authenticated, then checked) but not used. */
    if (ox_snapshot_resolve (c->store, &c->keys, &c->hw, c->volume, &own)
        == -1)
      return -1;
    ox_root_free (own);
  }
  if (c->full || (n == 0 && !c->parent))
    return 0; /* --full, or the first snapshot of the volume */
  if (open_spec (c, &c->hw, c->parent ? c->parent : c->volume, &p->parent)
      == -1)
    return -1;
  cs = ox_basis_root (p->parent)->chunk_size;
  if (!c->chunk_size_given)
    c->chunk_size = cs;
  else if (c->chunk_size != cs) {
    ox_error ("snapshot: --chunk-size %" PRIu64 " differs from the parent's "
              "(%s: %" PRIu32 " bytes); give the parent's, or --full",
              c->chunk_size, ox_basis_root (p->parent)->volume, cs);
    return -1;
  }
  return 0;
}

/* The newest snapshot of every volume that is neither ours nor the
 * parent's, of our chunk size. Returns 0 or -1. */
static int
open_others (struct cli *c, struct parents *p)
{
  const char *pv = p->parent ? ox_basis_root (p->parent)->volume : "";
  char **names = NULL;
  size_t n = 0, i;
  int r = 0;

  if (c->full || ox_volume_list (c->store, &names, &n) == -1)
    return c->full ? 0 : -1;
  p->also = calloc (n ? n : 1, sizeof *p->also);
  if (!p->also) {
    ox_error ("out of memory");
    r = -1;
  }
  for (i = 0; i < n; i++) {
    struct ox_basis *b;
    if (r == 0 && strcmp (names[i], c->volume) != 0
        && strcmp (names[i], pv) != 0) {
      /* Only for sharing frames: not rollback-checked, no mark moves. */
      if (open_spec (c, NULL, names[i], &b) == -1)
        r = -1;
      else if (ox_basis_root (b)->chunk_size != c->chunk_size)
        ox_basis_close (b);
      else
        p->also[p->nalso++] = b;
    }
    free (names[i]);
  }
  free (names);
  return r;
}

/* The source: a file or device, an NBD export (nbdsource.h), or a
 * clone's overlay (ovsource.h). */
enum source_kind { SOURCE_FILE, SOURCE_NBD, SOURCE_OVERLAY };
struct snap_source {
  enum source_kind kind;
  struct source file;
  struct nbd_source nbd;
  struct ov_source ov;
};

static int
file_read_cb (void *opaque, void *buf, size_t len, uint64_t offset)
{
  return source_read (opaque, buf, len, offset);
}

static uint64_t
file_next_data_cb (void *opaque, uint64_t offset)
{
  return source_next_data (opaque, offset);
}

static int
nbd_read_cb (void *opaque, void *buf, size_t len, uint64_t offset)
{
  return nbd_source_read (opaque, buf, len, offset);
}

static uint64_t
nbd_next_data_cb (void *opaque, uint64_t offset)
{
  return nbd_source_next_data (opaque, offset);
}

static uint64_t
nbd_next_dirty_cb (void *opaque, uint64_t offset)
{
  return nbd_source_next_dirty (opaque, offset);
}

static int
ov_read_cb (void *opaque, void *buf, size_t len, uint64_t offset)
{
  return ov_source_read (opaque, buf, len, offset);
}

static uint64_t
ov_next_local_cb (void *opaque, uint64_t offset)
{
  return ov_source_next_local (opaque, offset);
}

/* Open the clone's overlay DIR into *SS: its parent is its basis (which
 * --parent and --full may not change). Returns 0, -1 or -2. */
static int
open_overlay (struct snap_source *ss, struct cli *c, const char *dir,
              struct ox_writer_source *ws)
{
  if (c->parent || c->full) {
    ox_error ("snapshot: a clone's overlay is snapshotted against its basis: "
              "no --parent or --full");
    return -2;
  }
  if (ov_source_open (&ss->ov, dir) == -1)
    return -1;
  c->parent = ss->ov.spec;
  ws->size = ss->ov.size;
  ws->opaque = &ss->ov;
  ws->read = ov_read_cb;
  ws->next_changed = ov_next_local_cb;
  return 0;
}

/* Open SOURCE (as --dirty-bitmap asks) into *SS, and describe it for the
 * writer in *WS. Returns 0, -1 (reported) or -2 (a usage error). */
static int
snap_source_open (struct snap_source *ss, struct cli *c, const char *source,
                  struct ox_writer_source *ws)
{
  memset (ws, 0, sizeof *ws);
  ws->name = source;
  ss->kind = nbd_source_is_uri (source)      ? SOURCE_NBD
             : ov_source_is_overlay (source) ? SOURCE_OVERLAY
                                             : SOURCE_FILE;
  if (c->dirty_bitmap && ss->kind != SOURCE_NBD) {
    ox_error ("snapshot: --dirty-bitmap needs an NBD source (nbd://... or "
              "nbd+unix://...), not %s",
              source);
    return -2;
  }
  if (ss->kind == SOURCE_OVERLAY)
    return open_overlay (ss, c, source, ws);
  if (ss->kind == SOURCE_NBD) {
    if (nbd_source_open (&ss->nbd, source, c->dirty_bitmap) == -1)
      return -1;
    ws->size = ss->nbd.size;
    ws->opaque = &ss->nbd;
    ws->read = nbd_read_cb;
    ws->next_data = nbd_next_data_cb;
    ws->next_changed = c->dirty_bitmap ? nbd_next_dirty_cb : NULL;
    return 0;
  }
  if (source_open (&ss->file, source) == -1)
    return -1;
  ws->size = ss->file.size;
  ws->opaque = &ss->file;
  ws->read = file_read_cb;
  ws->next_data = file_next_data_cb;
  return 0;
}

static void
snap_source_close (struct snap_source *ss)
{
  if (ss->kind == SOURCE_NBD)
    nbd_source_close (&ss->nbd);
  else if (ss->kind == SOURCE_OVERLAY)
    ov_source_close (&ss->ov);
  else
    source_close (&ss->file);
}

/* A change list (a dirty bitmap) must describe the parent's whole volume:
 * one of another size is refused. Returns 0 or -1. */
static int
check_change_list (const struct ox_writer_source *ws, const struct parents *p)
{
  const struct ox_root *r;
  char pid[17];

  if (!ws->next_changed)
    return 0;
  r = ox_basis_root (p->parent);
  if (r->volume_size == ws->size)
    return 0;
  ox_snapshot_id_format (r->snapshot_id, pid);
  ox_error ("snapshot: %s is %" PRIu64
            " bytes but the parent %s@%s is %" PRIu64
            ": a dirty bitmap cannot span a resize; snapshot without "
            "--dirty-bitmap",
            ws->name, ws->size, r->volume, pid, r->volume_size);
  return -1;
}

/* The progress line, started when the writer starts packing. */
struct snap_progress {
  int enabled, started;
  struct progress p;
};

static void
show_progress (void *arg, uint64_t done, uint64_t total, int finished)
{
  struct snap_progress *sp = arg;

  if (!sp->started) {
    progress_start (&sp->p, sp->enabled, "snapshot", total);
    sp->started = 1;
    return;
  }
  progress_update (&sp->p, done);
  if (finished)
    progress_end (&sp->p);
}

/* The summary line: what was written, and where an incremental snapshot
 * came from (its parent, how many chunks earlier snapshots held). */
static void
print_summary (const char *volume, const struct parents *p,
               const struct ox_writer_stats *st, double secs)
{
  char a[32], b[32], id[17], pid[17], from[OX_NAME_MAX + 64] = "";

  ox_snapshot_id_format (st->snapshot_id, id);
  if (p->parent) {
    const struct ox_root *r = ox_basis_root (p->parent);
    ox_snapshot_id_format (r->snapshot_id, pid);
    snprintf (from, sizeof from, "; incremental from %s@%s", r->volume, pid);
  }
  fprintf (stderr,
           "oxsnap: snapshot %s@%s: %s volume, %" PRIu64 " chunks (%" PRIu64
           " with data, %" PRIu64 " deduplicated), %s stored in %zu "
           "segments, %.2f s, %.1f MB/s%s",
           volume, id, ox_format_size (st->volume_size, a, sizeof a),
           st->nchunks, st->data_chunks, st->dedup_chunks,
           ox_format_size (st->stored_bytes, b, sizeof b), st->nsegments, secs,
           st->volume_size / 1e6 / (secs > 1e-6 ? secs : 1e-6), from);
  if (st->resumed_segments)
    fprintf (stderr, "; resumed %zu segment%s of an interrupted snapshot",
             st->resumed_segments, st->resumed_segments == 1 ? "" : "s");
  if (p->parent || p->nalso)
    fprintf (stderr, "%s %" PRIu64 " chunks stored before",
             p->parent ? "," : ";", st->reused_chunks);
  if (st->unread_chunks)
    fprintf (stderr, " (%" PRIu64 " unchanged, not read)", st->unread_chunks);
  fprintf (stderr, "\n");
}

int
cmd_snapshot (struct cli *c, int argc, char **argv)
{
  struct snap_source src;
  struct ox_writer_source ws;
  struct ox_writer_options o;
  struct ox_writer_stats stats;
  struct snap_progress sp;
  struct parents par;
  struct ox_lease *lease = NULL;
  double t0 = progress_now ();
  char id[17];
  int r = 1;

  if (argc != 2) {
    ox_error ("usage: oxsnap snapshot SOURCE STORE --volume NAME [options]");
    return 2;
  }
  memset (&src, 0, sizeof src);
  memset (&par, 0, sizeof par);
  src.file.fd = -1;
  if (c->jobs > 256)
    c->jobs = 256;
  if (check_options (c, c->full || c->chunk_size_given) == -1) {
    r = 2;
    goto out;
  }
  switch (snap_source_open (&src, c, argv[0], &ws)) {
  case -2:
    r = 2;
    goto out;
  case -1:
    goto out;
  }
  /* The lease first: garbage collection must know of this writer before
   * it reads the roots whose frames it may reference. */
  if (cli_open_store (c, argv[1]) == -1
      || ox_lease_take (c->store, "snapshot", NULL, &lease) == -1
      || open_parent (c, &par) == -1 || check_change_list (&ws, &par) == -1
      || (src.kind == SOURCE_OVERLAY
          && ov_source_attach (&src.ov, &c->keys, par.parent) == -1))
    goto out;
  if (check_options (c, 1) == -1) {
    r = 2;
    goto out;
  }
  if (open_others (c, &par) == -1)
    goto out;
  memset (&sp, 0, sizeof sp);
  sp.enabled = c->progress;
  ox_writer_options_default (&o);
  o.chunk_size = (uint32_t)c->chunk_size;
  o.segment_size = c->segment_size;
  o.jobs = c->jobs;
  o.compress_level = c->compress_level;
  o.progress = show_progress;
  o.progress_arg = &sp;
  o.parent = par.parent;
  o.also = par.also;
  o.nalso = par.nalso;
  o.resume = 1;
  o.lease = lease;
  /* A dirty bitmap is checked; an overlay's map is the clone itself. */
  o.check_unchanged = c->dirty_bitmap ? CHECK_UNCHANGED : 0;
  if (ox_writer_snapshot (c->store, &c->keys, &ws, c->volume, &o, &stats)
      == -1)
    goto out;
  /* Published: a mark that cannot be written is a warning, not a failed
   * snapshot (the snapshot exists; a failure would skip its tag). */
  if (ox_highwater_published (c->store, &c->keys, &c->hw, c->volume,
                              stats.snapshot_id)
      == -1)
    ox_warning ("snapshot %s@%016" PRIx64 " is published, but the high-water "
                "mark was not updated",
                c->volume, stats.snapshot_id);
  if (c->tag
      && ox_tag_put (c->store, &c->keys, c->volume, c->tag, stats.snapshot_id)
             == -1)
    goto out;
  ox_snapshot_id_format (stats.snapshot_id, id);
  printf ("%s\n", id);
  if (!c->quiet)
    print_summary (c->volume, &par, &stats, progress_now () - t0);
  r = 0;
out:
  parents_close (&par);
  snap_source_close (&src);
  ox_lease_drop (lease);
  return r;
}
