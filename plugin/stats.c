/* ox: the plugin's statistics (see stats.h). */
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "monotime.h"
#include "ovformat.h"

#define NBUCKETS 512 /* log-linear latency buckets, 8 per power of 2 */

/* Cumulative counters kept in the totals file across runs. */
enum total {
  T_DEMAND_FETCHES,
  T_READAHEAD_FETCHES,
  T_BACKGROUND_FETCHES,
  T_DEMAND_BYTES,
  T_READAHEAD_BYTES,
  T_BACKGROUND_BYTES,
  T_FETCH_ERRORS,
  T_READS,
  T_READ_BYTES,
  T_WRITES,
  T_WRITE_BYTES,
  T_ZEROS,
  T_FLUSHES,
  T_ERRORS,
  T_LOCAL_READS,
  T_BASIS_READS,
  T_RUNTIME, /* milliseconds: whole seconds per run would not add up */
  NTOTALS
};

/* Where each total is in the statistics file's record (ovformat.h). */
#define TOTAL(field) offsetof (struct ox_ovstats, field)
static const size_t total_offsets[NTOTALS] = {
  TOTAL (fetches[OX_OVSTATS_DEMAND]),
  TOTAL (fetches[OX_OVSTATS_READAHEAD]),
  TOTAL (fetches[OX_OVSTATS_BACKGROUND]),
  TOTAL (bytes[OX_OVSTATS_DEMAND]),
  TOTAL (bytes[OX_OVSTATS_READAHEAD]),
  TOTAL (bytes[OX_OVSTATS_BACKGROUND]),
  TOTAL (fetch_errors),
  TOTAL (reads),
  TOTAL (read_bytes),
  TOTAL (writes),
  TOTAL (write_bytes),
  TOTAL (zeros),
  TOTAL (flushes),
  TOTAL (errors),
  TOTAL (local_reads),
  TOTAL (basis_reads),
  TOTAL (runtime_ms),
};

/* Total I of record R. */
static uint64_t *
total_of (struct ox_ovstats *r, int i)
{
  return (uint64_t *)((char *)r + total_offsets[i]);
}

struct hist {
  uint64_t n[NBUCKETS];
  uint64_t max_us; /* since the last line */
};

/* The larger of A and B. */
static uint64_t
max_u64 (uint64_t a, uint64_t b)
{
  return a > b ? a : b;
}

struct pstats {
  char *dir;
  FILE *log;
  struct clone *c;
  struct overlay *ov;
  struct hydrate *h;
  uint64_t base[NTOTALS]; /* totals of earlier runs */
  uint64_t runs;
  uint64_t start_ns;

  /* Requests of this run (atomic). */
  uint64_t ops[PSTATS_NOPS], bytes[PSTATS_NOPS], errors;
  struct hist lat[3]; /* reads, writes (incl. zeroes), cold reads */

  /* The previous sample, for per-second differences (thread only). */
  uint64_t prev[NTOTALS];
  uint64_t prev_lat[3][NBUCKETS];
  uint64_t prev_ns;
  uint64_t rate[3];      /* bytes per second by class over the last interval */
  uint64_t cold_max_run; /* largest cold read latency of this run */

  pthread_mutex_t lock; /* guards STOPPING and the file writes */
  pthread_cond_t cond;
  int stopping, started;
  pthread_t thread;
};

uint64_t
pstats_now (void)
{
  return ox_now_ns ();
}

/* ---- latency histograms -------------------------------------------- */

static unsigned
bucket_of (uint64_t us)
{
  unsigned e, b;

  if (us < 8)
    return us;
  e = 63 - __builtin_clzll (us);
  b = (e - 2) * 8 + ((us >> (e - 3)) & 7);
  return b < NBUCKETS ? b : NBUCKETS - 1;
}

/* The largest value of bucket B. */
static uint64_t
bucket_top (unsigned b)
{
  unsigned e, sub;

  if (b < 8)
    return b;
  e = b / 8 + 2;
  sub = b % 8;
  return ((uint64_t)(8 + sub + 1) << (e - 3)) - 1;
}

/* The P-th percentile (0..100) of the N[] differences, in microseconds:
 * the top of the bucket that holds it, but never above MAX, the largest
 * latency counted (a bucket's top can exceed every value in it, and a
 * percentile above the maximum makes no sense). */
static uint64_t
percentile (const uint64_t *n, uint64_t total, unsigned p, uint64_t max)
{
  uint64_t want = (total * p + 99) / 100, seen = 0,
           v = bucket_top (NBUCKETS - 1);

  if (total == 0)
    return 0;
  if (want == 0)
    want = 1;
  for (unsigned b = 0; b < NBUCKETS; b++) {
    seen += n[b];
    if (seen >= want) {
      v = bucket_top (b);
      break;
    }
  }
  return v < max ? v : max;
}

/* Count a latency of US microseconds in H. The maximum is raised before
 * the bucket is counted (release), and write_line reads the buckets
 * (acquire) before it takes the maximum, so a latency it counts has
 * normally reached the maximum it reports; percentiles are clamped to that
 * maximum in any case. */
static void
hist_add (struct hist *h, uint64_t us)
{
  uint64_t m = __atomic_load_n (&h->max_us, __ATOMIC_RELAXED);

  while (us > m
         && !__atomic_compare_exchange_n (&h->max_us, &m, us, 1,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    ;
  __atomic_fetch_add (&h->n[bucket_of (us)], 1, __ATOMIC_RELEASE);
}

void
pstats_request (struct pstats *ps, enum pstats_op op, uint64_t bytes,
                uint64_t start_ns, int failed, int cold)
{
  uint64_t us;

  if (ps == NULL)
    return;
  __atomic_fetch_add (&ps->ops[op], 1, __ATOMIC_RELAXED);
  __atomic_fetch_add (&ps->bytes[op], bytes, __ATOMIC_RELAXED);
  if (failed)
    __atomic_fetch_add (&ps->errors, 1, __ATOMIC_RELAXED);
  if (op == PSTATS_FLUSH)
    return;
  us = (pstats_now () - start_ns) / 1000;
  hist_add (&ps->lat[op == PSTATS_READ ? 0 : 1], us);
  if (op == PSTATS_READ && cold)
    hist_add (&ps->lat[2], us);
}

/* ---- creation ------------------------------------------------------ */

/* Load the totals of earlier runs from the overlay directory. A missing
 * file is a first run; an unreadable or corrupt one only costs the counts
 * of earlier runs (the file is informational), so it is a warning. */
static void
load_totals (struct pstats *ps)
{
  char path[4096];
  CLEANUP_CLOSE int fd = -1;
  CLEANUP_FREE char *text = NULL;
  struct ox_ovstats rec;
  const char *why;
  ssize_t r;

  snprintf (path, sizeof path, "%s/" OX_OVSTATS_NAME, ps->dir);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT)
      ox_warning ("%s: %m; counting from zero", path);
    return;
  }
  /* One byte more than a file may have, for the parser to refuse. */
  text = malloc (OX_OVSTATS_MAX + 1);
  if (text == NULL || (r = ox_read_full (fd, text, OX_OVSTATS_MAX + 1)) < 0) {
    ox_warning ("%s: %m; counting from zero", path);
    return;
  }
  if (ox_ovstats_parse (text, (size_t)r, &rec, &why) == -1) {
    ox_warning ("%s: %s; counting from zero", path, why);
    return;
  }
  ps->runs = rec.runs;
  for (int i = 0; i < NTOTALS; i++)
    ps->base[i] = *total_of (&rec, i);
}

int
pstats_new (const char *overlay_dir, const char *log_file, struct pstats **out)
{
  struct pstats *ps = calloc (1, sizeof *ps);

  if (ps == NULL || (ps->dir = strdup (overlay_dir)) == NULL) {
    free (ps);
    ox_error ("calloc: %m");
    return -1;
  }
  if (log_file && (ps->log = fopen (log_file, "ae")) == NULL) {
    ox_error ("stats file %s: %m", log_file);
    free (ps->dir);
    free (ps);
    return -1;
  }
  if (ps->log)
    setvbuf (ps->log, NULL, _IOLBF, 0);
  load_totals (ps);
  ps->runs++;
  ps->start_ns = ps->prev_ns = pstats_now ();
  pthread_mutex_init (&ps->lock, NULL);
  ox_cond_init_monotonic (&ps->cond);
  *out = ps;
  return 0;
}

void
pstats_attach (struct pstats *ps, struct clone *c, struct overlay *ov,
               struct hydrate *h)
{
  ps->c = c;
  ps->ov = ov;
  ps->h = h;
}

/* ---- sampling and writing ------------------------------------------ */

/* This run's counters into T. */
static void
sample (struct pstats *ps, uint64_t *t, uint64_t now)
{
  struct clone_stats cs;

  memset (&cs, 0, sizeof cs);
  if (ps->c)
    clone_stats (ps->c, &cs);
  for (int i = 0; i < 3; i++) {
    t[T_DEMAND_FETCHES + i] = cs.class_fetches[i];
    t[T_DEMAND_BYTES + i] = cs.class_bytes[i];
  }
  t[T_FETCH_ERRORS] = cs.fetch_errors;
  t[T_READS] = __atomic_load_n (&ps->ops[PSTATS_READ], __ATOMIC_RELAXED);
  t[T_READ_BYTES]
      = __atomic_load_n (&ps->bytes[PSTATS_READ], __ATOMIC_RELAXED);
  t[T_WRITES] = __atomic_load_n (&ps->ops[PSTATS_WRITE], __ATOMIC_RELAXED);
  t[T_WRITE_BYTES]
      = __atomic_load_n (&ps->bytes[PSTATS_WRITE], __ATOMIC_RELAXED);
  t[T_ZEROS] = __atomic_load_n (&ps->ops[PSTATS_ZERO], __ATOMIC_RELAXED);
  t[T_FLUSHES] = __atomic_load_n (&ps->ops[PSTATS_FLUSH], __ATOMIC_RELAXED);
  t[T_ERRORS] = __atomic_load_n (&ps->errors, __ATOMIC_RELAXED);
  t[T_LOCAL_READS] = cs.local_reads;
  t[T_BASIS_READS] = cs.basis_reads;
  t[T_RUNTIME] = (now - ps->start_ns) / 1000000;
}

/* Write the totals file (temporary file and rename; not synced: it is
 * informational). Called with LOCK held. */
static void
write_totals (struct pstats *ps, const uint64_t *t)
{
  char path[4096], tmp[4096], text[OX_OVSTATS_TEXT_MAX];
  int complete = ps->ov ? overlay_complete (ps->ov) : 0;
  const struct ox_write_opts o = { .tmp = tmp, .mode = 0666, .no_sync = true };
  struct ox_ovstats rec = { 0 };
  size_t len;
  const char *step;

  snprintf (path, sizeof path, "%s/" OX_OVSTATS_NAME, ps->dir);
  snprintf (tmp, sizeof tmp, "%s/" OX_OVSTATS_TMP, ps->dir);
  rec.updated = (uint64_t)time (NULL);
  rec.runs = ps->runs;
  for (int i = 0; i < NTOTALS; i++)
    *total_of (&rec, i) = ps->base[i] + t[i];
  for (int i = 0; i < 3; i++)
    rec.rate[i] = ps->rate[i];
  rec.hydrate = complete ? OX_OVSTATS_HYDRATE_DONE
                : ps->h  ? OX_OVSTATS_HYDRATE_ON
                         : OX_OVSTATS_HYDRATE_OFF;
  rec.complete = complete;
  len = ox_ovstats_format (&rec, text);
  if (ox_write_file_atomic (AT_FDCWD, path, text, len, &o, &step) == -1)
    ox_warning ("%s: %s: %m", path, step);
}

/* Write one log line of what changed since the previous one. Called by
 * the thread (or after it stopped) with LOCK held. */
static void
write_line (struct pstats *ps, uint64_t *t, uint64_t now)
{
  uint64_t d[NTOTALS], lat[3][NBUCKETS], nlat[3] = { 0, 0, 0 }, max[3];
  uint64_t cold_all[NBUCKETS], ncold_all = 0;
  double secs = (now - ps->prev_ns) / 1e9;
  struct timespec wall;
  struct hydrate_stats hs = { 0 };
  FILE *f = ps->log;

  for (int i = 0; i < NTOTALS; i++)
    d[i] = t[i] - ps->prev[i];
  for (int k = 0; k < 3; k++) {
    for (unsigned b = 0; b < NBUCKETS; b++) {
      uint64_t v = __atomic_load_n (&ps->lat[k].n[b], __ATOMIC_ACQUIRE);
      lat[k][b] = v - ps->prev_lat[k][b];
      ps->prev_lat[k][b] = v;
      nlat[k] += lat[k][b];
      if (k == 2) {
        cold_all[b] = v;
        ncold_all += v;
      }
    }
    max[k] = __atomic_exchange_n (&ps->lat[k].max_us, 0, __ATOMIC_ACQ_REL);
  }
  ps->cold_max_run = max_u64 (ps->cold_max_run, max[2]);
  for (int i = 0; i < 3; i++)
    ps->rate[i] = secs > 0 ? (uint64_t)(d[T_DEMAND_BYTES + i] / secs) : 0;
  memcpy (ps->prev, t, sizeof ps->prev);
  ps->prev_ns = now;
  if (f == NULL)
    return;
  if (ps->h)
    hydrate_stats (ps->h, &hs);
  clock_gettime (CLOCK_REALTIME, &wall);
  fprintf (f, "time=%lld.%03ld interval_ms=%" PRIu64, (long long)wall.tv_sec,
           wall.tv_nsec / 1000000, (uint64_t)(secs * 1000));
  fprintf (f,
           " demand_bytes=%" PRIu64 " readahead_bytes=%" PRIu64
           " background_bytes=%" PRIu64 " demand_fetches=%" PRIu64
           " readahead_fetches=%" PRIu64 " background_fetches=%" PRIu64,
           d[T_DEMAND_BYTES], d[T_READAHEAD_BYTES], d[T_BACKGROUND_BYTES],
           d[T_DEMAND_FETCHES], d[T_READAHEAD_FETCHES],
           d[T_BACKGROUND_FETCHES]);
  fprintf (f,
           " reads=%" PRIu64 " read_bytes=%" PRIu64 " writes=%" PRIu64
           " write_bytes=%" PRIu64 " zeros=%" PRIu64 " flushes=%" PRIu64,
           d[T_READS], d[T_READ_BYTES], d[T_WRITES], d[T_WRITE_BYTES],
           d[T_ZEROS], d[T_FLUSHES]);
  fprintf (f,
           " read_p50_us=%" PRIu64 " read_p99_us=%" PRIu64
           " read_max_us=%" PRIu64 " write_p50_us=%" PRIu64
           " write_p99_us=%" PRIu64 " write_max_us=%" PRIu64,
           percentile (lat[0], nlat[0], 50, max[0]),
           percentile (lat[0], nlat[0], 99, max[0]), max[0],
           percentile (lat[1], nlat[1], 50, max[1]),
           percentile (lat[1], nlat[1], 99, max[1]), max[1]);
  fprintf (f,
           " cold_reads=%" PRIu64 " cold_p50_us=%" PRIu64
           " cold_p99_us=%" PRIu64 " cold_max_us=%" PRIu64
           " cold_reads_total=%" PRIu64 " cold_p99_total_us=%" PRIu64,
           nlat[2], percentile (lat[2], nlat[2], 50, max[2]),
           percentile (lat[2], nlat[2], 99, max[2]), max[2], ncold_all,
           percentile (cold_all, ncold_all, 99, ps->cold_max_run));
  fprintf (
      f,
      " errors=%" PRIu64 " fetch_errors=%" PRIu64 " hydrate_errors=%" PRIu64
      " local_blocks=%" PRIu64 " total_blocks=%" PRIu64
      " complete=%d total_fetch_bytes=%" PRIu64 "\n",
      d[T_ERRORS], d[T_FETCH_ERRORS], hs.errors, overlay_count_local (ps->ov),
      overlay_nblocks (ps->ov), overlay_complete (ps->ov),
      ps->base[T_DEMAND_BYTES] + t[T_DEMAND_BYTES]
          + ps->base[T_READAHEAD_BYTES] + t[T_READAHEAD_BYTES]
          + ps->base[T_BACKGROUND_BYTES] + t[T_BACKGROUND_BYTES]);
}

static void *
stats_thread (void *arg)
{
  struct pstats *ps = arg;
  uint64_t t[NTOTALS];
  struct timespec next;

  ox_deadline (&next, 0);
  pthread_mutex_lock (&ps->lock);
  while (!ps->stopping) {
    uint64_t now;

    next.tv_sec++;
    while (!ps->stopping
           && pthread_cond_timedwait (&ps->cond, &ps->lock, &next)
                  != ETIMEDOUT)
      ;
    if (ps->stopping)
      break;
    now = pstats_now ();
    sample (ps, t, now);
    /* The totals with every line: after a crash and a restart, the
     * totals file must not lag behind the lines already written. */
    write_line (ps, t, now);
    write_totals (ps, t);
  }
  pthread_mutex_unlock (&ps->lock);
  return NULL;
}

int
pstats_start (struct pstats *ps)
{
  int err;

  ps->stopping = 0;
  err = pthread_create (&ps->thread, NULL, stats_thread, ps);
  if (err) {
    errno = err;
    ox_error ("cannot start the statistics thread: %m");
    return -1;
  }
  ps->started = 1;
  return 0;
}

void
pstats_stop (struct pstats *ps)
{
  uint64_t t[NTOTALS], now;

  pthread_mutex_lock (&ps->lock);
  ps->stopping = 1;
  pthread_cond_broadcast (&ps->cond);
  pthread_mutex_unlock (&ps->lock);
  if (ps->started)
    pthread_join (ps->thread, NULL);
  ps->started = 0;
  if (ps->ov == NULL)
    return;
  pthread_mutex_lock (&ps->lock);
  now = pstats_now ();
  sample (ps, t, now);
  write_line (ps, t, now);
  write_totals (ps, t);
  pthread_mutex_unlock (&ps->lock);
}

void
pstats_free (struct pstats *ps)
{
  if (ps == NULL)
    return;
  if (ps->log)
    fclose (ps->log);
  pthread_mutex_destroy (&ps->lock);
  pthread_cond_destroy (&ps->cond);
  free (ps->dir);
  free (ps);
}
