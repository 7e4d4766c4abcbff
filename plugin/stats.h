/* ox: the plugin's statistics: request counters and latency histograms,
 * a per-second log of key=value lines (stats-file=), and totals kept in
 * the overlay directory (file "stats") for `oxsnap status`.
 *
 * Each log line holds what happened since the previous line: bytes and
 * fetches from the store by class (demand, readahead, background),
 * client requests and bytes, read and write latencies (p50, p99, max in
 * microseconds), the latencies of cold reads (those that needed the
 * store; also their p99 since start), errors, and the overlay's progress. The
 * totals file adds the counters of earlier runs of the same overlay. Nothing
 * here knows about nbdkit; every function is thread-safe.
 */
#ifndef OX_STATS_H
#define OX_STATS_H

#include <stdint.h>

#include "clone.h"
#include "hydrate.h"
#include "overlay.h"

struct pstats;

/* Client requests, as counted. */
enum pstats_op {
  PSTATS_READ,
  PSTATS_WRITE,
  PSTATS_ZERO,
  PSTATS_FLUSH,
  PSTATS_NOPS
};

/* New statistics for the overlay in OVERLAY_DIR, loading the totals of
 * earlier runs; LOG_FILE (may be NULL) is opened for appending. Returns 0
 * or -1. */
int pstats_new (const char *overlay_dir, const char *log_file,
                struct pstats **out) __attribute__ ((__nonnull__ (1, 3)));

/* What to sample: clone C and overlay OV (required), hydration H (NULL:
 * hydration is off). Call before pstats_start. */
void pstats_attach (struct pstats *ps, struct clone *c, struct overlay *ov,
                    struct hydrate *h) __attribute__ ((__nonnull__ (1, 2, 3)));

/* A monotonic clock in nanoseconds, for timing requests. */
uint64_t pstats_now (void);

/* Count a request of kind OP over BYTES that started at START_NS
 * (pstats_now) and has just ended, FAILED or not; COLD: a read that
 * needed the store. PS may be NULL. */
void pstats_request (struct pstats *ps, enum pstats_op op, uint64_t bytes,
                     uint64_t start_ns, int failed, int cold);

/* Start the thread that writes a log line every second and the totals
 * every few seconds. Returns 0 or -1. */
int pstats_start (struct pstats *ps) __attribute__ ((__nonnull__ (1)));

/* Stop the thread, then write a last log line and the totals. */
void pstats_stop (struct pstats *ps) __attribute__ ((__nonnull__ (1)));

/* Stop and free (NULL is fine). */
void pstats_free (struct pstats *ps);

#endif
