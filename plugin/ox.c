/* nbdkit-ox-plugin: serve a writable clone of an ox snapshot over NBD.
 *
 * This file is the nbdkit glue only: configuration, start-up, and the
 * translation of requests into calls of clone.h. The logic lives in
 * clone.c (overlay + basis), overlay.c (the local copy-on-write layer),
 * hydrate.c (background hydration) and stats.c (statistics).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "basis.h"
#include "clone.h"
#include "hydrate.h"
#include "keys.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "overlay.h"
#include "stats.h"
#include "store.h"
#include "storecfg.h"
#include "trace.h"
#include "units.h"
#include "storeopen.h"
#include "catalog.h"
#include "objects.h"

/* nbdkit 1.32 aborts under PARALLEL when a client hangs up with requests
 * in flight (fixed in 1.34): serialise requests per connection there and
 * hide latency with readahead and multi-conn instead. */
#if NBDKIT_VERSION_MAJOR == 1 && NBDKIT_VERSION_MINOR < 34
#define THREAD_MODEL NBDKIT_THREAD_MODEL_SERIALIZE_REQUESTS
#else
#define THREAD_MODEL NBDKIT_THREAD_MODEL_PARALLEL
#endif

/* -D ox.verbose=1: debug messages from the ox library code. */
NBDKIT_DLL_PUBLIC int ox_debug_verbose = 0;

/* -D ox.hydrate=1: progress messages of background hydration. */
NBDKIT_DLL_PUBLIC int ox_debug_hydrate = 0;

/* Configuration. */
static char *store_url, *volume_spec, *overlay_dir_path, *key_file;
static char *passphrase, *stats_file;
static struct ox_store_options store_opts;
static struct clone_options clone_opts;
static struct hydrate_options hydrate_opts;
static int hydrate_on = 1, hydrate_rate_set, record_trace;

/* State, from .get_ready to .cleanup. */
static struct ox_store *store;
static struct ox_keys keys;
static struct overlay *overlay;
static struct ox_basis *basis;
static struct clone *the_clone;
static struct hydrate *hydrator; /* NULL: hydration off or done */
static struct pstats *stats;
static int detached;           /* the overlay is complete; no store is open */
static struct trace *recorder; /* record-trace=on */

struct handle {
  struct clone_stream stream;
};

static void
log_handler (enum ox_log_level level, const char *msg)
{
  switch (level) {
  case OX_LOG_ERROR:
    nbdkit_error ("%s", msg);
    break;
  case OX_LOG_WARNING:
    nbdkit_error ("warning: %s", msg);
    break;
  default:
    nbdkit_debug ("%s", msg);
  }
}

static void
ox_load (void)
{
  ox_log_set_handler (log_handler);
  clone_options_default (&clone_opts);
  hydrate_options_default (&hydrate_opts);
}

static void
ox_unload (void)
{
  free (store_url);
  free (volume_spec);
  free (overlay_dir_path);
  free (key_file);
  free (stats_file);
  if (passphrase) {
    explicit_bzero (passphrase, strlen (passphrase));
    free (passphrase);
  }
  free ((char *)store_opts.endpoint);
  free ((char *)store_opts.region);
  free ((char *)store_opts.ca_bundle);
  ox_log_set_handler (NULL);
}

/* Set *P to a copy of VALUE, refusing a key given twice. */
static int
config_string (const char *key, char **p, const char *value, int path)
{
  if (*p) {
    nbdkit_error ("%s= given more than once", key);
    return -1;
  }
  *p = path ? nbdkit_absolute_path (value) : strdup (value);
  if (*p == NULL) {
    if (!path)
      nbdkit_error ("strdup: %m");
    return -1;
  }
  return 0;
}

/* A store argument is a URL, or a directory that must not depend on the
 * current directory (nbdkit changes to / when it becomes a daemon). */
static int
config_store (const char *value)
{
  if (strstr (value, "://"))
    return config_string ("store", &store_url, value, 0);
  return config_string ("store", &store_url, value, 1);
}

static int
config_number (const char *key, const char *value)
{
  unsigned u;
  int64_t size;

  if (strcmp (key, "connections") == 0) {
    if (nbdkit_parse_unsigned (key, value, &u) == -1)
      return -1;
    if (u == 0 || u > 1024) {
      nbdkit_error ("connections= must be 1 to 1024");
      return -1;
    }
    store_opts.connections = u;
    return 0;
  }
  if (strcmp (key, "bwlimit") == 0) {
    size = nbdkit_parse_size (value);
    if (size == -1)
      return -1;
    store_opts.bwlimit = size;
    return 0;
  }
  if (strcmp (key, "hydrate-rate") == 0) {
    uint64_t rate;
    if (ox_parse_rate ("hydrate-rate", value, &rate) == -1)
      return -1;
    hydrate_opts.rate = rate;
    hydrate_rate_set = 1;
    return 0;
  }
  if (strcmp (key, "hydrate-threads") == 0) {
    if (nbdkit_parse_unsigned (key, value, &u) == -1)
      return -1;
    if (u == 0 || u > 64) {
      nbdkit_error ("hydrate-threads= must be 1 to 64");
      return -1;
    }
    hydrate_opts.threads = u;
    return 0;
  }
  if (strcmp (key, "readahead") == 0) {
    if (nbdkit_parse_unsigned (key, value, &u) == -1)
      return -1;
    if (u > 1024) {
      nbdkit_error ("readahead= must be 0 to 1024 chunks");
      return -1;
    }
    clone_opts.readahead_max = u;
    return 0;
  }
  nbdkit_error ("unknown parameter '%s'", key);
  return -1;
}

static int
ox_config (const char *key, const char *value)
{
  int b;

  if (strcmp (key, "store") == 0)
    return config_store (value);
  if (strcmp (key, "volume") == 0)
    return config_string (key, &volume_spec, value, 0);
  if (strcmp (key, "overlay") == 0)
    return config_string (key, &overlay_dir_path, value, 1);
  if (strcmp (key, "key-file") == 0)
    return config_string (key, &key_file, value, 1);
  if (strcmp (key, "passphrase") == 0) {
    if (passphrase) {
      nbdkit_error ("passphrase= given more than once");
      return -1;
    }
    if (value[0] == '+')
      ox_warn_exposed_secret (value + 1, -1);
    return nbdkit_read_password (value, &passphrase);
  }
  if (strcmp (key, "endpoint") == 0)
    return config_string (key, (char **)&store_opts.endpoint, value, 0);
  if (strcmp (key, "region") == 0)
    return config_string (key, (char **)&store_opts.region, value, 0);
  if (strcmp (key, "ca-bundle") == 0)
    return config_string (key, (char **)&store_opts.ca_bundle, value, 1);
  if (strcmp (key, "stats-file") == 0)
    return config_string (key, &stats_file, value, 1);
  if (strcmp (key, "record-trace") == 0) {
    if ((b = nbdkit_parse_bool (value)) == -1)
      return -1;
    record_trace = b;
    return 0;
  }
  if (strcmp (key, "hydrate") == 0) {
    if ((b = nbdkit_parse_bool (value)) == -1)
      return -1;
    hydrate_on = b;
    return 0;
  }
  if (strcmp (key, "insecure") == 0) {
    if ((b = nbdkit_parse_bool (value)) == -1)
      return -1;
    store_opts.insecure = b;
    return 0;
  }
  if (strcmp (key, "addressing") == 0) {
    if (strcmp (value, "path") == 0)
      store_opts.addressing = 1;
    else if (strcmp (value, "virtual") == 0)
      store_opts.addressing = 2;
    else {
      nbdkit_error ("addressing= must be path or virtual");
      return -1;
    }
    return 0;
  }
  return config_number (key, value);
}

static int
ox_config_complete (void)
{
  if (overlay_dir_path == NULL) {
    nbdkit_error ("overlay= is required (see nbdkit-ox-plugin(1))");
    return -1;
  }
  if (key_file && passphrase) {
    nbdkit_error ("give key-file= or passphrase=, not both");
    return -1;
  }
  return 0;
}

#define ox_config_help                                                        \
  "store=URL          file:///DIR, DIR or s3://BUCKET/PREFIX (required\n"     \
  "                   unless the overlay is complete)\n"                      \
  "overlay=DIR        (required) local copy-on-write overlay directory\n"     \
  "volume=VOL[@ID|:TAG] snapshot to clone (only needed to create DIR)\n"      \
  "key-file=FILE      key of an encrypted store\n"                            \
  "passphrase=+FILE|-FD|-|PASS passphrase of an encrypted store (PASS\n"      \
  "                   itself shows in ps and nbdkit -v: use +FILE)\n"         \
  "endpoint=URL region=R ca-bundle=FILE insecure=BOOL "                       \
  "addressing=path|virtual\n"                                                 \
  "connections=N      S3 requests in flight at most\n"                        \
  "bwlimit=SIZE       store bandwidth limit in bytes per second\n"            \
  "readahead=N        chunks prefetched ahead of sequential reads (0 = "      \
  "off)\n"                                                                    \
  "hydrate=BOOL       fetch every chunk in the background (default on)\n"     \
  "hydrate-rate=RATE  bytes per second for background fetches\n"              \
  "hydrate-threads=N  background fetch threads (default 4)\n"                 \
  "stats-file=FILE    append per-second statistics to FILE\n"                 \
  "record-trace=BOOL  store the order of first reads for later clones"

/* The snapshot to serve: VOLUME alone means the overlay's snapshot when
 * the overlay exists (so a newer snapshot does not lock the clone out),
 * else the newest; VOLUME@ID or VOLUME:TAG must match the overlay. */
static int
resolve_root (struct ox_root **root)
{
  struct overlay_pin pin;
  char *vol = NULL;
  const char *tag;
  uint64_t id;
  int have, use_pin;

  have = overlay_probe (overlay_dir_path, &pin);
  if (have == -1)
    return -1;
  if (volume_spec == NULL) {
    if (have == 0) {
      nbdkit_error ("overlay %s does not exist yet: give volume= to create "
                    "it",
                    overlay_dir_path);
      return -1;
    }
    return ox_root_get (store, &keys, pin.volume, pin.snapshot_id, root);
  }
  if (ox_spec_parse (volume_spec, &vol, &id, &tag) == -1)
    return -1;
  use_pin
      = have == 1 && id == 0 && tag == NULL && strcmp (vol, pin.volume) == 0;
  free (vol);
  if (use_pin)
    return ox_root_get (store, &keys, pin.volume, pin.snapshot_id, root);
  return ox_snapshot_resolve (store, &keys, volume_spec, root);
}

/* The snapshot id VOLUME:TAG names, resolved through the store (the only
 * time a detached clone contacts it: the user asked for a tag). Returns 0
 * or -1. */
static int
resolve_tag (uint64_t *id)
{
  struct ox_key_source src
      = { .key_file = key_file, .passphrase = passphrase };
  struct ox_store *st;
  struct ox_keys k;
  struct ox_root *root;
  int r = -1;

  if (store_url == NULL) {
    nbdkit_error ("volume=%s: a tag needs store= to resolve it (or give "
                  "volume=VOLUME or VOLUME@ID for a complete overlay)",
                  volume_spec);
    return -1;
  }
  if (ox_store_open (store_url, &store_opts, &st) == -1)
    return -1;
  if (ox_storecfg_open (st, &src, &k) == 0) {
    if (ox_snapshot_resolve (st, &k, volume_spec, &root) == 0) {
      *id = root->snapshot_id;
      ox_root_free (root);
      r = 0;
    }
    ox_keys_wipe (&k);
  }
  ox_store_close (st);
  return r;
}

/* Open a complete overlay whose header is PIN without the store. */
static int
open_detached (const struct overlay_pin *pin)
{
  char *vol = NULL;
  const char *tag = NULL;
  uint64_t id = 0;
  int same;

  if (volume_spec) {
    if (ox_spec_parse (volume_spec, &vol, &id, &tag) == -1)
      return -1;
    same = strcmp (vol, pin->volume) == 0;
    free (vol);
    if (same && tag && resolve_tag (&id) == -1)
      return -1;
    if (!same) {
      nbdkit_error ("overlay %s is a clone of %s@%016" PRIx64 ", not of "
                    "volume %s; use another overlay directory",
                    overlay_dir_path, pin->volume, pin->snapshot_id,
                    volume_spec);
      return -1;
    }
    if (id && id != pin->snapshot_id) {
      nbdkit_error ("overlay %s is a clone of %s@%016" PRIx64
                    ", not of %s@%016" PRIx64 "; use another overlay "
                    "directory",
                    overlay_dir_path, pin->volume, pin->snapshot_id,
                    pin->volume, id);
      return -1;
    }
  }
  if (overlay_open (overlay_dir_path, pin, &overlay) == -1
      || clone_new (overlay, NULL, &clone_opts, &the_clone) == -1)
    return -1;
  detached = 1;
  nbdkit_debug ("serving %s@%016" PRIx64 " (%" PRIu64 " bytes) from the "
                "complete overlay %s, detached from the store",
                pin->volume, pin->snapshot_id, pin->volume_size,
                overlay_dir_path);
  return 0;
}

static void
note_miss (void *opaque, uint64_t chunk)
{
  trace_note (recorder, chunk);
}

/* Prepare hydration, with the snapshot's read trace first if there is
 * one. */
static int
start_hydration (const struct overlay_pin *pin)
{
  uint64_t *chunks = NULL;
  size_t n = 0;
  int r;

  if (trace_load (store, &keys, pin->volume, pin->snapshot_id,
                  clone_nchunks (the_clone), &chunks, &n)
      == -1)
    nbdkit_debug ("no read trace: the store failed; hydrating in order");
  if (n)
    nbdkit_debug ("hydrating the %zu chunks of the read trace first", n);
  hydrate_opts.trace = chunks;
  hydrate_opts.ntrace = n;
  r = hydrate_new (the_clone, overlay, &hydrate_opts, &hydrator);
  hydrate_opts.trace = NULL;
  free (chunks);
  return r;
}

/* Open the store, the overlay and the basis (not yet complete overlay). */
static int
open_attached (void)
{
  struct ox_key_source src
      = { .key_file = key_file, .passphrase = passphrase };
  struct ox_root *root;
  struct overlay_pin pin;

  if (store_url == NULL) {
    nbdkit_error ("store= is required (the overlay %s is not complete)",
                  overlay_dir_path);
    return -1;
  }
  if (hydrate_on && !hydrate_rate_set && store_opts.bwlimit)
    hydrate_opts.rate = store_opts.bwlimit / 2;
  if (ox_store_open (store_url, &store_opts, &store) == -1
      || ox_storecfg_open (store, &src, &keys) == -1
      || resolve_root (&root) == -1)
    return -1;
  if (overlay_pin_from_root (&keys, store_url, root, &pin) == -1
      || overlay_open (overlay_dir_path, &pin, &overlay) == -1) {
    ox_root_free (root);
    return -1;
  }
  if (record_trace) {
    recorder = trace_new (ox_root_nchunks (root), TRACE_MAX_CHUNKS);
    if (recorder == NULL) {
      ox_root_free (root);
      nbdkit_error ("malloc: %m");
      return -1;
    }
    clone_opts.on_demand_miss = note_miss;
  }
  if (ox_basis_open (store, &keys, root, &basis) == -1
      || clone_new (overlay, basis, &clone_opts, &the_clone) == -1)
    return -1;
  if (hydrate_on && !overlay_complete (overlay)
      && start_hydration (&pin) == -1)
    return -1;
  nbdkit_debug ("serving %s@%016" PRIx64 " (%" PRIu64 " bytes, %" PRIu64
                " of %" PRIu64 " blocks local%s) from %s with overlay %s",
                pin.volume, pin.snapshot_id, pin.volume_size,
                overlay_count_local (overlay), overlay_nblocks (overlay),
                hydrator ? ", hydrating" : "", store_url, overlay_dir_path);
  return 0;
}

static void
hydrate_debug (const char *msg)
{
  nbdkit_debug ("%s", msg);
}

static int
ox_get_ready (void)
{
  struct overlay_pin pin;
  int have;

  ox_log_set_debug (ox_debug_verbose);
  if (ox_debug_hydrate)
    hydrate_opts.debug = hydrate_debug;
  have = overlay_probe (overlay_dir_path, &pin);
  if (have == -1)
    return -1;
  if ((have == 1 && pin.complete ? open_detached (&pin) : open_attached ())
      == -1)
    return -1;
  if (pstats_new (overlay_dir_path, stats_file, &stats) == -1)
    return -1;
  pstats_attach (stats, the_clone, overlay, hydrator);
  return 0;
}

static int
ox_after_fork (void)
{
  if (clone_start_threads (the_clone) == -1 || pstats_start (stats) == -1)
    return -1;
  return hydrator ? hydrate_start (hydrator) : 0;
}

static void
ox_cleanup (void)
{
  struct clone_stats cs;
  struct ox_basis_stats bs = { 0 };

  if (hydrator) {
    struct hydrate_stats hs;
    hydrate_stop (hydrator);
    hydrate_stats (hydrator, &hs);
    nbdkit_debug (
        "ox hydrate: filled=%" PRIu64 " errors=%" PRIu64 " passes=%" PRIu64
        " yields=%" PRIu64 " traced=%" PRIu64 " complete=%d",
        hs.filled, hs.errors, hs.passes, hs.yields, hs.traced, hs.complete);
  }
  if (the_clone) {
    clone_stop_threads (the_clone);
    if (clone_flush (the_clone) == -1)
      nbdkit_error ("final flush of overlay %s failed", overlay_dir_path);
    else if (!overlay_complete (overlay)
             && overlay_count_local (overlay) == overlay_nblocks (overlay))
      overlay_set_complete (overlay);
    clone_stats (the_clone, &cs);
    if (basis)
      ox_basis_stats (basis, &bs);
    nbdkit_debug (
        "ox stats: fetches=%" PRIu64 " fetch_waits=%" PRIu64
        " fetch_errors=%" PRIu64 " prefetches=%" PRIu64
        " copied_blocks=%" PRIu64 " fetched_bytes=%" PRIu64
        " store_reads=%" PRIu64 " run_reads=%" PRIu64 " pages_loaded=%" PRIu64
        " demand_fetches=%" PRIu64 " readahead_fetches=%" PRIu64
        " background_fetches=%" PRIu64 " local_blocks=%" PRIu64
        " refetches=%" PRIu64 " complete=%d detached=%d",
        cs.fetches, cs.fetch_waits, cs.fetch_errors, cs.prefetches,
        cs.copied_blocks, bs.fetched_bytes, bs.fetches, cs.run_reads,
        bs.pages_loaded, cs.class_fetches[CLONE_DEMAND],
        cs.class_fetches[CLONE_READAHEAD], cs.class_fetches[CLONE_BACKGROUND],
        overlay_count_local (overlay), bs.refetches,
        overlay_complete (overlay), detached);
  }
  if (recorder && store && trace_count (recorder) > 0) {
    const struct overlay_pin *pin = overlay_get_pin (overlay);
    if (trace_save (recorder, store, &keys, pin->volume, pin->snapshot_id)
        == 0)
      nbdkit_debug ("stored a read trace of %" PRIu32 " chunks",
                    trace_count (recorder));
    else
      nbdkit_error ("the read trace could not be stored");
  }
  trace_free (recorder);
  recorder = NULL;
  if (stats)
    pstats_stop (stats);
  pstats_free (stats);
  hydrate_free (hydrator);
  clone_free (the_clone);
  ox_basis_close (basis);
  overlay_close (overlay);
  ox_store_close (store);
  ox_keys_wipe (&keys);
  stats = NULL;
  hydrator = NULL;
  the_clone = NULL;
  basis = NULL;
  overlay = NULL;
  store = NULL;
}

static void *
ox_open (int readonly)
{
  struct handle *h = malloc (sizeof *h);
  if (h == NULL) {
    nbdkit_error ("malloc: %m");
    return NULL;
  }
  clone_stream_init (&h->stream);
  return h;
}

static void
ox_close (void *handle)
{
  struct handle *h = handle;
  clone_stream_destroy (&h->stream);
  free (h);
}

static int64_t
ox_get_size (void *handle)
{
  return clone_size (the_clone);
}

static int
ox_block_size (void *handle, uint32_t *minimum, uint32_t *preferred,
               uint32_t *maximum)
{
  *minimum = 1;
  *preferred = OVERLAY_BLOCK_SIZE;
  *maximum = 0xffffffff;
  return 0;
}

static int
ox_true (void *handle)
{
  return 1;
}

static int
ox_false (void *handle)
{
  return 0;
}

static int
ox_can_fua (void *handle)
{
  return NBDKIT_FUA_NATIVE;
}

static int
ox_can_cache (void *handle)
{
  return NBDKIT_CACHE_NATIVE;
}

/* Pass the errno of a failed clone call to the client: only a few values
 * reach it as themselves, anything else would become EINVAL. */
static int
fail (void)
{
  int e = errno;
  switch (e) {
  case ENOSPC:
  case EDQUOT:
  case EFBIG:
    e = ENOSPC;
    break;
  case ENOMEM:
  case EINVAL:
    break;
  default:
    e = EIO;
  }
  nbdkit_set_error (e);
  return -1;
}

static int
ox_pread (void *handle, void *buf, uint32_t count, uint64_t offset,
          uint32_t flags)
{
  struct handle *h = handle;
  uint64_t t = pstats_now ();
  int r;

  clone_thread_missed = 0;
  r = clone_pread (the_clone, &h->stream, buf, count, offset);
  pstats_request (stats, PSTATS_READ, count, t, r == -1, clone_thread_missed);
  return r == 0 ? 0 : fail ();
}

static int
ox_pwrite (void *handle, const void *buf, uint32_t count, uint64_t offset,
           uint32_t flags)
{
  int fua = !!(flags & NBDKIT_FLAG_FUA);
  uint64_t t = pstats_now ();
  int r = clone_pwrite (the_clone, buf, count, offset, fua);

  pstats_request (stats, PSTATS_WRITE, count, t, r == -1, 0);
  return r == 0 ? 0 : fail ();
}

static int
ox_zero (void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
  int fua = !!(flags & NBDKIT_FLAG_FUA);
  uint64_t t = pstats_now ();
  int r = clone_zero (the_clone, count, offset, fua);

  pstats_request (stats, PSTATS_ZERO, count, t, r == -1, 0);
  return r == 0 ? 0 : fail ();
}

static int
ox_trim (void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
  return ox_zero (handle, count, offset, flags);
}

static int
ox_flush (void *handle, uint32_t flags)
{
  uint64_t t = pstats_now ();
  int r = clone_flush (the_clone);

  pstats_request (stats, PSTATS_FLUSH, 0, t, r == -1, 0);
  return r == 0 ? 0 : fail ();
}

static int
ox_cache (void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
  return clone_cache (the_clone, count, offset) == 0 ? 0 : fail ();
}

static int
add_extent (void *opaque, uint64_t offset, uint64_t len, uint32_t type)
{
  uint32_t t = 0;
  if (type & CLONE_EXTENT_HOLE)
    t |= NBDKIT_EXTENT_HOLE;
  if (type & CLONE_EXTENT_ZERO)
    t |= NBDKIT_EXTENT_ZERO;
  return nbdkit_add_extent (opaque, offset, len, t);
}

static int
ox_extents (void *handle, uint32_t count, uint64_t offset, uint32_t flags,
            struct nbdkit_extents *extents)
{
  int req_one = !!(flags & NBDKIT_FLAG_REQ_ONE);
  return clone_extents (the_clone, count, offset, req_one, add_extent, extents)
                 == 0
             ? 0
             : fail ();
}

static struct nbdkit_plugin plugin = {
  .name = "ox",
  .longname = "ox snapshot clone plugin",
  .version = "0.1.0",
  .description = "writable clone of an ox snapshot with a local "
                 "copy-on-write overlay",
  .load = ox_load,
  .unload = ox_unload,
  .config = ox_config,
  .config_complete = ox_config_complete,
  .config_help = ox_config_help,
  .get_ready = ox_get_ready,
  .after_fork = ox_after_fork,
  .cleanup = ox_cleanup,
  .open = ox_open,
  .close = ox_close,
  .get_size = ox_get_size,
  .block_size = ox_block_size,
  .can_write = ox_true,
  .can_flush = ox_true,
  .is_rotational = ox_false,
  .can_trim = ox_true,
  .can_zero = ox_true,
  .can_fast_zero = ox_true,
  .can_fua = ox_can_fua,
  .can_multi_conn = ox_true,
  .can_extents = ox_true,
  .can_cache = ox_can_cache,
  .pread = ox_pread,
  .pwrite = ox_pwrite,
  .zero = ox_zero,
  .trim = ox_trim,
  .flush = ox_flush,
  .cache = ox_cache,
  .extents = ox_extents,
  .errno_is_preserved = 0,
};

NBDKIT_REGISTER_PLUGIN (plugin)
