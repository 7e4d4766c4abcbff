/* oxsnap snapshot: the command's options, messages and progress line;
 * the snapshot itself is written by the writer library (repo/writer.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "progress.h"
#include "source.h"
#include "units.h"
#include "writer.h"

static int
check_options (struct cli *c)
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

/* The source file or device as the writer reads it. */
static int
source_read_cb (void *opaque, void *buf, size_t len, uint64_t offset)
{
  return source_read (opaque, buf, len, offset);
}

static uint64_t
source_next_data_cb (void *opaque, uint64_t offset)
{
  return source_next_data (opaque, offset);
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

static void
print_summary (const char *volume, const struct ox_writer_stats *st,
               double secs)
{
  char a[32], b[32], id[17];

  ox_snapshot_id_format (st->snapshot_id, id);
  fprintf (stderr,
           "oxsnap: snapshot %s@%s: %s volume, %" PRIu64 " chunks (%" PRIu64
           " with data, %" PRIu64 " deduplicated), %s stored in %zu "
           "segments, %.2f s, %.1f MB/s\n",
           volume, id, ox_format_size (st->volume_size, a, sizeof a),
           st->nchunks, st->data_chunks, st->dedup_chunks,
           ox_format_size (st->stored_bytes, b, sizeof b), st->nsegments, secs,
           st->volume_size / 1e6 / (secs > 1e-6 ? secs : 1e-6));
}

int
cmd_snapshot (struct cli *c, int argc, char **argv)
{
  struct source src;
  struct ox_writer_source ws;
  struct ox_writer_options o;
  struct ox_writer_stats stats;
  struct snap_progress sp;
  double t0 = progress_now ();
  char id[17];
  int r = 1;

  if (argc != 2) {
    ox_error ("usage: oxsnap snapshot SOURCE STORE --volume NAME [options]");
    return 2;
  }
  memset (&src, 0, sizeof src);
  src.fd = -1;
  if (c->jobs > 256)
    c->jobs = 256;
  if (check_options (c) == -1) {
    r = 2;
    goto out;
  }
  if (source_open (&src, argv[0]) == -1 || cli_open_store (c, argv[1]) == -1)
    goto out;
  ws = (struct ox_writer_source){ .name = argv[0],
                                  .size = src.size,
                                  .opaque = &src,
                                  .read = source_read_cb,
                                  .next_data = source_next_data_cb };
  memset (&sp, 0, sizeof sp);
  sp.enabled = c->progress;
  ox_writer_options_default (&o);
  o.chunk_size = (uint32_t)c->chunk_size;
  o.segment_size = c->segment_size;
  o.jobs = c->jobs;
  o.compress_level = c->compress_level;
  o.progress = show_progress;
  o.progress_arg = &sp;
  if (ox_writer_snapshot (c->store, &c->keys, &ws, c->volume, &o, &stats)
      == -1)
    goto out;
  if (c->tag
      && ox_tag_put (c->store, c->volume, c->tag, stats.snapshot_id) == -1)
    goto out;
  ox_snapshot_id_format (stats.snapshot_id, id);
  printf ("%s\n", id);
  if (!c->quiet)
    print_summary (c->volume, &stats, progress_now () - t0);
  r = 0;
out:
  source_close (&src);
  return r;
}
