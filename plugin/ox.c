/* nbdkit-ox-plugin: serve a writable clone of an ox snapshot over NBD.
 *
 * This file is the nbdkit glue only: configuration, the log hook that
 * sends the library's messages to nbdkit_error and nbdkit_debug, and the
 * translation of requests into calls of clone.h. The logic lives in
 * session.c (attach, detach, the start and stop order), clone.c and its
 * neighbours (the clone engine), overlay.c (the local copy-on-write
 * layer), hydrate.c (background hydration) and stats.c (statistics).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "clone.h"
#include "log.h"
#include "overlay.h"
#include "session.h"
#include "stats.h"
#include "storecfg.h"
#include "units.h"

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

/* Configuration: the strings (owned here, freed at unload) and the rest
 * of the session's configuration, filled in by .config. */
static char *store_url, *volume_spec, *overlay_dir_path, *key_file;
static char *state_dir;
static char *passphrase, *stats_file;
static struct ox_session_config cfg;

/* State, from .get_ready to .cleanup. */
static struct ox_session *session;
static struct clone *the_clone; /* ox_session_clone (session) */
static struct pstats *stats;    /* ox_session_stats (session) */

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
  ox_session_config_default (&cfg);
}

static void
ox_unload (void)
{
  free (store_url);
  free (volume_spec);
  free (overlay_dir_path);
  free (state_dir);
  free (key_file);
  free (stats_file);
  if (passphrase) {
    explicit_bzero (passphrase, strlen (passphrase));
    free (passphrase);
  }
  free ((char *)cfg.store.endpoint);
  free ((char *)cfg.store.region);
  free ((char *)cfg.store.ca_bundle);
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
    cfg.store.connections = u;
    return 0;
  }
  if (strcmp (key, "bwlimit") == 0) {
    size = nbdkit_parse_size (value);
    if (size == -1)
      return -1;
    cfg.store.bwlimit = size;
    return 0;
  }
  if (strcmp (key, "hydrate-rate") == 0) {
    uint64_t rate;
    if (ox_parse_rate ("hydrate-rate", value, &rate) == -1)
      return -1;
    cfg.hydrate.rate = rate;
    cfg.hydrate_rate_set = 1;
    return 0;
  }
  if (strcmp (key, "hydrate-threads") == 0) {
    if (nbdkit_parse_unsigned (key, value, &u) == -1)
      return -1;
    if (u == 0 || u > 64) {
      nbdkit_error ("hydrate-threads= must be 1 to 64");
      return -1;
    }
    cfg.hydrate.threads = u;
    return 0;
  }
  if (strcmp (key, "readahead") == 0) {
    if (nbdkit_parse_unsigned (key, value, &u) == -1)
      return -1;
    if (u > 1024) {
      nbdkit_error ("readahead= must be 0 to 1024 chunks");
      return -1;
    }
    cfg.clone.readahead_max = u;
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
    return config_string (key, (char **)&cfg.store.endpoint, value, 0);
  if (strcmp (key, "region") == 0)
    return config_string (key, (char **)&cfg.store.region, value, 0);
  if (strcmp (key, "ca-bundle") == 0)
    return config_string (key, (char **)&cfg.store.ca_bundle, value, 1);
  if (strcmp (key, "stats-file") == 0)
    return config_string (key, &stats_file, value, 1);
  if (strcmp (key, "state-dir") == 0)
    return config_string (key, &state_dir, value, 1);
  if (strcmp (key, "allow-rollback") == 0) {
    if ((b = nbdkit_parse_bool (value)) == -1)
      return -1;
    cfg.allow_rollback = b;
    return 0;
  }
  if (strcmp (key, "record-trace") == 0) {
    if ((b = nbdkit_parse_bool (value)) == -1)
      return -1;
    cfg.record_trace = b;
    return 0;
  }
  if (strcmp (key, "hydrate") == 0) {
    if ((b = nbdkit_parse_bool (value)) == -1)
      return -1;
    cfg.hydrate_on = b;
    return 0;
  }
  if (strcmp (key, "insecure") == 0) {
    if ((b = nbdkit_parse_bool (value)) == -1)
      return -1;
    cfg.store.insecure = b;
    return 0;
  }
  if (strcmp (key, "addressing") == 0) {
    if (strcmp (value, "path") == 0)
      cfg.store.addressing = 1;
    else if (strcmp (value, "virtual") == 0)
      cfg.store.addressing = 2;
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
  "record-trace=BOOL  store the order of first reads for later clones\n"      \
  "state-dir=DIR      rollback detection's marks (default $OX_STATE_DIR,\n"   \
  "                   $XDG_STATE_HOME/ox or ~/.local/state/ox)\n"             \
  "allow-rollback=BOOL serve an older newest snapshot than seen before"

static void
session_debug (const char *msg)
{
  nbdkit_debug ("%s", msg);
}

static int
ox_get_ready (void)
{
  ox_log_set_debug (ox_debug_verbose);
  if (ox_debug_hydrate)
    cfg.hydrate.debug = session_debug;
  cfg.store_url = store_url;
  cfg.volume = volume_spec;
  cfg.overlay_dir = overlay_dir_path;
  cfg.key_file = key_file;
  cfg.passphrase = passphrase;
  cfg.stats_file = stats_file;
  cfg.state_dir = state_dir;
  cfg.debug = session_debug;
  if (ox_session_open (&cfg, &session) == -1)
    return -1;
  the_clone = ox_session_clone (session);
  stats = ox_session_stats (session);
  return 0;
}

static int
ox_after_fork (void)
{
  return ox_session_start (session);
}

static void
ox_cleanup (void)
{
  ox_session_close (session);
  session = NULL;
  the_clone = NULL;
  stats = NULL;
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
