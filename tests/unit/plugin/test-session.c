/* Unit tests for plugin/session.c on a real file:// store with a snapshot
 * made by oxsnap: attach (creating the overlay), read, write, detach,
 * re-attach of the same overlay, hydration to a complete overlay that
 * then opens without the store, a stored read trace, and the errors for
 * a missing snapshot or a missing volume=. */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clone.h"
#include "hydrate.h"
#include "log.h"
#include "session.h"
#include "test.h"
#include "testlib.h"

#ifndef OXSNAP
#error "OXSNAP must name the oxsnap binary"
#endif

#define CHUNK 65536
#define SIZE (2 * 1024 * 1024 + 8192) /* the last chunk is short */
#define BS 4096

static char tmp[1024], store_url[PATH_MAX + 8];
static unsigned char *image; /* the snapshot's bytes */

/* Every error and progress message since the last reset, one per line. */
static char log_text[65536];
static size_t log_len;

static void
append (const char *what, const char *msg)
{
  int n = snprintf (log_text + log_len, sizeof log_text - log_len, "%s: %s\n",
                    what, msg);
  if (n > 0 && (size_t)n < sizeof log_text - log_len)
    log_len += (size_t)n;
}

static void
log_handler (enum ox_log_level level, const char *msg)
{
  append (level == OX_LOG_ERROR ? "error" : "other", msg);
}

static void
debug (const char *msg)
{
  append ("debug", msg);
}

static void
log_reset (void)
{
  log_len = 0;
  log_text[0] = 0;
}

/* Chunk I of the image: zeros when I % 4 == 1, else random bytes. */
static void
make_image (const char *path)
{
  FILE *f;
  unsigned seed = 7;

  image = malloc (SIZE);
  CHECK (image != NULL);
  for (size_t i = 0; i < SIZE; i++)
    image[i] = (i / CHUNK) % 4 == 1 ? 0 : rand_r (&seed) >> 7;
  f = fopen (path, "wb");
  CHECK (f && fwrite (image, 1, SIZE, f) == SIZE);
  fclose (f);
}

/* A configuration for overlay NAME of VOLUME (NULL: none given). */
static void
config (struct ox_session_config *cfg, const char *name, const char *volume,
        char *dir, size_t dirlen)
{
  snprintf (dir, dirlen, "%s/%s", tmp, name);
  ox_session_config_default (cfg);
  cfg->store_url = store_url;
  cfg->volume = volume;
  cfg->overlay_dir = dir;
  cfg->debug = debug;
  cfg->hydrate_on = 0;
  cfg->clone.flush_interval = 0;
}

static void
check_read (struct clone *c, const unsigned char *model, uint64_t off,
            uint32_t len)
{
  unsigned char *buf = malloc (len);

  CHECK (buf != NULL);
  CHECK_EQ_INT (clone_pread (c, NULL, buf, len, off), 0);
  CHECK_MEM (buf, model + off, len);
  free (buf);
}

/* Attach a new overlay, read and write, detach; attach it again (without
 * volume=, then with it) and find the writes. */
static void
test_attach_reattach (void)
{
  struct ox_session_config cfg;
  struct ox_session *s;
  struct clone *c;
  unsigned char *model = malloc (SIZE);
  char dir[PATH_MAX];
  struct clone_stats cs;

  CHECK (model != NULL);
  memcpy (model, image, SIZE);
  config (&cfg, "ov", "vol", dir, sizeof dir);
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), 0);
  CHECK (strstr (log_text, "debug: serving vol@") != NULL);
  CHECK (strstr (log_text, "0 of 514 blocks local) from ") != NULL);
  CHECK_EQ_INT (ox_session_detached (s), 0);
  CHECK (ox_session_hydrator (s) == NULL); /* hydrate_on = 0 */
  CHECK_EQ_INT (ox_session_start (s), 0);
  c = ox_session_clone (s);
  CHECK_EQ_INT (clone_size (c), SIZE);
  check_read (c, model, 0, 3 * CHUNK);
  CHECK_EQ_INT (clone_pwrite (c, "hello", 5, CHUNK + 100, 0), 0);
  memcpy (model + CHUNK + 100, "hello", 5);
  CHECK_EQ_INT (clone_pwrite (c, "tail", 4, SIZE - 4, 0), 0);
  memcpy (model + SIZE - 4, "tail", 4);
  check_read (c, model, 0, SIZE);
  clone_stats (c, &cs);
  CHECK (cs.fetches > 0);
  log_reset ();
  ox_session_stop (s);
  CHECK (strstr (log_text, "debug: ox stats: fetches=") != NULL);
  /* Demand reads leave ZERO chunks to the basis: not complete. */
  CHECK (strstr (log_text, " complete=0 detached=0") != NULL);
  CHECK (strstr (log_text, "error:") == NULL);
  ox_session_close (s);

  /* Attached again without volume= (the overlay's snapshot): 24 whole
   * data chunks, the short last one and the written block of a ZERO
   * chunk are local, and the writes are there without a fetch. */
  config (&cfg, "ov", NULL, dir, sizeof dir);
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), 0);
  CHECK (strstr (log_text, "(2105344 bytes, 387 of 514 blocks local) from ")
         != NULL);
  CHECK_EQ_INT (ox_session_start (s), 0);
  check_read (ox_session_clone (s), model, 0, SIZE);
  clone_stats (ox_session_clone (s), &cs);
  CHECK_EQ_INT (cs.fetches, 0);
  ox_session_close (s);
  free (model);
}

/* A partly read overlay re-attaches to the store (volume= given or not)
 * and keeps its writes; only the rest is fetched. */
static void
test_reattach_partial (void)
{
  struct ox_session_config cfg;
  struct ox_session *s;
  struct clone_stats cs;
  unsigned char *model = malloc (SIZE);
  char dir[PATH_MAX];

  CHECK (model != NULL);
  memcpy (model, image, SIZE);
  config (&cfg, "partial", "vol", dir, sizeof dir);
  CHECK_EQ_INT (ox_session_open (&cfg, &s), 0);
  CHECK_EQ_INT (ox_session_start (s), 0);
  memset (model + 2 * CHUNK + 10, 'x', 3 * BS);
  CHECK_EQ_INT (clone_pwrite (ox_session_clone (s), model + 2 * CHUNK + 10,
                              3 * BS, 2 * CHUNK + 10, 0),
                0);
  check_read (ox_session_clone (s), model, 0, 4 * CHUNK);
  ox_session_close (s); /* stops first */

  for (int with_volume = 0; with_volume < 2; with_volume++) {
    config (&cfg, "partial", with_volume ? "vol" : NULL, dir, sizeof dir);
    log_reset ();
    CHECK_EQ_INT (ox_session_open (&cfg, &s), 0);
    CHECK (strstr (log_text, "48 of 514 blocks local") != NULL);
    CHECK_EQ_INT (ox_session_start (s), 0);
    check_read (ox_session_clone (s), model, 0, 4 * CHUNK);
    clone_stats (ox_session_clone (s), &cs);
    CHECK_EQ_INT (cs.fetches, 0); /* all local */
    ox_session_close (s);
  }
  free (model);
}

/* With hydration on, the overlay becomes complete by itself; a trace
 * recorded by one clone orders hydration of the next. */
static void
test_hydrate_and_trace (void)
{
  struct ox_session_config cfg;
  struct ox_session *s;
  char dir[PATH_MAX];
  unsigned char buf[BS];

  config (&cfg, "traced", "vol", dir, sizeof dir);
  cfg.record_trace = 1;
  CHECK_EQ_INT (ox_session_open (&cfg, &s), 0);
  CHECK_EQ_INT (ox_session_start (s), 0);
  CHECK_EQ_INT (clone_pread (ox_session_clone (s), NULL, buf, BS, 6 * CHUNK),
                0);
  CHECK_MEM (buf, image + 6 * CHUNK, BS);
  CHECK_EQ_INT (clone_pread (ox_session_clone (s), NULL, buf, BS, 3 * CHUNK),
                0);
  log_reset ();
  ox_session_stop (s);
  CHECK (strstr (log_text, "debug: stored a read trace of 2 chunks") != NULL);
  ox_session_close (s);

  config (&cfg, "hydrated", "vol", dir, sizeof dir);
  cfg.hydrate_on = 1;
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), 0);
  CHECK (strstr (log_text, "hydrating the 2 chunks of the read trace first")
         != NULL);
  CHECK (strstr (log_text, " blocks local, hydrating) from ") != NULL);
  CHECK (ox_session_hydrator (s) != NULL);
  CHECK_EQ_INT (ox_session_start (s), 0);
  CHECK_EQ_INT (hydrate_wait (ox_session_hydrator (s), 60000), 1);
  log_reset ();
  ox_session_close (s);
  CHECK (strstr (log_text, "debug: ox hydrate: filled=") != NULL);
  CHECK (strstr (log_text, " traced=2 complete=1") != NULL);

  config (&cfg, "hydrated", "vol", dir, sizeof dir);
  CHECK_EQ_INT (ox_session_open (&cfg, &s), 0);
  CHECK_EQ_INT (ox_session_detached (s), 1);
  check_read (ox_session_clone (s), image, 0, SIZE);
  ox_session_close (s);

  /* A volume that is not the overlay's is refused, even detached. */
  config (&cfg, "hydrated", "other", dir, sizeof dir);
  cfg.store_url = NULL;
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), -1);
  CHECK (s == NULL);
  CHECK (strstr (log_text, ", not of volume other; use another overlay "
                           "directory")
         != NULL);

  /* Without store= too: detached. */
  config (&cfg, "hydrated", NULL, dir, sizeof dir);
  cfg.store_url = NULL;
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), 0);
  CHECK (strstr (log_text, "from the complete overlay") != NULL);
  CHECK_EQ_INT (ox_session_start (s), 0);
  check_read (ox_session_clone (s), image, 0, SIZE);
  ox_session_close (s);
}

/* A snapshot that does not exist, and an overlay that does not exist
 * without volume=, fail with one clear error and leave nothing open. */
static void
test_errors (void)
{
  struct ox_session_config cfg;
  struct ox_session *s = (struct ox_session *)1;
  char dir[PATH_MAX];

  config (&cfg, "missing", "nosuch", dir, sizeof dir);
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), -1);
  CHECK (s == NULL);
  CHECK (strstr (log_text, "error: volume nosuch has no snapshots in ")
         != NULL);
  CHECK (access (dir, F_OK) == -1); /* no overlay was made */

  config (&cfg, "missing", "vol@00000000000000ff", dir, sizeof dir);
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), -1);
  CHECK (strstr (log_text, "error: ") != NULL);
  CHECK (access (dir, F_OK) == -1);

  config (&cfg, "missing", NULL, dir, sizeof dir);
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), -1);
  CHECK (strstr (log_text, "does not exist yet: give volume= to create it")
         != NULL);

  config (&cfg, "missing", "vol", dir, sizeof dir);
  cfg.store_url = NULL;
  log_reset ();
  CHECK_EQ_INT (ox_session_open (&cfg, &s), -1);
  CHECK (strstr (log_text, "error: store= is required (the overlay ") != NULL);
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");
  char cmd[8192];

  snprintf (tmp, sizeof tmp, "%s/test-session.XXXXXX", t ? t : "/tmp");
  CHECK (mkdtemp (tmp) != NULL);
  snprintf (store_url, sizeof store_url, "file://%s/store", tmp);
  snprintf (cmd, sizeof cmd, "%s/img", tmp);
  make_image (cmd);
  snprintf (cmd, sizeof cmd,
            "'%s' init '%s/store' --no-encryption -q && '%s' snapshot "
            "'%s/img' '%s/store' --volume vol --chunk-size %d -q "
            "--no-progress >/dev/null",
            OXSNAP, tmp, OXSNAP, tmp, tmp, CHUNK);
  ox_test_run (cmd);
  ox_log_set_handler (log_handler);

  test_errors ();
  test_attach_reattach ();
  test_reattach_partial ();
  test_hydrate_and_trace ();

  ox_log_set_handler (NULL);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ox_test_run (cmd);
  free (image);
  return 0;
}
