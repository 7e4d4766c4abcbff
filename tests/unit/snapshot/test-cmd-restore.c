/* Test oxsnap restore (snapshot/restore.c) in-process: the restored bytes
 * (plain and encrypted, by newest, id and tag, one job and many), zero
 * chunks left as holes, the message, an existing target (--force), a
 * failed restore leaving nothing behind, and the errors with their exit
 * codes. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "cmdtest.h"

static struct cmd_stores s;
static int ntargets;

/* A new target path (malloc'd) in the test directory. */
static char *
target (void)
{
  return fmt ("%s/target%d.img", s.tmp, ntargets++);
}

/* Fail unless PATH holds exactly the test image of SEED, and no partial
 * file is left beside it. */
static void
check_image (const char *path, unsigned seed)
{
  unsigned char *want = test_image (seed), *got = malloc (TEST_SIZE + 1);
  char *partial = fmt ("%s.oxsnap-partial", path);
  int fd = open (path, O_RDONLY);
  struct stat st;
  off_t hole;

  CHECK (fd >= 0 && got);
  CHECK (fstat (fd, &st) == 0);
  CHECK_EQ_INT (st.st_size, TEST_SIZE);
  CHECK_EQ_INT (pread (fd, got, TEST_SIZE + 1, 0), TEST_SIZE);
  CHECK_MEM (got, want, TEST_SIZE);
  /* Chunk 2 is zeros: a hole, where the file system has holes at all
   * (then chunk 1 before it is data, and so not a hole). */
  hole = lseek (fd, TEST_CHUNK, SEEK_HOLE);
  if (hole != (off_t)TEST_SIZE)
    CHECK_EQ_INT (hole, 2 * TEST_CHUNK);
  close (fd);
  CHECK (access (partial, F_OK) == -1 && errno == ENOENT);
  free (partial);
  free (want);
  free (got);
}

static void
test_restore (void)
{
  char *t = target (), *err, *out, *want, spec[64];
  struct cli c;

  /* VOLUME alone: the newest (seed 2). */
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, &out, &err, s.plain, "vol", t, NULL),
                0);
  check_image (t, 2);
  want = fmt ("oxsnap: restored vol@%016" PRIx64 " (36.98 KiB) to %s in ",
              s.ids[1], t);
  CHECK (strncmp (err, want, strlen (want)) == 0);
  CHECK (strstr (err, " MB/s\n") != NULL);
  CHECK (strchr (err, '\n') == err + strlen (err) - 1);
  CHECK_STR (out, "");
  CHECK_EQ_INT (ox_test_errors (), 0);
  free (want);
  free (out);
  free (err);
  free (t);

  /* By id with one job, by tag with many; -q says nothing. */
  t = target ();
  snprintf (spec, sizeof spec, "vol@%016" PRIx64, s.ids[0]);
  cmd_options (&c);
  c.jobs = 1;
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, NULL, &err, s.plain, spec, t, NULL),
                0);
  check_image (t, 1);
  CHECK_STR (err, "");
  free (err);
  free (t);
  t = target ();
  cmd_options (&c);
  c.jobs = 16;
  c.quiet = 1;
  CHECK_EQ_INT (
      run_cmd (cmd_restore, &c, NULL, NULL, s.plain, "vol:first", t, NULL), 0);
  check_image (t, 1);
  free (t);

  /* Encrypted, with the key. */
  t = target ();
  cmd_options (&c);
  c.key_src.key_file = s.enc_key;
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, NULL, NULL, s.enc, "vol", t, NULL),
                0);
  check_image (t, 1);
  free (t);
}

static void
test_existing_target (void)
{
  char *t = target (), *want;
  struct cli c;
  struct stat st;

  /* An empty file is replaced without --force. */
  ox_test_write_file (t, "", 0);
  cmd_options (&c);
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, NULL, NULL, s.plain, "vol", t, NULL),
                0);
  check_image (t, 2);

  /* A file with data is not, unless --force. */
  ox_test_write_file (t, "keep", 4);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, NULL, NULL, s.plain, "vol", t, NULL),
                1);
  want = fmt ("target %s exists; use --force to replace it", t);
  CHECK_STR (ox_test_last_error (), want);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK (stat (t, &st) == 0 && st.st_size == 4);
  free (want);
  cmd_options (&c);
  c.force = 1;
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, NULL, NULL, s.plain, "vol", t, NULL),
                0);
  check_image (t, 2);
  free (t);

  /* A directory is neither a file nor a device. */
  cmd_options (&c);
  CHECK_EQ_INT (
      run_cmd (cmd_restore, &c, NULL, NULL, s.plain, "vol", s.tmp, NULL), 1);
  want = fmt ("target %s is not a regular file or a block device", s.tmp);
  CHECK_STR (ox_test_last_error (), want);
  free (want);
}

/* A restore that fails half way leaves neither the target nor the
 * temporary file. */
static void
test_failed_restore (void)
{
  char *dir = fmt ("%s/broken", s.tmp), *seg, *t = target (), *want, *partial;
  uint64_t id;
  struct cli c;

  test_store (dir, 0, "vol", 1, &id);
  seg = only_object (dir, "segments");
  CHECK (unlink (seg) == 0);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, NULL, NULL, dir, "vol", t, NULL), 1);
  want = fmt ("restore failed; %s was not written", t);
  CHECK_STR (ox_test_last_error (), want);
  CHECK (access (t, F_OK) == -1 && errno == ENOENT);
  partial = fmt ("%s.oxsnap-partial", t);
  CHECK (access (partial, F_OK) == -1 && errno == ENOENT);
  free (partial);
  free (want);

  /* A target in a directory that does not exist. */
  free (t);
  t = fmt ("%s/no/such/dir.img", s.tmp);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, NULL, NULL, s.plain, "vol", t, NULL),
                1);
  want = fmt ("restore failed; %s was not written", t);
  CHECK_STR (ox_test_last_error (), want);
  CHECK_EQ_INT (ox_test_errors (), 2);
  free (want);
  free (t);
  free (seg);
  free (dir);
}

static void
test_errors (void)
{
  char *t = target (), *out, *want;
  struct cli c;

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, &out, NULL, s.plain, "vol", NULL),
                2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap restore STORE VOLUME[@ID|:TAG] TARGET");
  CHECK_STR (out, "");
  free (out);
  cmd_options (&c);
  CHECK_EQ_INT (
      run_cmd (cmd_restore, &c, NULL, NULL, s.plain, "vol", t, "x", NULL), 2);

  /* No such snapshot, or no key: nothing written. */
  cmd_options (&c);
  CHECK_EQ_INT (
      run_cmd (cmd_restore, &c, NULL, NULL, s.plain, "vol:nope", t, NULL), 1);
  want = fmt ("tag vol:nope not found in %s", s.plain);
  CHECK_STR (ox_test_last_error (), want);
  CHECK (access (t, F_OK) == -1);
  free (want);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_restore, &c, NULL, NULL, s.enc, "vol", t, NULL),
                1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK (access (t, F_OK) == -1);
  free (t);
}

int
main (void)
{
  struct cli c;

  cmd_stores_make (&s, "test-cmd-restore");
  cmd_options (&c);
  CHECK (cli_open_store (&c, s.plain) == 0);
  CHECK (ox_tag_put (c.store, &c.keys, "vol", "first", s.ids[0]) == 0);
  cli_close_store (&c);
  test_restore ();
  test_existing_target ();
  test_failed_restore ();
  test_errors ();
  cmd_stores_free (&s);
  return 0;
}
