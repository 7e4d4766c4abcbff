/* oxsnap status OVERLAY_DIR: the state of a clone's overlay (see
 * docs/FORMAT.md, section 8): hydration progress, bytes local and still
 * in the store, and the plugin's counters from the overlay's stats file.
 * Reads the files only; works while the plugin runs (the map on disk is
 * as of the plugin's last flush, the counters about a second old). */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
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
  uint64_t updated, runs, runtime_ms;
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
      { "runtime_ms", &s->runtime_ms },
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
    /* Files of older versions kept whole seconds only. */
    if (field (line, "runtime_s", v, sizeof v) && s->runtime_ms == 0)
      s->runtime_ms = strtoull (v, NULL, 10) * 1000;
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

static const char *const class_names[3]
    = { "demand", "readahead", "background" };

/* The state as a word for scripts and as a phrase for people. */
static const char *
state_of (const struct status *s, int for_json)
{
  if (s->complete)
    return for_json ? "complete" : "complete: detached from the store";
  if (strcmp (s->hydrate, "on") == 0)
    return "hydrating";
  if (s->have_stats)
    return for_json ? "on_demand" : "on demand (hydration off)";
  return for_json ? "unknown" : "unknown (no statistics yet)";
}

/* The share of read pieces served from the overlay alone, in percent. */
static double
hit_rate (const struct status *s)
{
  uint64_t n = s->local_reads + s->basis_reads;
  return n ? 100.0 * s->local_reads / n : 0.0;
}

/* The status of overlay DIR as one JSON document (see oxsnap(1)). */
static int
print_json (const char *dir, const struct status *s, uint64_t local)
{
  struct ox_json j;

  ox_json_init (&j, stdout);
  ox_json_object (&j, NULL);
  ox_json_string (&j, "overlay", dir);
  ox_json_string (&j, "volume", s->volume);
  ox_json_string (&j, "snapshot", s->snapshot);
  ox_json_string (&j, "store_url", s->store_url);
  ox_json_uint (&j, "volume_size", s->volume_size);
  ox_json_uint (&j, "chunk_size", s->chunk_size);
  ox_json_string (&j, "state", state_of (s, 1));
  ox_json_bool (&j, "complete", s->complete);
  ox_json_uint (&j, "blocks", s->nblocks);
  ox_json_uint (&j, "local_blocks", s->local_blocks);
  ox_json_uint (&j, "local_bytes", local);
  ox_json_uint (&j, "remote_bytes", s->volume_size - local);
  if (!s->have_stats)
    ox_json_null (&j, "stats");
  else {
    ox_json_object (&j, "stats");
    ox_json_uint (&j, "runs", s->runs);
    ox_json_uint (&j, "runtime_ms", s->runtime_ms);
    ox_json_uint (&j, "updated", s->updated);
    ox_json_string (&j, "hydrate", s->hydrate);
    ox_json_uint (&j, "fetches",
                  s->fetches[0] + s->fetches[1] + s->fetches[2]);
    ox_json_uint (&j, "fetched_bytes",
                  s->bytes[0] + s->bytes[1] + s->bytes[2]);
    for (int i = 0; i < 3; i++) {
      ox_json_object (&j, class_names[i]);
      ox_json_uint (&j, "fetches", s->fetches[i]);
      ox_json_uint (&j, "bytes", s->bytes[i]);
      ox_json_uint (&j, "rate", s->rate[i]);
      ox_json_end (&j);
    }
    ox_json_uint (&j, "reads", s->reads);
    ox_json_uint (&j, "writes", s->writes);
    ox_json_uint (&j, "errors", s->errors);
    ox_json_uint (&j, "fetch_errors", s->fetch_errors);
    ox_json_uint (&j, "local_reads", s->local_reads);
    ox_json_uint (&j, "basis_reads", s->basis_reads);
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
  uint64_t fetched = s->bytes[0] + s->bytes[1] + s->bytes[2];

  /* One buffer per %s: arguments are all evaluated before printing. */
  printf ("fetched:      %" PRIu64 " bytes (%s) in %" PRIu64
          " fetches: demand %" PRIu64 " (%s), readahead %" PRIu64
          " (%s), background %" PRIu64 " (%s)\n",
          fetched, human (fetched, h[0], sizeof h[0]),
          s->fetches[0] + s->fetches[1] + s->fetches[2], s->fetches[0],
          human (s->bytes[0], h[1], sizeof h[1]), s->fetches[1],
          human (s->bytes[1], h[2], sizeof h[2]), s->fetches[2],
          human (s->bytes[2], h[3], sizeof h[3]));
  printf ("hit rate:     %.1f%% of read pieces served locally (%" PRIu64
          " local, %" PRIu64 " from the store)\n",
          hit_rate (s), s->local_reads, s->basis_reads);
  printf ("requests:     %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64
          " errors, %" PRIu64 " fetch errors\n",
          s->reads, s->writes, s->errors, s->fetch_errors);
  printf ("rates:        demand %s/s, readahead %s/s, background %s/s\n",
          human (s->rate[0], h[0], sizeof h[0]),
          human (s->rate[1], h[1], sizeof h[1]),
          human (s->rate[2], h[2], sizeof h[2]));
  printf ("runs:         %" PRIu64 " (%" PRIu64 " s served); counters "
          "updated %lld s ago\n",
          s->runs, s->runtime_ms / 1000,
          s->updated ? (long long)time (NULL) - (long long)s->updated : -1LL);
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
  local = s.local_blocks * BLOCK;
  if (local > s.volume_size)
    local = s.volume_size;
  remote = s.volume_size - local;
  if (c->json)
    return print_json (argv[0], &s, local);

  printf ("overlay:      %s\n", argv[0]);
  printf ("clone of:     %s@%s\n", s.volume, s.snapshot);
  printf ("store:        %s\n", s.store_url);
  printf ("volume size:  %" PRIu64 " bytes (%s), chunk size %" PRIu64 "\n",
          s.volume_size, human (s.volume_size, h1, sizeof h1), s.chunk_size);
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
