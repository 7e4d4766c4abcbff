/* Test oxsnap tag (snapshot/list.c) in-process: tagging by id, by the
 * newest and by another tag, moving a tag, the message (and -q), the
 * stored tag object, and the errors with their exit codes. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cmdtest.h"

static char *tmp, *dir;
static uint64_t ids[2];

/* The snapshot that tag TAG of vol names in the store (0: none). */
static uint64_t
tag_target (const char *tag)
{
  struct cli c;
  uint64_t id = 0;

  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  if (ox_tag_get (c.store, &c.keys, "vol", tag, &id) == -1)
    id = 0;
  cli_close_store (&c);
  return id;
}

static void
test_tag (void)
{
  char *out, *err, *want, spec[64];
  struct cli c;
  void *data;
  size_t len;

  /* VOLUME alone: the newest. */
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, &out, &err, dir, "vol", "new", NULL), 0);
  want = fmt ("oxsnap: tagged vol@%016" PRIx64 " as vol:new\n", ids[1]);
  CHECK_STR (err, want);
  CHECK_STR (out, "");
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_EQ_INT (tag_target ("new"), ids[1]);
  free (want);
  free (out);
  free (err);

  /* The object: FORMAT 7, "snapshot ID\nmac MAC\n". */
  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  CHECK (ox_store_get (c.store, "volumes/vol/tags/new", &data, &len) == 0);
  cli_close_store (&c);
  want = fmt ("snapshot %016" PRIx64 "\n", ids[1]);
  CHECK_EQ_INT (len, strlen (want) + 4 + 64 + 1);
  CHECK_MEM (data, want, strlen (want));
  CHECK_MEM ((char *)data + strlen (want), "mac ", 4);
  free (want);
  free (data);

  /* By id; -q says nothing. */
  snprintf (spec, sizeof spec, "vol@%016" PRIx64, ids[0]);
  cmd_options (&c);
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, &out, &err, dir, spec, "old", NULL), 0);
  CHECK_STR (err, "");
  CHECK_STR (out, "");
  CHECK_EQ_INT (tag_target ("old"), ids[0]);
  free (out);
  free (err);

  /* By another tag, and moving a tag. */
  cmd_options (&c);
  CHECK_EQ_INT (
      run_cmd (cmd_tag, &c, NULL, &err, dir, "vol:old", "copy", NULL), 0);
  want = fmt ("oxsnap: tagged vol@%016" PRIx64 " as vol:copy\n", ids[0]);
  CHECK_STR (err, want);
  CHECK_EQ_INT (tag_target ("copy"), ids[0]);
  free (want);
  free (err);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, NULL, NULL, dir, "vol", "old", NULL), 0);
  CHECK_EQ_INT (tag_target ("old"), ids[1]);
  CHECK_EQ_INT (tag_target ("copy"), ids[0]);
}

static void
test_errors (void)
{
  char *err, *want, spec[64];
  struct cli c;

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, NULL, NULL, dir, "vol", NULL), 2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap tag STORE VOLUME[@ID|:TAG] NEWTAG");
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, NULL, NULL, dir, "vol", "a", "b", NULL),
                2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap tag STORE VOLUME[@ID|:TAG] NEWTAG");

  /* A bad name is refused before the store is opened. */
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, NULL, &err, ox_test_path (tmp, "none"),
                         "vol", "a/b", NULL),
                2);
  CHECK_STR (ox_test_last_error (), "invalid tag name 'a/b'");
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (err, "");
  free (err);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, NULL, NULL, dir, "vol", "", NULL), 2);
  CHECK_STR (ox_test_last_error (), "invalid tag name ''");

  /* What it names must exist. */
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, NULL, &err, dir, "vol:nope", "x", NULL),
                1);
  want = fmt ("tag vol:nope not found in %s", dir);
  CHECK_STR (ox_test_last_error (), want);
  CHECK_STR (err, "");
  CHECK_EQ_INT (tag_target ("x"), 0);
  free (want);
  free (err);
  snprintf (spec, sizeof spec, "vol@%016" PRIx64, ids[1] + 1);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, NULL, NULL, dir, spec, "x", NULL), 1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_EQ_INT (tag_target ("x"), 0);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_tag, &c, NULL, NULL, dir, "other", "x", NULL), 1);
  want = fmt ("volume other has no snapshots in %s", dir);
  CHECK_STR (ox_test_last_error (), want);
  free (want);
}

int
main (void)
{
  tmp = ox_test_tmpdir ("test-cmd-tag");
  dir = fmt ("%s/store", tmp);
  ox_test_capture (0);
  test_store (dir, 0, "vol", 2, ids);
  test_tag ();
  test_errors ();
  ox_test_rmtree (tmp);
  free (dir);
  free (tmp);
  return 0;
}
