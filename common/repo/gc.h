/* ox: garbage collection (docs/DESIGN.md "Garbage collection while others
 * work", docs/FORMAT.md section 10). One run lists the store's segments
 * and pages, marks those that a snapshot root, a pinned lease or a resume
 * marker of an interrupted snapshot references, and condemns the rest in a
 * list under gc/condemned/. Objects are deleted only when a list that
 * condemned them is older than the grace period and they are still
 * unreferenced, and never while a lease without a pin (a snapshot being
 * written) is live. With a grace of 0 the objects unreferenced now are
 * deleted in the same run. */
#ifndef OX_GC_H
#define OX_GC_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "store.h"

/* Interrupted snapshots' markers keep their segments this long (seconds,
 * by the snapshot id's time), unless a later snapshot of the volume was
 * published. */
#define OX_GC_PARTIAL_KEEP (7 * 86400)

/* Phases of a run, for progress. */
enum ox_gc_phase {
  OX_GC_LIST,   /* listing objects: DONE objects listed */
  OX_GC_MARK,   /* reading pages: DONE of TOTAL */
  OX_GC_DELETE, /* deleting: DONE of TOTAL objects */
};

/* Progress: called from one thread at a time. */
typedef void ox_gc_progress_fn (void *arg, enum ox_gc_phase phase,
                                uint64_t done, uint64_t total);

struct ox_gc_options {
  uint64_t grace; /* seconds between condemning and deleting; 0: at once */
  int dry_run;    /* decide and count, write and delete nothing */
  int jobs;       /* threads reading pages and deleting (1 to 256) */
  ox_gc_progress_fn *progress; /* NULL: none */
  void *progress_arg;
};

/* What a run found and did. */
struct ox_gc_stats {
  uint64_t roots, pins;    /* roots marked, pinned leases marked */
  uint64_t objects, bytes; /* segments and pages listed */
  uint64_t live_pages, live_segments;
  uint64_t unreferenced, unreferenced_bytes; /* not referenced now */
  uint64_t condemned, condemned_bytes;       /* newly condemned by this run */
  uint64_t waiting, waiting_bytes; /* condemned, grace not yet over */
  uint64_t deleted, deleted_bytes; /* segments and pages deleted */
  uint64_t revived;         /* condemned earlier, referenced again now */
  uint64_t markers, traces; /* stale markers and orphan traces deleted */
  uint64_t leases_expired;  /* expired lease objects deleted */
  uint64_t lists_done;      /* condemned lists finished and deleted */
  size_t blocking;          /* live unpinned leases: nothing was deleted */
  char blocker[512];        /* the first of them, for the message */
};

/* Collect garbage in ST (keys K) as OPTS says; sets *STATS. A snapshot
 * whose root or pages cannot be read stops the run before anything is
 * deleted. Returns 0, or -1 with the error reported. */
int ox_gc_run (struct ox_store *st, const struct ox_keys *k,
               const struct ox_gc_options *opts, struct ox_gc_stats *stats)
    __attribute__ ((__nonnull__));

#endif
