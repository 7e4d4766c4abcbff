/* Test oxsnap snapshot (snapshot/snap.c) in-process: the id on stdout and
 * the summary on stderr, --tag, -q, a sparse source file read back whole,
 * and every option it refuses with its message and exit code. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "cmdtest.h"
#include "names.h"

static char *tmp, *dir, *src;

/* Snapshot options as oxsnap's defaults, with 4 KiB chunks and VOLUME. */
static void
snap_options (struct cli *c, const char *volume)
{
  cmd_options (c);
  c->volume = volume;
  c->chunk_size = TEST_CHUNK;
  c->chunk_size_given = 1; /* as --chunk-size does */
  c->jobs = 2;
}

/* The snapshot id that OUT ("ID\n") names. */
static uint64_t
printed_id (const char *out)
{
  char hex[17];
  uint64_t id = 0;

  CHECK_EQ_INT (strlen (out), 17);
  CHECK (out[16] == '\n');
  memcpy (hex, out, 16);
  hex[16] = '\0';
  CHECK (ox_snapshot_id_parse (hex, &id) == 0);
  return id;
}

static void
test_snapshot (void)
{
  char *out, *err, *want, *t = fmt ("%s/back.img", tmp);
  unsigned char *img = test_image (1), *got = malloc (TEST_SIZE);
  uint64_t id, tagged;
  struct cli c;
  FILE *f;

  snap_options (&c, "vol");
  c.tag = "first";
  CHECK_EQ_INT (run_cmd (cmd_snapshot, &c, &out, &err, src, dir, NULL), 0);
  id = printed_id (out);
  want = fmt ("oxsnap: snapshot vol@%016" PRIx64 ": 36.98 KiB volume, 10 "
              "chunks (8 with data, 1 deduplicated), ",
              id);
  CHECK (strncmp (err, want, strlen (want)) == 0);
  CHECK (strstr (err, " stored in 1 segments, ") != NULL);
  CHECK (strchr (err, '\n') == err + strlen (err) - 1);
  CHECK_EQ_INT (ox_test_errors (), 0);
  free (want);
  free (out);
  free (err);

  /* The tag names it, and the bytes come back. */
  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  CHECK (ox_tag_get (c.store, &c.keys, "vol", "first", &tagged) == 0);
  cli_close_store (&c);
  CHECK_EQ_INT (tagged, id);
  cmd_options (&c);
  c.quiet = 1;
  CHECK_EQ_INT (
      run_cmd (cmd_restore, &c, NULL, NULL, dir, "vol:first", t, NULL), 0);
  CHECK ((f = fopen (t, "rb")) != NULL);
  CHECK_EQ_INT (fread (got, 1, TEST_SIZE, f), TEST_SIZE);
  fclose (f);
  CHECK_MEM (got, img, TEST_SIZE);

  /* -q: the id only; --jobs over the limit is held to it. */
  snap_options (&c, "vol");
  c.quiet = 1;
  c.jobs = 1000;
  CHECK_EQ_INT (run_cmd (cmd_snapshot, &c, &out, &err, src, dir, NULL), 0);
  CHECK (printed_id (out) > id);
  CHECK_STR (err, "");
  CHECK_EQ_INT (c.jobs, 256);
  free (out);
  free (err);
  unlink (t);
  free (t);
  free (got);
  free (img);
}

/* Refused with exit status 2 and message MSG, before anything is read. */
static void
refused (struct cli *c, const char *msg)
{
  char *out, *err;

  CHECK_EQ_INT (run_cmd (cmd_snapshot, c, &out, &err, src, dir, NULL), 2);
  CHECK_STR (ox_test_last_error (), msg);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (out, "");
  CHECK_STR (err, "");
  free (out);
  free (err);
}

static void
test_errors (void)
{
  struct cli c;
  char *out;

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_snapshot, &c, &out, NULL, src, NULL), 2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap snapshot SOURCE STORE --volume NAME [options]");
  CHECK_STR (out, "");
  free (out);

  snap_options (&c, NULL);
  refused (&c, "snapshot: --volume NAME is required");
  snap_options (&c, "a/b");
  refused (&c, "invalid volume name 'a/b' (use 1-128 of A-Z a-z 0-9 . _ -)");
  snap_options (&c, "vol");
  c.tag = "x y";
  refused (&c, "invalid tag name 'x y'");
  snap_options (&c, "vol");
  c.chunk_size = 3000;
  refused (&c, "--chunk-size must be a power of two from 4K to 64M");
  snap_options (&c, "vol");
  c.chunk_size = 128u << 20;
  refused (&c, "--chunk-size must be a power of two from 4K to 64M");
  snap_options (&c, "vol");
  c.segment_size = 2 * TEST_CHUNK - 1;
  refused (&c, "--segment-size must be at least twice the chunk size and at "
               "most 2G");
  snap_options (&c, "vol");
  c.full = 1;
  c.parent = "vol";
  refused (&c, "snapshot: --full and --parent exclude each other");
  snap_options (&c, "vol");
  c.segment_size = (2ull << 30) + 1;
  refused (&c, "--segment-size must be at least twice the chunk size and at "
               "most 2G");

  /* A source that is not there: exit 1, no snapshot. */
  snap_options (&c, "other");
  CHECK_EQ_INT (run_cmd (cmd_snapshot, &c, &out, NULL,
                         ox_test_path (tmp, "none"), dir, NULL),
                1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (out, "");
  free (out);
}

/* The volume's second snapshot is incremental from its newest: the
 * summary names the parent and the chunks stored before; --full stores
 * them again; a --chunk-size other than the parent's is refused. */
static void
test_incremental (void)
{
  char *out, *err, *want;
  uint64_t first, second;
  struct cli c;

  snap_options (&c, "inc");
  CHECK_EQ_INT (run_cmd (cmd_snapshot, &c, &out, &err, src, dir, NULL), 0);
  first = printed_id (out);
  free (out);
  free (err);
  snap_options (&c, "inc");
  c.chunk_size_given = 0; /* the parent's is the default */
  c.chunk_size = 1u << 20;
  CHECK_EQ_INT (run_cmd (cmd_snapshot, &c, &out, &err, src, dir, NULL), 0);
  second = printed_id (out);
  CHECK (second > first);
  want
      = fmt ("; incremental from inc@%016" PRIx64 ", 8 chunks stored before\n",
             first);
  CHECK (strlen (err) > strlen (want));
  CHECK_STR (err + strlen (err) - strlen (want), want);
  CHECK (strstr (err, " 0 B stored in 1 segments, ") != NULL);
  free (want);
  free (out);
  free (err);

  snap_options (&c, "inc");
  c.full = 1;
  CHECK_EQ_INT (run_cmd (cmd_snapshot, &c, &out, &err, src, dir, NULL), 0);
  CHECK (strstr (err, "incremental") == NULL);
  CHECK (strstr (err, "stored before") == NULL);
  CHECK (strstr (err, " 0 B stored") == NULL);
  free (out);
  free (err);

  snap_options (&c, "inc");
  c.chunk_size = 2 * TEST_CHUNK;
  ox_test_reset_log ();
  CHECK_EQ_INT (run_cmd (cmd_snapshot, &c, &out, &err, src, dir, NULL), 1);
  want = fmt ("snapshot: --chunk-size %u differs from the parent's (inc: "
              "%u bytes); give the parent's, or --full",
              2 * TEST_CHUNK, TEST_CHUNK);
  CHECK_STR (ox_test_last_error (), want);
  free (want);
  free (out);
  free (err);
}

int
main (void)
{
  unsigned char *img = test_image (1);
  uint64_t none;

  tmp = ox_test_tmpdir ("test-cmd-snapshot");
  dir = fmt ("%s/store", tmp);
  src = fmt ("%s/source.img", tmp);
  ox_test_capture (0);
  test_store (dir, 0, "seed", 0, &none);
  ox_test_write_file (src, img, TEST_SIZE);
  free (img);
  test_snapshot ();
  test_errors ();
  test_incremental ();
  ox_test_rmtree (tmp);
  free (src);
  free (dir);
  free (tmp);
  return 0;
}
