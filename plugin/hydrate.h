/* ox: hydration: background threads that make every chunk of a clone
 * local, so that the clone becomes a complete local disk and then detaches
 * from the store.
 *
 * Workers take chunks that are not local yet: those of a recorded read
 * trace first (trace.h), in its order, then nearest the latest demand
 * miss, then in ascending order from where they were (runs of adjacent
 * frames of one segment in one ranged read of the store), and fill them
 * through clone_fill_run (the demand path's single-flight fetches and
 * per-chunk locks: a block a client wrote, trimmed or zeroed is never
 * overwritten). They yield to the client: no background fetch starts while
 * a demand or readahead fetch is in progress, and background bytes are
 * limited to their own rate. Progress lives in the overlay's map, so a
 * restart resumes where the last flush left off and fetches nothing twice.
 * When a pass finds every block local, the overlay is flushed and marked
 * complete (overlay_set_complete): from then on it opens without the store.
 *
 * Nothing here knows about nbdkit.
 */
#ifndef OX_HYDRATE_H
#define OX_HYDRATE_H

#include <stdint.h>

#include "clone.h"
#include "overlay.h"
#include "store.h"

struct hydrate;

struct hydrate_options {
  unsigned threads; /* background workers (at least 1) */
  uint64_t rate;    /* background bytes per second from the store; 0 = any */
  unsigned near;    /* chunks after a demand miss hydrated first */
  void (*debug) (const char *msg); /* progress messages, or NULL */
  const uint64_t *trace; /* chunks to hydrate first, in order (copied) */
  size_t ntrace;
  unsigned coalesce; /* adjacent chunks fetched in one read, at most */
};

/* Counters since hydrate_new. */
struct hydrate_stats {
  uint64_t filled; /* chunks made local by hydration */
  uint64_t errors; /* chunks that failed (retried later) */
  uint64_t passes; /* passes over the volume finished */
  uint64_t cursor; /* the next chunk of the sequential pass */
  uint64_t yields; /* times a worker waited for demand fetches */
  uint64_t traced; /* trace entries taken so far */
  int complete;    /* the overlay is complete (detached) */
};

/* The default options. */
void hydrate_options_default (struct hydrate_options *o)
    __attribute__ ((__nonnull__ (1)));

/* Prepare hydration of clone C over overlay OV (both outlive it); starts
 * no thread. Returns 0 or -1. */
int hydrate_new (struct clone *c, struct overlay *ov,
                 const struct hydrate_options *opts, struct hydrate **out)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

/* Start the workers. Returns 0 or -1. */
int hydrate_start (struct hydrate *h) __attribute__ ((__nonnull__ (1)));

/* Stop and join the workers (a chunk being filled is finished first). */
void hydrate_stop (struct hydrate *h) __attribute__ ((__nonnull__ (1)));

/* Stop the workers and free (NULL is fine). */
void hydrate_free (struct hydrate *h);

/* Wait up to TIMEOUT_MS milliseconds for the overlay to become complete.
 * Returns 1 if it is, 0 if not. */
int hydrate_wait (struct hydrate *h, unsigned timeout_ms)
    __attribute__ ((__nonnull__ (1)));

/* Counters since hydrate_new. */
void hydrate_stats (struct hydrate *h, struct hydrate_stats *s)
    __attribute__ ((__nonnull__ (1, 2)));

#endif
