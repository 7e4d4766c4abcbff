/* ox: a clone session (see session.h). */
#include "session.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "catalog.h"
#include "highwater.h"
#include "keys.h"
#include "log.h"
#include "names.h"
#include "objects.h"
#include "overlay.h"
#include "storecfg.h"
#include "lease.h"
#include "storeopen.h"
#include "trace.h"

struct ox_session {
  struct ox_session_config cfg;
  struct ox_store *store; /* NULL when detached */
  struct ox_keys keys;
  struct overlay *overlay;
  struct ox_basis *basis; /* NULL when detached */
  struct clone *clone;
  struct hydrate *hydrator; /* NULL: hydration off or done */
  struct pstats *stats;
  struct trace *recorder; /* record_trace */
  struct ox_lease *lease; /* pins the basis while attached, or NULL */
  int detached;           /* the overlay is complete; no store is open */
  int stopped;
};

void
ox_session_config_default (struct ox_session_config *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  clone_options_default (&cfg->clone);
  hydrate_options_default (&cfg->hydrate);
  cfg->hydrate_on = 1;
}

/* A progress message for the debug callback. */
static void __attribute__ ((format (printf, 2, 3)))
sdebug (const struct ox_session *s, const char *fmt, ...)
{
  char msg[1024];
  va_list ap;

  if (s->cfg.debug == NULL)
    return;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);
  s->cfg.debug (msg);
}

/* Resolve SPEC through the store, checking VOLUME alone for rollback
 * (state-dir=, allow-rollback=). Returns 0 or -1. */
static int
resolve_checked (struct ox_session *s, const char *spec, struct ox_root **root)
{
  struct ox_highwater hw = { NULL, s->cfg.allow_rollback };
  char *dir = NULL;
  int r;

  if (ox_highwater_dir (s->cfg.state_dir, &dir) == -1) {
    if (errno != ENOENT)
      return -1;
    ox_warning ("no HOME, OX_STATE_DIR or state-dir=: rollback detection "
                "is off");
  }
  hw.dir = dir;
  r = ox_snapshot_resolve (s->store, &s->keys, &hw, spec, root);
  free (dir);
  return r;
}

/* The snapshot to serve: VOLUME alone means the overlay's snapshot when
 * the overlay exists (so a newer snapshot does not lock the clone out),
 * else the newest; VOLUME@ID or VOLUME:TAG must match the overlay. */
static int
resolve_root (struct ox_session *s, struct ox_root **root)
{
  const char *dir = s->cfg.overlay_dir, *spec = s->cfg.volume;
  struct ox_ovheader pin;
  char *vol = NULL;
  const char *tag;
  uint64_t id;
  int have, use_pin;

  have = overlay_probe (dir, &pin);
  if (have == -1)
    return -1;
  if (spec == NULL) {
    if (have == 0) {
      ox_error ("overlay %s does not exist yet: give volume= to create it",
                dir);
      return -1;
    }
    return ox_root_get (s->store, &s->keys, pin.volume, pin.snapshot_id, root);
  }
  if (ox_spec_parse (spec, &vol, &id, &tag) == -1)
    return -1;
  use_pin
      = have == 1 && id == 0 && tag == NULL && strcmp (vol, pin.volume) == 0;
  free (vol);
  if (use_pin)
    return ox_root_get (s->store, &s->keys, pin.volume, pin.snapshot_id, root);
  return resolve_checked (s, spec, root);
}

/* The snapshot id VOLUME:TAG names, resolved through the store (the only
 * time a detached clone contacts it: the user asked for a tag). Returns 0
 * or -1. */
static int
resolve_tag (const struct ox_session *s, uint64_t *id)
{
  struct ox_key_source src
      = { .key_file = s->cfg.key_file, .passphrase = s->cfg.passphrase };
  struct ox_store *st;
  struct ox_keys k;
  struct ox_root *root;
  int r = -1;

  if (s->cfg.store_url == NULL) {
    ox_error ("volume=%s: a tag needs store= to resolve it (or give "
              "volume=VOLUME or VOLUME@ID for a complete overlay)",
              s->cfg.volume);
    return -1;
  }
  if (ox_store_open (s->cfg.store_url, &s->cfg.store, &st) == -1)
    return -1;
  if (ox_storecfg_open (st, &src, &k) == 0) {
    if (ox_snapshot_resolve (st, &k, NULL, s->cfg.volume, &root) == 0) {
      *id = root->snapshot_id;
      ox_root_free (root);
      r = 0;
    }
    ox_keys_wipe (&k);
  }
  ox_store_close (st);
  return r;
}

/* Refuse a volume= that names another snapshot than PIN, the header of a
 * complete overlay. Returns 0 or -1. */
static int
check_detached_spec (const struct ox_session *s, const struct ox_ovheader *pin)
{
  const char *dir = s->cfg.overlay_dir, *spec = s->cfg.volume;
  char *vol = NULL;
  const char *tag = NULL;
  uint64_t id = 0;
  int same;

  if (spec == NULL)
    return 0;
  if (ox_spec_parse (spec, &vol, &id, &tag) == -1)
    return -1;
  same = strcmp (vol, pin->volume) == 0;
  free (vol);
  if (same && tag && resolve_tag (s, &id) == -1)
    return -1;
  if (!same) {
    ox_error ("overlay %s is a clone of %s@%016" PRIx64 ", not of "
              "volume %s; use another overlay directory",
              dir, pin->volume, pin->snapshot_id, spec);
    return -1;
  }
  if (id && id != pin->snapshot_id) {
    ox_error ("overlay %s is a clone of %s@%016" PRIx64
              ", not of %s@%016" PRIx64 "; use another overlay directory",
              dir, pin->volume, pin->snapshot_id, pin->volume, id);
    return -1;
  }
  return 0;
}

/* Open a complete overlay whose header is PIN without the store. */
static int
open_detached (struct ox_session *s, const struct ox_ovheader *pin)
{
  if (check_detached_spec (s, pin) == -1
      || overlay_open (s->cfg.overlay_dir, pin, &s->overlay) == -1
      || clone_new (s->overlay, NULL, &s->cfg.clone, &s->clone) == -1)
    return -1;
  s->detached = 1;
  sdebug (s,
          "serving %s@%016" PRIx64 " (%" PRIu64 " bytes) from the "
          "complete overlay %s, detached from the store",
          pin->volume, pin->snapshot_id, pin->volume_size, s->cfg.overlay_dir);
  return 0;
}

static void
note_miss (void *opaque, uint64_t chunk)
{
  trace_note (opaque, chunk);
}

/* Prepare hydration, with the snapshot's read trace first if there is
 * one. */
static int
prepare_hydration (struct ox_session *s, const struct ox_ovheader *pin)
{
  struct hydrate_options ho = s->cfg.hydrate;
  uint64_t *chunks = NULL;
  size_t n = 0;
  int r;

  if (trace_load (s->store, &s->keys, pin->volume, pin->snapshot_id,
                  clone_nchunks (s->clone), &chunks, &n)
      == -1)
    sdebug (s, "no read trace: the store failed; hydrating in order");
  if (n)
    sdebug (s, "hydrating the %zu chunks of the read trace first", n);
  ho.trace = chunks;
  ho.ntrace = n;
  r = hydrate_new (s->clone, s->overlay, &ho, &s->hydrator);
  free (chunks);
  return r;
}

/* Open the store, the overlay and the basis (not yet complete overlay). */
static int
open_attached (struct ox_session *s)
{
  struct ox_key_source src
      = { .key_file = s->cfg.key_file, .passphrase = s->cfg.passphrase };
  struct ox_session_config *cfg = &s->cfg;
  struct ox_root *root;
  struct ox_ovheader pin;

  if (cfg->store_url == NULL) {
    ox_error ("store= is required (the overlay %s is not complete)",
              cfg->overlay_dir);
    return -1;
  }
  if (cfg->hydrate_on && !cfg->hydrate_rate_set && cfg->store.bwlimit)
    cfg->hydrate.rate = cfg->store.bwlimit / 2;
  if (ox_store_open (cfg->store_url, &cfg->store, &s->store) == -1
      || ox_storecfg_open (s->store, &src, &s->keys) == -1
      || resolve_root (s, &root) == -1)
    return -1;
  if (ox_ovheader_from_root (&s->keys, cfg->store_url, root, &pin) == -1
      || overlay_open (cfg->overlay_dir, &pin, &s->overlay) == -1) {
    ox_root_free (root);
    return -1;
  }
  if (cfg->record_trace) {
    s->recorder = trace_new (ox_root_nchunks (root), TRACE_MAX_CHUNKS);
    if (s->recorder == NULL) {
      ox_root_free (root);
      ox_error ("malloc: %m");
      return -1;
    }
    cfg->clone.on_demand_miss = note_miss;
    cfg->clone.miss_opaque = s->recorder;
  }
  /* The basis takes ROOT over, also when it fails to open. */
  if (ox_basis_open (s->store, &s->keys, root, &s->basis) == -1
      || clone_new (s->overlay, s->basis, &cfg->clone, &s->clone) == -1)
    return -1;
  if (cfg->hydrate_on && !overlay_complete (s->overlay)
      && prepare_hydration (s, &pin) == -1)
    return -1;
  sdebug (s,
          "serving %s@%016" PRIx64 " (%" PRIu64 " bytes, %" PRIu64
          " of %" PRIu64 " blocks local%s) from %s with overlay %s",
          pin.volume, pin.snapshot_id, pin.volume_size,
          overlay_count_local (s->overlay), overlay_nblocks (s->overlay),
          s->hydrator ? ", hydrating" : "", cfg->store_url, cfg->overlay_dir);
  return 0;
}

/* Free what open made, in reverse order of dependence (no thread runs). */
static void
session_free (struct ox_session *s)
{
  trace_free (s->recorder);
  pstats_free (s->stats);
  hydrate_free (s->hydrator);
  clone_free (s->clone);
  ox_basis_close (s->basis);
  overlay_close (s->overlay);
  ox_store_close (s->store);
  ox_keys_wipe (&s->keys);
  free (s);
}

int
ox_session_open (const struct ox_session_config *cfg, struct ox_session **out)
{
  struct ox_session *s = calloc (1, sizeof *s);
  struct ox_ovheader pin;
  int have;

  *out = NULL;
  if (s == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  s->cfg = *cfg;
  have = overlay_probe (cfg->overlay_dir, &pin);
  if (have == -1
      || (have == 1 && pin.complete ? open_detached (s, &pin)
                                    : open_attached (s))
             == -1
      || pstats_new (cfg->overlay_dir, cfg->stats_file, &s->stats) == -1) {
    session_free (s);
    return -1;
  }
  pstats_attach (s->stats, s->clone, s->overlay, s->hydrator);
  *out = s;
  return 0;
}

int
ox_session_start (struct ox_session *s)
{
  if (clone_start_threads (s->clone) == -1 || pstats_start (s->stats) == -1)
    return -1;
  /* Pin the basis so that garbage collection keeps it, even should its
   * snapshot be forgotten, until this clone stops. A store this clone may
   * only read gets no lease: say what that risks. */
  if (s->basis
      && ox_lease_take (s->store, "clone", ox_basis_root (s->basis), &s->lease)
             == -1)
    ox_warning ("serving without a lease on store %s: a garbage collection "
                "after the snapshot is forgotten would remove this clone's "
                "basis",
                s->cfg.store_url);
  return s->hydrator ? hydrate_start (s->hydrator) : 0;
}

/* Log hydration's counters (after it stopped). */
static void
log_hydrate_stats (const struct ox_session *s)
{
  struct hydrate_stats hs;

  hydrate_stats (s->hydrator, &hs);
  sdebug (s,
          "ox hydrate: filled=%" PRIu64 " errors=%" PRIu64 " passes=%" PRIu64
          " yields=%" PRIu64 " traced=%" PRIu64 " complete=%d",
          hs.filled, hs.errors, hs.passes, hs.yields, hs.traced, hs.complete);
}

/* Log the clone's and the basis's counters. */
static void
log_clone_stats (const struct ox_session *s)
{
  struct clone_stats cs;
  struct ox_basis_stats bs = { 0 };

  clone_stats (s->clone, &cs);
  if (s->basis)
    ox_basis_stats (s->basis, &bs);
  sdebug (s,
          "ox stats: fetches=%" PRIu64 " fetch_waits=%" PRIu64
          " fetch_errors=%" PRIu64 " prefetches=%" PRIu64
          " copied_blocks=%" PRIu64 " fetched_bytes=%" PRIu64
          " store_reads=%" PRIu64 " run_reads=%" PRIu64
          " pages_loaded=%" PRIu64 " demand_fetches=%" PRIu64
          " readahead_fetches=%" PRIu64 " background_fetches=%" PRIu64
          " local_blocks=%" PRIu64 " refetches=%" PRIu64
          " complete=%d detached=%d",
          cs.fetches, cs.fetch_waits, cs.fetch_errors, cs.prefetches,
          cs.copied_blocks, bs.fetched_bytes, bs.fetches, cs.run_reads,
          bs.pages_loaded, cs.class_fetches[CLONE_DEMAND],
          cs.class_fetches[CLONE_READAHEAD],
          cs.class_fetches[CLONE_BACKGROUND], overlay_count_local (s->overlay),
          bs.refetches, overlay_complete (s->overlay), s->detached);
}

/* Store the read trace when chunks were recorded (attached only). */
static void
save_trace (const struct ox_session *s)
{
  const struct ox_ovheader *pin = overlay_get_pin (s->overlay);

  if (s->recorder == NULL || s->store == NULL
      || trace_count (s->recorder) == 0)
    return;
  if (trace_save (s->recorder, s->store, &s->keys, pin->volume,
                  pin->snapshot_id)
      == 0)
    sdebug (s, "stored a read trace of %" PRIu32 " chunks",
            trace_count (s->recorder));
  else
    ox_error ("the read trace could not be stored");
}

void
ox_session_stop (struct ox_session *s)
{
  if (s->stopped)
    return;
  s->stopped = 1;
  /* Hydration first: its workers use the clone's fetch path. */
  if (s->hydrator) {
    hydrate_stop (s->hydrator);
    log_hydrate_stats (s);
  }
  clone_stop_threads (s->clone);
  if (clone_flush (s->clone) == -1)
    ox_error ("final flush of overlay %s failed", s->cfg.overlay_dir);
  else if (!overlay_complete (s->overlay)
           && overlay_count_local (s->overlay) == overlay_nblocks (s->overlay))
    overlay_set_complete (s->overlay);
  log_clone_stats (s);
  save_trace (s);
  ox_lease_drop (s->lease);
  s->lease = NULL;
  /* Last: its final line and totals include everything above. */
  pstats_stop (s->stats);
}

void
ox_session_close (struct ox_session *s)
{
  if (s == NULL)
    return;
  ox_session_stop (s);
  session_free (s);
}

struct clone *
ox_session_clone (const struct ox_session *s)
{
  return s->clone;
}

struct pstats *
ox_session_stats (const struct ox_session *s)
{
  return s->stats;
}

struct hydrate *
ox_session_hydrator (const struct ox_session *s)
{
  return s->hydrator;
}

int
ox_session_detached (const struct ox_session *s)
{
  return s->detached;
}
