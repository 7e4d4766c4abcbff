/* Test oxsnap verify (snapshot/verify.c) in-process: a whole store, one
 * snapshot, --full, --json, and the damage each check finds (a missing
 * segment or page, a damaged frame that only --full sees, a damaged
 * root), with the exit codes and messages. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdtest.h"

static char *tmp, *good;
static uint64_t ids[2], alpha;
static int nstores;

/* A fresh store with one snapshot of vol; its path (malloc'd), id in *ID. */
static char *
one_snapshot (uint64_t *id)
{
  char *dir = fmt ("%s/store%d", tmp, nstores++);

  test_store (dir, 0, "vol", 1, id);
  return dir;
}

static void
test_ok (void)
{
  char *out, *err, *want, spec[64];
  struct cli c;

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, &err, good, NULL), 0);
  want = fmt ("alpha@%016" PRIx64 ": ok\nvol@%016" PRIx64
              ": ok\nvol@%016" PRIx64 ": ok\n",
              alpha, ids[0], ids[1]);
  CHECK_STR (out, want);
  CHECK_STR (err, "oxsnap: verified 3 snapshot(s), 24 chunks: all ok\n");
  CHECK_EQ_INT (ox_test_errors (), 0);
  free (want);
  free (out);
  free (err);

  /* One snapshot, decoded; -q: no summary. */
  snprintf (spec, sizeof spec, "vol@%016" PRIx64, ids[0]);
  cmd_options (&c);
  c.full = 1;
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, &err, good, spec, NULL), 0);
  want = fmt ("vol@%016" PRIx64 ": ok\n", ids[0]);
  CHECK_STR (out, want);
  CHECK_STR (err,
             "oxsnap: verified 1 snapshot(s), 8 chunks decoded: all ok\n");
  free (out);
  free (err);
  cmd_options (&c);
  c.full = 1;
  c.quiet = 1;
  c.jobs = 1;
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, &err, good, spec, NULL), 0);
  CHECK_STR (out, want);
  CHECK_STR (err, "");
  free (want);
  free (out);
  free (err);

  cmd_options (&c);
  c.json = 1;
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, NULL, good, "vol", NULL), 0);
  want = fmt ("{\"full\":false,\"snapshots\":[{\"volume\":\"vol\",\"id\":\""
              "%016" PRIx64 "\",\"ok\":true}],\"snapshots_checked\":1,"
              "\"chunks_checked\":8,\"problems\":0,\"complete\":true,"
              "\"ok\":true}\n",
              ids[1]);
  CHECK_STR (out, want);
  free (want);
  free (out);
}

static void
test_missing_segment (void)
{
  uint64_t id;
  char *dir = one_snapshot (&id), *seg = only_object (dir, "segments");
  char *out, *err, *want, *msg;
  struct cli c;

  CHECK (unlink (seg) == 0);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, &err, dir, NULL), 1);
  want = fmt ("vol@%016" PRIx64 ": DAMAGED\n", id);
  msg = fmt ("segment %s is missing", seg + strlen (dir) + 1);
  CHECK_STR (out, want);
  CHECK_STR (ox_test_last_error (), msg);
  /* "segment ...: not found in STORE" from the reader, then this. */
  CHECK_EQ_INT (ox_test_errors (), 2);
  CHECK_STR (err,
             "oxsnap: verified 1 snapshot(s), 8 chunks: PROBLEMS FOUND\n");
  free (want);
  free (out);
  free (err);

  cmd_options (&c);
  c.json = 1;
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, NULL, dir, NULL), 1);
  want = fmt ("{\"full\":false,\"snapshots\":[{\"volume\":\"vol\",\"id\":\""
              "%016" PRIx64 "\",\"ok\":false}],\"snapshots_checked\":1,"
              "\"chunks_checked\":8,\"problems\":1,\"complete\":true,"
              "\"ok\":false}\n",
              id);
  CHECK_STR (out, want);
  free (want);
  free (out);
  free (msg);
  free (seg);
  free (dir);
}

static void
test_missing_page (void)
{
  uint64_t id;
  char *dir = one_snapshot (&id), *page = only_object (dir, "pages");
  char *out, *want, *msg;
  struct cli c;

  CHECK (unlink (page) == 0);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, NULL, dir, "vol", NULL), 1);
  want = fmt ("vol@%016" PRIx64 ": DAMAGED\n", id);
  msg = fmt ("vol@%016" PRIx64 ": manifest page 0 (%s) is missing", id,
             page + strlen (dir) + 1);
  CHECK_STR (out, want);
  CHECK_STR (ox_test_last_error (), msg);
  free (want);
  free (msg);
  free (out);
  free (page);
  free (dir);
}

/* A changed byte inside a frame: the index still matches, so only --full
 * (which decodes every chunk) finds it. */
static void
test_damaged_frame (void)
{
  uint64_t id;
  char *dir = one_snapshot (&id), *seg = only_object (dir, "segments");
  char *out, *err, *want;
  unsigned char b;
  struct cli c;
  int fd = open (seg, O_RDWR);

  /* The header is 56 bytes and the volume name; the first frame follows. */
  CHECK (fd >= 0);
  CHECK (pread (fd, &b, 1, 56 + 3 + 200) == 1);
  b ^= 0x01;
  CHECK (pwrite (fd, &b, 1, 56 + 3 + 200) == 1);
  close (fd);

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, NULL, dir, NULL), 0);
  want = fmt ("vol@%016" PRIx64 ": ok\n", id);
  CHECK_STR (out, want);
  free (want);
  free (out);

  cmd_options (&c);
  c.full = 1;
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, &err, dir, NULL), 1);
  want = fmt ("vol@%016" PRIx64 ": DAMAGED\n", id);
  CHECK_STR (out, want);
  CHECK (ox_test_errors () >= 1);
  CHECK_STR (err, "oxsnap: verified 1 snapshot(s), 8 chunks decoded: "
                  "PROBLEMS FOUND\n");
  free (want);
  free (out);
  free (err);
  free (seg);
  free (dir);
}

/* A root that does not verify: the error only in the text output, an
 * element with "ok": false in the JSON one. */
static void
test_damaged_root (void)
{
  uint64_t id;
  char *dir = one_snapshot (&id), *root, *out, *want;
  struct cli c;

  root = fmt ("%s/volumes/vol/snapshots/%016" PRIx64, dir, id);
  ox_test_write_file (root, "not a root", 10);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, NULL, dir, NULL), 1);
  CHECK_STR (out, "");
  CHECK (ox_test_errors () >= 1);
  free (out);
  cmd_options (&c);
  c.json = 1;
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, NULL, dir, NULL), 1);
  want = fmt ("{\"full\":false,\"snapshots\":[{\"volume\":\"vol\",\"id\":\""
              "%016" PRIx64 "\",\"ok\":false}],\"snapshots_checked\":1,"
              "\"chunks_checked\":0,\"problems\":1,\"complete\":true,"
              "\"ok\":false}\n",
              id);
  CHECK_STR (out, want);
  free (want);
  free (out);
  free (root);
  free (dir);
}

static void
test_errors (void)
{
  char *out, *err;
  struct cli c;

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, NULL, NULL), 2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap verify STORE [VOLUME[@ID|:TAG]] [--full]");
  CHECK_STR (out, "");
  free (out);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, NULL, NULL, good, "vol", "x", NULL),
                2);

  /* Nothing to verify: no summary, exit 1. */
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, &err, good, "vol:nope", NULL),
                1);
  CHECK_STR (out, "");
  CHECK_STR (err, "");
  free (out);
  free (err);
  /* With --json the document still closes, incomplete. */
  cmd_options (&c);
  c.json = 1;
  CHECK_EQ_INT (run_cmd (cmd_verify, &c, &out, NULL, good, "vol:nope", NULL),
                1);
  CHECK_STR (out, "{\"full\":false,\"snapshots\":[],\"snapshots_checked\":0,"
                  "\"chunks_checked\":0,\"problems\":0,\"complete\":false,"
                  "\"ok\":false}\n");
  free (out);
  cmd_options (&c);
  CHECK_EQ_INT (
      run_cmd (cmd_verify, &c, &out, NULL, ox_test_path (tmp, "none"), NULL),
      1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  free (out);
}

int
main (void)
{
  struct cli c;
  unsigned char *data = test_image (5);
  struct fixture_image img = { .data = data, .size = TEST_SIZE };

  tmp = ox_test_tmpdir ("test-cmd-verify");
  good = fmt ("%s/good", tmp);
  ox_test_capture (0);
  test_store (good, 0, "vol", 2, ids);
  cmd_options (&c);
  CHECK (cli_open_store (&c, good) == 0);
  alpha = fixture_snapshot (c.store, &c.keys, "alpha", &img, TEST_CHUNK);
  cli_close_store (&c);
  free (data);
  test_ok ();
  test_missing_segment ();
  test_missing_page ();
  test_damaged_frame ();
  test_damaged_root ();
  test_errors ();
  ox_test_rmtree (tmp);
  free (good);
  free (tmp);
  return 0;
}
