/* oxsnap status OVERLAY_DIR: the state of a clone's overlay (see
 * docs/FORMAT.md, section 8): hydration progress, bytes local and still
 * in the store, and the plugin's counters from the overlay's stats file.
 * Reads the files only; works while the plugin runs (the map on disk is
 * as of the plugin's last flush, the counters about a second old). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "ovformat.h"

#define MAP_PIECE (1u << 20) /* bytes of the map read at a time */

/* What status prints, gathered from the three files. */
struct status {
  struct ox_ovheader h;
  char snapshot[17];
  uint64_t nblocks, local_blocks;
  int have_stats;
  struct ox_ovstats st; /* all 0 when the file is missing */
};

/* Read at most MAX + 1 bytes of DIR/NAME into a malloc'd *TEXT (so that
 * a parser sees and refuses a longer file) and its path into PATH. Returns
 * the length, or -1 with errno (not reported). */
static ssize_t
read_small (const char *dir, const char *name, size_t max, char **text,
            char *path, size_t size)
{
  CLEANUP_CLOSE int fd = -1;
  ssize_t r;

  snprintf (path, size, "%s/%s", dir, name);
  *text = NULL;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (*text = malloc (max + 1)) == NULL)
    return -1;
  r = ox_read_full (fd, *text, max + 1);
  if (r < 0) {
    free (*text);
    *text = NULL;
  }
  return r;
}

/* Read and parse the header DIR/ox-overlay. */
static int
read_header (const char *dir, struct status *s)
{
  char path[4096 + 32];
  CLEANUP_FREE char *text = NULL;
  ssize_t len = read_small (dir, OX_OVHEADER_NAME, OX_OVHEADER_MAX, &text,
                            path, sizeof path);

  if (len < 0) {
    ox_error ("%s: %m (not an ox overlay directory?)", path);
    return -1;
  }
  if (ox_ovheader_parse (path, text, (size_t)len, &s->h) == -1)
    return -1;
  ox_snapshot_id_format (s->h.snapshot_id, s->snapshot);
  s->nblocks = ox_ovmap_nblocks (s->h.volume_size);
  return 0;
}

/* Count the local blocks in DIR/map, a piece at a time. */
static int
read_map (const char *dir, struct status *s)
{
  char path[4096 + 32];
  CLEANUP_CLOSE int fd = -1;
  CLEANUP_FREE uint64_t *piece = NULL;
  struct stat st;
  uint64_t len, off;

  snprintf (path, sizeof path, "%s/" OX_OVMAP_NAME, dir);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) == -1) {
    ox_error ("%s: %m", path);
    return -1;
  }
  len = (uint64_t)st.st_size;
  if (ox_ovmap_check_len (path, len, s->h.volume_size) == -1)
    return -1;
  piece = malloc (MAP_PIECE);
  if (piece == NULL) {
    ox_error ("%s: %m", path);
    return -1;
  }
  for (off = 0; off < len; off += MAP_PIECE) {
    size_t n = len - off < MAP_PIECE ? (size_t)(len - off) : MAP_PIECE;
    ssize_t r = ox_pread_full (fd, piece, n, off);
    if (r < 0 || (size_t)r < n) {
      if (r >= 0)
        errno = EIO; /* the file shrank under us */
      ox_error ("%s: read: %m", path);
      return -1;
    }
    s->local_blocks += ox_ovmap_decode (piece, n, off, s->nblocks, piece);
  }
  return 0;
}

/* Read the counters in DIR/stats, if the plugin wrote it: a corrupt file
 * is shown as none, with a warning (it is informational). */
static void
read_stats (const char *dir, struct status *s)
{
  char path[4096 + 32];
  CLEANUP_FREE char *text = NULL;
  ssize_t len = read_small (dir, OX_OVSTATS_NAME, OX_OVSTATS_MAX, &text, path,
                            sizeof path);
  const char *why;

  if (len < 0) {
    if (errno != ENOENT)
      ox_warning ("%s: %m; counters not shown", path);
    return;
  }
  if (ox_ovstats_parse (text, (size_t)len, &s->st, &why) == -1) {
    ox_warning ("%s: %s; counters not shown", path, why);
    return;
  }
  s->have_stats = 1;
}

/* BYTES in human units into BUF. */
static const char *
human (uint64_t bytes, char *buf, size_t size)
{
  static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
  double v = bytes;
  int i = 0;

  while (v >= 1024 && i < 5)
    v /= 1024, i++;
  snprintf (buf, size, i ? "%.1f %s" : "%.0f %s", v, u[i]);
  return buf;
}

static const char *const class_names[3]
    = { "demand", "readahead", "background" };

/* The state as a word for scripts and as a phrase for people. */
static const char *
state_of (const struct status *s, int for_json)
{
  if (s->h.complete)
    return for_json ? "complete" : "complete: detached from the store";
  if (s->st.hydrate == OX_OVSTATS_HYDRATE_ON)
    return "hydrating";
  if (s->have_stats)
    return for_json ? "on_demand" : "on demand (hydration off)";
  return for_json ? "unknown" : "unknown (no statistics yet)";
}

/* The share of read pieces served from the overlay alone, in percent. */
static double
hit_rate (const struct status *s)
{
  uint64_t n = s->st.local_reads + s->st.basis_reads;
  return n ? 100.0 * s->st.local_reads / n : 0.0;
}

/* The status of overlay DIR as one JSON document (see oxsnap(1)). */
static int
print_json (const char *dir, const struct status *s, uint64_t local)
{
  struct ox_json j;

  ox_json_init (&j, stdout);
  ox_json_object (&j, NULL);
  ox_json_string (&j, "overlay", dir);
  ox_json_string (&j, "volume", s->h.volume);
  ox_json_string (&j, "snapshot", s->snapshot);
  ox_json_string (&j, "store_url", s->h.store_url);
  ox_json_uint (&j, "volume_size", s->h.volume_size);
  ox_json_uint (&j, "chunk_size", s->h.chunk_size);
  ox_json_string (&j, "state", state_of (s, 1));
  ox_json_bool (&j, "complete", s->h.complete);
  ox_json_uint (&j, "blocks", s->nblocks);
  ox_json_uint (&j, "local_blocks", s->local_blocks);
  ox_json_uint (&j, "local_bytes", local);
  ox_json_uint (&j, "remote_bytes", s->h.volume_size - local);
  if (!s->have_stats)
    ox_json_null (&j, "stats");
  else {
    ox_json_object (&j, "stats");
    ox_json_uint (&j, "runs", s->st.runs);
    ox_json_uint (&j, "runtime_ms", s->st.runtime_ms);
    ox_json_uint (&j, "updated", s->st.updated);
    ox_json_string (&j, "hydrate", ox_ovstats_hydrate_name (s->st.hydrate));
    ox_json_uint (&j, "fetches",
                  s->st.fetches[0] + s->st.fetches[1] + s->st.fetches[2]);
    ox_json_uint (&j, "fetched_bytes",
                  s->st.bytes[0] + s->st.bytes[1] + s->st.bytes[2]);
    for (int i = 0; i < 3; i++) {
      ox_json_object (&j, class_names[i]);
      ox_json_uint (&j, "fetches", s->st.fetches[i]);
      ox_json_uint (&j, "bytes", s->st.bytes[i]);
      ox_json_uint (&j, "rate", s->st.rate[i]);
      ox_json_end (&j);
    }
    ox_json_uint (&j, "reads", s->st.reads);
    ox_json_uint (&j, "writes", s->st.writes);
    ox_json_uint (&j, "errors", s->st.errors);
    ox_json_uint (&j, "fetch_errors", s->st.fetch_errors);
    ox_json_uint (&j, "local_reads", s->st.local_reads);
    ox_json_uint (&j, "basis_reads", s->st.basis_reads);
    ox_json_double (&j, "hit_rate", hit_rate (s));
    ox_json_end (&j);
  }
  ox_json_end (&j);
  return ox_json_finish (&j) == -1 ? 1 : 0;
}

/* The counters of the stats file, for people. */
static void
print_stats (const struct status *s)
{
  char h[4][32];
  uint64_t fetched = s->st.bytes[0] + s->st.bytes[1] + s->st.bytes[2];

  /* One buffer per %s: arguments are all evaluated before printing. */
  printf ("fetched:      %" PRIu64 " bytes (%s) in %" PRIu64
          " fetches: demand %" PRIu64 " (%s), readahead %" PRIu64
          " (%s), background %" PRIu64 " (%s)\n",
          fetched, human (fetched, h[0], sizeof h[0]),
          s->st.fetches[0] + s->st.fetches[1] + s->st.fetches[2],
          s->st.fetches[0], human (s->st.bytes[0], h[1], sizeof h[1]),
          s->st.fetches[1], human (s->st.bytes[1], h[2], sizeof h[2]),
          s->st.fetches[2], human (s->st.bytes[2], h[3], sizeof h[3]));
  printf ("hit rate:     %.1f%% of read pieces served locally (%" PRIu64
          " local, %" PRIu64 " from the store)\n",
          hit_rate (s), s->st.local_reads, s->st.basis_reads);
  printf ("requests:     %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64
          " errors, %" PRIu64 " fetch errors\n",
          s->st.reads, s->st.writes, s->st.errors, s->st.fetch_errors);
  printf ("rates:        demand %s/s, readahead %s/s, background %s/s\n",
          human (s->st.rate[0], h[0], sizeof h[0]),
          human (s->st.rate[1], h[1], sizeof h[1]),
          human (s->st.rate[2], h[2], sizeof h[2]));
  printf ("runs:         %" PRIu64 " (%" PRIu64 " s served); counters "
          "updated %lld s ago\n",
          s->st.runs, s->st.runtime_ms / 1000,
          s->st.updated ? (long long)time (NULL) - (long long)s->st.updated
                        : -1LL);
}

int
cmd_status (struct cli *c, int argc, char **argv)
{
  struct status s;
  char h1[32];
  uint64_t local, remote;

  if (argc != 1) {
    ox_error ("usage: oxsnap status OVERLAY_DIR");
    return 2;
  }
  memset (&s, 0, sizeof s);
  if (read_header (argv[0], &s) == -1 || read_map (argv[0], &s) == -1)
    return 1;
  read_stats (argv[0], &s);
  local = s.local_blocks * OX_OV_BLOCK_SIZE;
  if (local > s.h.volume_size)
    local = s.h.volume_size;
  remote = s.h.volume_size - local;
  if (c->json)
    return print_json (argv[0], &s, local);

  printf ("overlay:      %s\n", argv[0]);
  printf ("clone of:     %s@%s\n", s.h.volume, s.snapshot);
  printf ("store:        %s\n", s.h.store_url);
  printf ("volume size:  %" PRIu64 " bytes (%s), chunk size %" PRIu64 "\n",
          s.h.volume_size, human (s.h.volume_size, h1, sizeof h1),
          (uint64_t)s.h.chunk_size);
  printf ("state:        %s\n", state_of (&s, 0));
  printf ("progress:     %.1f%% local (%" PRIu64 " of %" PRIu64 " blocks)\n",
          s.nblocks ? 100.0 * s.local_blocks / s.nblocks : 100.0,
          s.local_blocks, s.nblocks);
  printf ("local:        %" PRIu64 " bytes (%s)\n", local,
          human (local, h1, sizeof h1));
  printf ("remote:       %" PRIu64 " bytes (%s) still read from the store\n",
          remote, human (remote, h1, sizeof h1));
  if (s.have_stats)
    print_stats (&s);
  return 0;
}
