/* ox: a clone session: everything the plugin serves, from attaching an
 * overlay to a snapshot to detaching it again, in the right order.
 *
 * ox_session_open resolves the snapshot and attaches: it opens the store
 * and its keys, the overlay (creating it for volume=) and the basis, and
 * prepares hydration (with the snapshot's read trace first) and the
 * statistics. A complete overlay opens without the store (detached).
 * ox_session_start starts the threads (readahead, flusher, statistics,
 * hydration); ox_session_stop stops them in reverse order, flushes the
 * overlay (marking it complete once every block is local) and stores the
 * read trace; ox_session_close frees what open made. Messages go through
 * ox_error (errors) and the config's debug callback (progress), which the
 * plugin sends to nbdkit_error and nbdkit_debug. Nothing here knows about
 * nbdkit.
 */
#ifndef OX_SESSION_H
#define OX_SESSION_H

#include "clone.h"
#include "hydrate.h"
#include "stats.h"
#include "store.h"

struct ox_session;

/* What to serve; the strings must outlive the session. */
struct ox_session_config {
  const char *store_url;   /* a URL or absolute directory; NULL: detached */
  const char *volume;      /* VOL[@ID|:TAG]; NULL: the overlay's snapshot */
  const char *overlay_dir; /* the overlay's directory (required) */
  const char *key_file;    /* the key of an encrypted store, or NULL */
  const char *passphrase;  /* ... or its passphrase, or NULL */
  const char *stats_file;  /* per-second statistics appended here, or NULL */
  const char *state_dir;   /* rollback detection's marks, or NULL: the
                              default (ox_highwater_dir) */
  int allow_rollback;      /* accept an older newest snapshot */
  struct ox_store_options store;
  struct clone_options clone;
  struct hydrate_options hydrate;
  int hydrate_on;       /* hydrate in the background (default on) */
  int hydrate_rate_set; /* hydrate.rate was given; else bwlimit / 2 */
  int record_trace;     /* store the order of first reads at stop */
  void (*debug) (const char *msg); /* progress messages, or NULL */
};

/* The default configuration: no store, volume or overlay yet. */
void ox_session_config_default (struct ox_session_config *cfg)
    __attribute__ ((__nonnull__ (1)));

/* Resolve the snapshot and attach overlay CFG->overlay_dir to it (or open
 * a complete overlay detached), starting no thread. Returns 0, or -1 with
 * the error reported and nothing left open. */
int ox_session_open (const struct ox_session_config *cfg,
                     struct ox_session **out)
    __attribute__ ((__nonnull__ (1, 2)));

/* Start the readahead, flusher, statistics and hydration threads (after
 * nbdkit forks). Returns 0 or -1. */
int ox_session_start (struct ox_session *s) __attribute__ ((__nonnull__ (1)));

/* Stop the threads (hydration first), flush the overlay and mark it
 * complete when every block is local, log the counters and store the read
 * trace (record_trace); the clone stays readable. */
void ox_session_stop (struct ox_session *s) __attribute__ ((__nonnull__ (1)));

/* Stop if not stopped, then close everything (NULL is fine). */
void ox_session_close (struct ox_session *s);

/* The clone that requests go to. */
struct clone *ox_session_clone (const struct ox_session *s)
    __attribute__ ((__nonnull__ (1)));

/* The statistics that requests are counted in. */
struct pstats *ox_session_stats (const struct ox_session *s)
    __attribute__ ((__nonnull__ (1)));

/* The hydrator, or NULL when hydration is off or was complete at open. */
struct hydrate *ox_session_hydrator (const struct ox_session *s)
    __attribute__ ((__nonnull__ (1)));

/* True if the session serves a complete overlay without the store. */
int ox_session_detached (const struct ox_session *s)
    __attribute__ ((__nonnull__ (1)));

#endif
