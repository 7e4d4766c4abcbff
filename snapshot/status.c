/* oxsnap status OVERLAY_DIR: the state of a clone's overlay (see
 * docs/FORMAT.md, section 8): hydration progress, bytes local and still
 * in the store, and the plugin's counters from the overlay's stats file.
 * Reads the files only; works while the plugin runs (the map on disk is
 * as of the plugin's last flush, the counters a few seconds old). */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "log.h"

#define BLOCK 4096

/* What status prints, gathered from the three files. */
struct status {
  char volume[256], snapshot[32], store_url[4096];
  uint64_t volume_size, chunk_size;
  int complete;
  uint64_t nblocks, local_blocks;
  /* From the stats file (all 0 when it is missing). */
  int have_stats;
  uint64_t updated, runs, runtime;
  uint64_t fetches[3], bytes[3], rate[3];
  uint64_t fetch_errors, reads, local_reads, basis_reads, writes, errors;
  char hydrate[16];
};

/* Copy the value of "KEY=" from LINE into BUF (SIZE bytes) if it matches. */
static int
field (const char *line, const char *key, char *buf, size_t size)
{
  size_t n = strlen (key);
  if (strncmp (line, key, n) != 0 || line[n] != '=')
    return 0;
  /* A copy, not snprintf: gcc -O3 warns that "%s" may truncate. */
  const char *value = line + n + 1;
  size_t len = strcspn (value, "\n");
  if (len >= size)
    len = size - 1;
  memcpy (buf, value, len);
  buf[len] = '\0';
  return 1;
}

/* Parse the header DIR/ox-overlay. */
static int
read_header (const char *dir, struct status *s)
{
  char path[4096 + 32], line[4200], v[64];
  FILE *f;
  int ok = 0;

  snprintf (path, sizeof path, "%s/ox-overlay", dir);
  f = fopen (path, "re");
  if (f == NULL) {
    ox_error ("%s: %m (not an ox overlay directory?)", path);
    return -1;
  }
  if (fgets (line, sizeof line, f) == NULL
      || strcmp (line, "ox-overlay 1\n") != 0) {
    ox_error ("%s: not an ox overlay header (version 1)", path);
    fclose (f);
    return -1;
  }
  while (fgets (line, sizeof line, f)) {
    if (field (line, "volume", s->volume, sizeof s->volume)
        || field (line, "snapshot", s->snapshot, sizeof s->snapshot)
        || field (line, "store-url", s->store_url, sizeof s->store_url))
      ok |= 1;
    else if (field (line, "volume-size", v, sizeof v)) {
      s->volume_size = strtoull (v, NULL, 10);
      ok |= 2;
    } else if (field (line, "chunk-size", v, sizeof v))
      s->chunk_size = strtoull (v, NULL, 10);
    else if (field (line, "complete", v, sizeof v))
      s->complete = strcmp (v, "1") == 0;
  }
  fclose (f);
  if (ok != 3 || s->volume_size == 0) {
    ox_error ("%s: fields are missing", path);
    return -1;
  }
  s->nblocks = (s->volume_size + BLOCK - 1) / BLOCK;
  return 0;
}

/* Count the local blocks in DIR/map. */
static int
read_map (const char *dir, struct status *s)
{
  char path[4096 + 32];
  uint64_t word, blk = 0;
  FILE *f;

  snprintf (path, sizeof path, "%s/map", dir);
  f = fopen (path, "re");
  if (f == NULL) {
    ox_error ("%s: %m", path);
    return -1;
  }
  while (blk < s->nblocks && fread (&word, 8, 1, f) == 1) {
    word = le64toh (word);
    if (s->nblocks - blk < 64)
      word &= (UINT64_C (1) << (s->nblocks - blk)) - 1;
    s->local_blocks += __builtin_popcountll (word);
    blk += 64;
  }
  fclose (f);
  if (blk < s->nblocks) {
    ox_error ("%s: too short for %" PRIu64 " blocks", path, s->nblocks);
    return -1;
  }
  return 0;
}

/* Read the counters in DIR/stats, if the plugin wrote it. */
static void
read_stats (const char *dir, struct status *s)
{
  static const char *const cls[3] = { "demand", "readahead", "background" };
  char path[4096 + 32], line[256], key[64], v[64];
  FILE *f;

  snprintf (path, sizeof path, "%s/stats", dir);
  f = fopen (path, "re");
  if (f == NULL)
    return;
  s->have_stats = 1;
  while (fgets (line, sizeof line, f)) {
    struct {
      const char *name;
      uint64_t *p;
    } map[] = {
      { "updated", &s->updated },
      { "runs", &s->runs },
      { "runtime_s", &s->runtime },
      { "fetch_errors", &s->fetch_errors },
      { "reads", &s->reads },
      { "local_reads", &s->local_reads },
      { "basis_reads", &s->basis_reads },
      { "writes", &s->writes },
      { "errors", &s->errors },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
      if (field (line, map[i].name, v, sizeof v))
        *map[i].p = strtoull (v, NULL, 10);
    for (int i = 0; i < 3; i++) {
      snprintf (key, sizeof key, "%s_fetches", cls[i]);
      if (field (line, key, v, sizeof v))
        s->fetches[i] = strtoull (v, NULL, 10);
      snprintf (key, sizeof key, "%s_bytes", cls[i]);
      if (field (line, key, v, sizeof v))
        s->bytes[i] = strtoull (v, NULL, 10);
      snprintf (key, sizeof key, "%s_rate", cls[i]);
      if (field (line, key, v, sizeof v))
        s->rate[i] = strtoull (v, NULL, 10);
    }
    field (line, "hydrate", s->hydrate, sizeof s->hydrate);
  }
  fclose (f);
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

int
cmd_status (struct cli *c, int argc, char **argv)
{
  struct status s;
  char h1[32], h2[32], h3[32];
  uint64_t local, remote, fetched;
  const char *state;

  (void)c;
  if (argc != 1) {
    ox_error ("usage: oxsnap status OVERLAY_DIR");
    return 2;
  }
  memset (&s, 0, sizeof s);
  if (read_header (argv[0], &s) == -1 || read_map (argv[0], &s) == -1)
    return 1;
  read_stats (argv[0], &s);
  local = s.local_blocks * BLOCK;
  if (local > s.volume_size)
    local = s.volume_size;
  remote = s.volume_size - local;
  fetched = s.bytes[0] + s.bytes[1] + s.bytes[2];
  if (s.complete)
    state = "complete: detached from the store";
  else if (strcmp (s.hydrate, "on") == 0)
    state = "hydrating";
  else if (s.have_stats)
    state = "on demand (hydration off)";
  else
    state = "unknown (no statistics yet)";

  printf ("overlay:      %s\n", argv[0]);
  printf ("clone of:     %s@%s\n", s.volume, s.snapshot);
  printf ("store:        %s\n", s.store_url);
  printf ("volume size:  %" PRIu64 " bytes (%s), chunk size %" PRIu64 "\n",
          s.volume_size, human (s.volume_size, h1, sizeof h1), s.chunk_size);
  printf ("state:        %s\n", state);
  printf ("progress:     %.1f%% local (%" PRIu64 " of %" PRIu64 " blocks)\n",
          s.nblocks ? 100.0 * s.local_blocks / s.nblocks : 100.0,
          s.local_blocks, s.nblocks);
  printf ("local:        %" PRIu64 " bytes (%s)\n", local,
          human (local, h1, sizeof h1));
  printf ("remote:       %" PRIu64 " bytes (%s) still read from the store\n",
          remote, human (remote, h1, sizeof h1));
  if (!s.have_stats)
    return 0;
  printf ("fetched:      %" PRIu64 " bytes (%s) in %" PRIu64
          " fetches: demand %" PRIu64 " (%s), readahead %" PRIu64
          " (%s), background %" PRIu64 " (%s)\n",
          fetched, human (fetched, h1, sizeof h1),
          s.fetches[0] + s.fetches[1] + s.fetches[2], s.fetches[0],
          human (s.bytes[0], h2, sizeof h2), s.fetches[1],
          human (s.bytes[1], h3, sizeof h3), s.fetches[2],
          human (s.bytes[2], h1, sizeof h1));
  printf ("hit rate:     %.1f%% of read pieces served locally (%" PRIu64
          " local, %" PRIu64 " from the store)\n",
          s.local_reads + s.basis_reads
              ? 100.0 * s.local_reads / (s.local_reads + s.basis_reads)
              : 0.0,
          s.local_reads, s.basis_reads);
  printf ("requests:     %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64
          " errors, %" PRIu64 " fetch errors\n",
          s.reads, s.writes, s.errors, s.fetch_errors);
  printf ("rates:        demand %s/s, readahead %s/s, background %s/s\n",
          human (s.rate[0], h1, sizeof h1), human (s.rate[1], h2, sizeof h2),
          human (s.rate[2], h3, sizeof h3));
  printf ("runs:         %" PRIu64 " (%" PRIu64 " s served); counters "
          "updated %lld s ago\n",
          s.runs, s.runtime,
          s.updated ? (long long)time (NULL) - (long long)s.updated : -1LL);
  return 0;
}
