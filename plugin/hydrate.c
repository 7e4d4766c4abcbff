/* ox: background hydration of a clone (see hydrate.h). */
#include "hydrate.h"

#include <errno.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "monotime.h"
#include "ratelimit.h"

#define NONE UINT64_MAX
#define YIELD_NS 2000000    /* how long a worker sleeps while demand runs */
#define RETRY_MIN_MS 1000   /* pause before retrying failed chunks */
#define RETRY_MAX_MS 30000  /* ... doubling up to this */
#define RECENT_NS 100000000 /* demand this recent: one background fetch */
#define DEMAND_RUN 4        /* ... of this many chunks at most */
#define FLUSH_CHUNKS_BYTES (64u << 20) /* flush after hydrating this much */

struct hydrate {
  struct clone *c;
  struct overlay *ov;
  struct hydrate_options opts;
  /* The background share: keeps up to a second of unused allowance, so
   * that time lost yielding to clients is made up and the rate holds over
   * a few seconds (not only as a cap). */
  struct ox_ratelimit *rl;
  uint64_t nchunks;

  pthread_mutex_t lock; /* guards everything below */
  pthread_cond_t cond;  /* stop, completion, workers going idle */
  _Atomic int stopping; /* also read without LOCK (pace) */
  int complete;
  uint64_t cursor;                /* next chunk of the sequential pass */
  uint64_t near, near_end;        /* chunks after the latest demand miss */
  uint64_t seen_seq;              /* demand sequence number already used */
  uint64_t recent_seq, recent_ns; /* the latest demand miss seen, when */
  uint64_t *trace;                /* chunks to do first, in order */
  size_t ntrace, tpos;
  unsigned busy;        /* workers filling a chunk */
  int checking;         /* a worker is ending the pass */
  uint64_t pass_errors; /* failures in the current pass */
  unsigned retry_ms;    /* pause before the next pass after errors */
  pthread_t *threads;
  unsigned nthreads;

  uint64_t filled, errors, passes, yields;
  uint64_t unflushed; /* chunks filled since the last flush */
};

void
hydrate_options_default (struct hydrate_options *o)
{
  o->threads = 4;
  o->rate = 0;
  o->near = 64;
  o->debug = NULL;
  o->trace = NULL;
  o->ntrace = 0;
  o->coalesce = 32;
}

/* A progress message for the debug callback. */
static void __attribute__ ((format (printf, 2, 3)))
hdebug (const struct hydrate *h, const char *fmt, ...)
{
  char msg[256];
  va_list ap;

  if (h->opts.debug == NULL)
    return;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  h->opts.debug (msg);
}

int
hydrate_new (struct clone *c, struct overlay *ov,
             const struct hydrate_options *opts, struct hydrate **out)
{
  struct hydrate *h = calloc (1, sizeof *h);

  if (h == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  h->rl = ox_ratelimit_new (opts->rate);
  if (h->rl == NULL) {
    free (h);
    ox_error ("calloc: %m");
    return -1;
  }
  ox_ratelimit_set_burst (h->rl, 1.0);
  h->c = c;
  h->ov = ov;
  h->opts = *opts;
  if (h->opts.threads == 0)
    h->opts.threads = 1;
  if (h->opts.coalesce == 0)
    h->opts.coalesce = 1;
  if (h->opts.coalesce > CLONE_RUN_MAX)
    h->opts.coalesce = CLONE_RUN_MAX;
  h->nchunks = clone_nchunks (c);
  h->opts.trace = NULL;
  if (opts->ntrace) {
    h->trace = malloc (opts->ntrace * sizeof *h->trace);
    if (h->trace == NULL) {
      ox_ratelimit_free (h->rl);
      free (h);
      ox_error ("malloc: %m");
      return -1;
    }
    memcpy (h->trace, opts->trace, opts->ntrace * sizeof *h->trace);
    h->ntrace = opts->ntrace;
  }
  h->complete = overlay_complete (ov);
  pthread_mutex_init (&h->lock, NULL);
  ox_cond_init_monotonic (&h->cond);
  *out = h;
  return 0;
}

/* Wait on the condition for at most MS milliseconds (LOCK held). */
static void
timed_wait (struct hydrate *h, unsigned ms)
{
  struct timespec t;

  ox_deadline (&t, (uint64_t)ms * 1000000);
  pthread_cond_timedwait (&h->cond, &h->lock, &t);
}

/* The next chunk to fill, or NONE when this pass is out of chunks (LOCK
 * held), and in *N how many chunks from it to fill: the trace first, then
 * chunks after a new demand miss, then runs of at most MAX chunks of the
 * sequential pass. */
static uint64_t
pick (struct hydrate *h, unsigned max, unsigned *n)
{
  uint64_t d, seq = clone_last_demand (h->c, &d);

  *n = 1;
  while (h->tpos < h->ntrace) {
    uint64_t ch = h->trace[h->tpos++];
    if (ch < h->nchunks && !clone_chunk_local (h->c, ch))
      return ch;
  }
  if (seq != h->seen_seq) {
    h->seen_seq = seq;
    h->near = d + 1;
    h->near_end = d + 1 + h->opts.near;
    if (h->near_end > h->nchunks)
      h->near_end = h->nchunks;
  }
  while (h->near < h->near_end) {
    uint64_t ch = h->near++;
    if (!clone_chunk_local (h->c, ch))
      return ch;
  }
  while (h->cursor < h->nchunks) {
    uint64_t ch = h->cursor++;
    if (clone_chunk_local (h->c, ch))
      continue;
    while (*n < max && h->cursor < h->nchunks
           && !clone_chunk_local (h->c, h->cursor)) {
      h->cursor++;
      (*n)++;
    }
    return ch;
  }
  return NONE;
}

/* The end of a pass, with no worker busy (LOCK held): mark the overlay
 * complete when every block is local, else start another pass (after a
 * pause when chunks failed). */
static void
pass_done (struct hydrate *h)
{
  uint64_t nblocks = overlay_nblocks (h->ov);
  uint64_t local = overlay_count_local (h->ov);

  h->checking = 1;
  h->passes++;
  if (local == nblocks) {
    pthread_mutex_unlock (&h->lock);
    int r = overlay_set_complete (h->ov);
    pthread_mutex_lock (&h->lock);
    if (r == 0) {
      h->complete = 1;
      h->checking = 0;
      hdebug (h, "hydrate: overlay %s is complete: detached from the store",
              overlay_dir (h->ov));
      pthread_cond_broadcast (&h->cond);
      return;
    }
    ox_warning ("hydrate: cannot mark overlay %s complete; retrying",
                overlay_dir (h->ov));
    h->pass_errors++;
  }
  hdebug (h,
          "hydrate: pass %" PRIu64 " done: %" PRIu64 " of %" PRIu64
          " blocks local, %" PRIu64 " chunks failed",
          h->passes, local, nblocks, h->pass_errors);
  if (h->pass_errors) {
    h->retry_ms = h->retry_ms ? 2 * h->retry_ms : RETRY_MIN_MS;
    if (h->retry_ms > RETRY_MAX_MS)
      h->retry_ms = RETRY_MAX_MS;
    timed_wait (h, h->retry_ms);
  } else
    h->retry_ms = 0;
  h->pass_errors = 0;
  h->cursor = 0;
  h->checking = 0;
}

/* True if a client's read needed the store (a demand miss, or readahead
 * for a sequential reader) in the last RECENT_NS (LOCK held). */
static int
demand_recent (struct hydrate *h)
{
  uint64_t seq = clone_foreground_seq (h->c), now = ox_now_ns ();

  if (seq != h->recent_seq) {
    h->recent_seq = seq;
    h->recent_ns = now;
  }
  return seq && now - h->recent_ns < RECENT_NS;
}

/* Wait while demand or readahead fetches are in progress (LOCK held). */
static void
yield_to_demand (struct hydrate *h)
{
  int yielded = 0;

  while (!h->stopping && clone_foreground_busy (h->c) > 0) {
    struct timespec t = { 0, YIELD_NS };
    yielded = 1;
    pthread_mutex_unlock (&h->lock);
    nanosleep (&t, NULL);
    pthread_mutex_lock (&h->lock);
  }
  if (yielded)
    h->yields++;
}

/* PACE callback of clone_fill_run: take BYTES from the background share,
 * sleeping as long as its rate requires or until hydration stops (checked
 * every 100 ms). */
static void
pace (void *opaque, uint64_t bytes)
{
  struct hydrate *h = opaque;
  uint64_t wait = ox_ratelimit_reserve (h->rl, bytes, ox_now_ns ());

  while (wait > 0
         && !atomic_load_explicit (&h->stopping, memory_order_acquire)) {
    uint64_t slice = wait < 100000000 ? wait : 100000000;
    struct timespec t = { 0, (long)slice };
    while (nanosleep (&t, &t) == -1 && errno == EINTR)
      ;
    wait -= slice;
  }
}

/* Fill the N chunks from FIRST (without LOCK), coalescing runs of adjacent
 * frames. Returns the number of chunks that failed. */
static unsigned
fill (struct hydrate *h, uint64_t first, unsigned n)
{
  unsigned failed = clone_fill_run (h->c, first, n, CLONE_BACKGROUND, pace, h);

  for (unsigned k = 0; k < n; k++)
    hdebug (h, "hydrate: chunk %" PRIu64 " %s", first + k,
            clone_chunk_local (h->c, first + k) ? "local" : "failed");
  return failed;
}

static void *
worker (void *arg)
{
  struct hydrate *h = arg;

  /* Not niced: a client may be waiting for a chunk that this worker is
   * fetching (single flight), and must not wait behind a low priority.
   * Clients come first by the yielding below instead. */
  pthread_mutex_lock (&h->lock);
  while (!h->stopping && !h->complete) {
    uint64_t ch;
    unsigned n, run, failed;

    /* A trace predicts demand: it does not wait for it. */
    if (h->tpos >= h->ntrace) {
      yield_to_demand (h);
      /* While clients are missing chunks, one background fetch at most. */
      if (h->busy > 0 && demand_recent (h)) {
        timed_wait (h, 5);
        continue;
      }
    }
    if (h->stopping)
      break;
    /* While clients miss chunks, short background reads: a client's GET
     * then never queues at the server behind megabytes of ours. */
    run = h->opts.coalesce;
    if (demand_recent (h) && run > DEMAND_RUN)
      run = DEMAND_RUN;
    ch = pick (h, run, &n);
    if (ch == NONE) {
      if (h->busy == 0 && !h->checking)
        pass_done (h);
      else
        timed_wait (h, 100);
      continue;
    }
    h->busy++;
    pthread_mutex_unlock (&h->lock);
    failed = fill (h, ch, n);
    if (failed)
      ox_warning ("hydrate: %u of chunks %" PRIu64 "-%" PRIu64
                  " could not be made local; they will be retried",
                  failed, ch, ch + n - 1);
    pthread_mutex_lock (&h->lock);
    h->busy--;
    h->errors += failed;
    h->pass_errors += failed;
    h->filled += n - failed;
    h->unflushed += n - failed;
    /* Flush as we go: progress survives a crash, and the data is written
     * back while decoding continues rather than all at the end. */
    if (h->unflushed * clone_chunk_size (h->c) >= FLUSH_CHUNKS_BYTES) {
      h->unflushed = 0;
      pthread_mutex_unlock (&h->lock);
      if (overlay_flush (h->ov) == -1)
        ox_warning ("hydrate: flushing overlay %s failed",
                    overlay_dir (h->ov));
      pthread_mutex_lock (&h->lock);
    }
    pthread_cond_broadcast (&h->cond);
  }
  pthread_mutex_unlock (&h->lock);
  return NULL;
}

int
hydrate_start (struct hydrate *h)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&h->lock);

  if (h->complete || h->threads)
    return 0;
  atomic_store_explicit (&h->stopping, 0, memory_order_release);
  h->threads = calloc (h->opts.threads, sizeof *h->threads);
  if (h->threads == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  for (unsigned i = 0; i < h->opts.threads; i++) {
    int err = pthread_create (&h->threads[i], NULL, worker, h);
    if (err) {
      errno = err;
      ox_error ("cannot start a hydration thread: %m");
      return -1;
    }
    h->nthreads++;
  }
  hdebug (h,
          "hydrate: %u workers started on overlay %s (%" PRIu64 " of %" PRIu64
          " blocks local)",
          h->nthreads, overlay_dir (h->ov), overlay_count_local (h->ov),
          overlay_nblocks (h->ov));
  return 0;
}

void
hydrate_stop (struct hydrate *h)
{
  pthread_mutex_lock (&h->lock);
  atomic_store_explicit (&h->stopping, 1, memory_order_release);
  pthread_cond_broadcast (&h->cond);
  pthread_mutex_unlock (&h->lock);
  for (unsigned i = 0; i < h->nthreads; i++)
    pthread_join (h->threads[i], NULL);
  free (h->threads);
  h->threads = NULL;
  h->nthreads = 0;
}

void
hydrate_free (struct hydrate *h)
{
  if (h == NULL)
    return;
  hydrate_stop (h);
  ox_ratelimit_free (h->rl);
  free (h->trace);
  pthread_mutex_destroy (&h->lock);
  pthread_cond_destroy (&h->cond);
  free (h);
}

int
hydrate_wait (struct hydrate *h, unsigned timeout_ms)
{
  uint64_t end = ox_now_ns () + (uint64_t)timeout_ms * 1000000;
  struct timespec t;
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&h->lock);

  ox_deadline (&t, (uint64_t)timeout_ms * 1000000);
  while (!h->complete && ox_now_ns () < end)
    pthread_cond_timedwait (&h->cond, &h->lock, &t);
  return h->complete;
}

void
hydrate_stats (struct hydrate *h, struct hydrate_stats *s)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&h->lock);

  s->filled = h->filled;
  s->errors = h->errors;
  s->passes = h->passes;
  s->cursor = h->cursor;
  s->yields = h->yields;
  s->traced = h->tpos;
  s->complete = h->complete;
}
