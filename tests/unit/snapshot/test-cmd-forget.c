/* Test oxsnap forget (snapshot/forget.c) in-process: the exact plan, the
 * lines of what is removed and the summary (and -q), --dry-run, a snapshot
 * named by tag going with all its tags while its reservation stays, a
 * policy, --json, and the errors with their exit codes, each leaving the
 * store as it was. Times print in local time: TZ=UTC here. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "cmdtest.h"

static char *tmp, *dir;
static uint64_t ids[3];

/* How many snapshots vol has now. */
static size_t
count_snapshots (void)
{
  struct cli c;
  uint64_t *l = NULL;
  size_t n = 0;

  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  CHECK (ox_snapshot_list (c.store, "vol", &l, &n) == 0);
  cli_close_store (&c);
  free (l);
  return n;
}

/* Whether tag TAG of vol exists. */
static int
has_tag (const char *tag)
{
  struct cli c;
  uint64_t id;
  int r;

  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  r = ox_tag_get (c.store, &c.keys, "vol", tag, &id) == 0;
  cli_close_store (&c);
  return r;
}

/* The plan's line for snapshot I of vol. */
static char *
plan_line (int i, const char *action, const char *reasons, const char *tags)
{
  char tb[32];
  struct ox_root *r = test_root (dir, NULL, "vol", ids[i]);
  time_t t = (time_t)r->created;
  struct tm tm;

  gmtime_r (&t, &tm);
  strftime (tb, sizeof tb, "%Y-%m-%dT%H:%M:%S+0000", &tm);
  ox_root_free (r);
  return fmt ("%016" PRIx64 "  %s  %-6s  %-24s  %s\n", ids[i], tb, action,
              reasons, tags);
}

#define HEADER                                                                \
  "volume vol:\n"                                                             \
  "SNAPSHOT          CREATED                   ACTION  REASONS              " \
  "     TAGS\n"

static void
test_dry_run_and_named (void)
{
  char *out, *err, *want, *l0, *l1, *l2;
  struct cli c;
  char key[OX_KEY_MAX], hex[17];
  uint64_t size;

  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  CHECK (ox_tag_put (c.store, &c.keys, "vol", "a", ids[0]) == 0);
  CHECK (ox_tag_put (c.store, &c.keys, "vol", "b", ids[0]) == 0);
  CHECK (ox_tag_put (c.store, &c.keys, "vol", "c", ids[2]) == 0);
  cli_close_store (&c);

  /* --keep-last 1 --dry-run: the plan, nothing removed. */
  cmd_options (&c);
  c.keep.last = 1;
  c.keep_given = 1;
  c.dry_run = 1;
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, &out, &err, dir, "vol", NULL), 0);
  l0 = plan_line (0, "remove", "-", "a,b");
  l1 = plan_line (1, "remove", "-", "-");
  l2 = plan_line (2, "keep", "last", "c");
  want = fmt (HEADER "%s%s%s", l0, l1, l2);
  CHECK_STR (out, want);
  CHECK_STR (err, "oxsnap: volume vol: would keep 1, would remove 2 "
                  "snapshots (dry run: nothing removed)\n");
  CHECK_EQ_INT (count_snapshots (), 3);
  CHECK (has_tag ("a") && has_tag ("b") && has_tag ("c"));
  free (want);
  free (out);
  free (err);
  free (l0);
  free (l1);
  free (l2);

  /* By a tag: the snapshot and both its tags; the reservation stays. */
  l0 = plan_line (0, "remove", "-", "a,b");
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, &out, &err, dir, "vol:a", NULL), 0);
  want = fmt (HEADER "%stag vol:a removed\ntag vol:b removed\nsnapshot "
                     "vol@%016" PRIx64 " removed\n",
              l0, ids[0]);
  CHECK_STR (out, want);
  CHECK_STR (err, "oxsnap: volume vol: removed 1 snapshots and 2 tags "
                  "(space is freed by oxsnap gc)\n");
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_EQ_INT (count_snapshots (), 2);
  CHECK (!has_tag ("a") && !has_tag ("b") && has_tag ("c"));
  free (want);
  free (out);
  free (err);
  free (l0);
  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  ox_snapshot_id_format (ids[0], hex);
  snprintf (key, sizeof key, "volumes/vol/ids/%s", hex);
  CHECK (ox_store_stat (c.store, key, &size) == 0);
  cli_close_store (&c);
}

static void
test_errors (void)
{
  char *err, *want, spec[64], spec2[64];
  struct cli c;

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, NULL, NULL, dir, NULL), 2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap forget STORE VOLUME@ID|VOLUME:TAG..., or oxsnap "
             "forget STORE VOLUME...|--all --keep-...");
  cmd_options (&c);
  c.all = 1;
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, NULL, NULL, dir, NULL), 2);
  CHECK_STR (ox_test_last_error (),
             "forget --all needs a policy (--keep-last, ...)");
  cmd_options (&c);
  c.keep_given = 1; /* --keep-last 0 */
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, NULL, NULL, dir, "vol", NULL), 2);
  CHECK (
      strstr (ox_test_last_error (), "no policy given: nothing would be kept")
      != NULL);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, NULL, NULL, dir, "vol", NULL), 2);
  CHECK_STR (ox_test_last_error (),
             "forget vol: name a snapshot, vol@ID or vol:TAG, or give a "
             "policy (--keep-last, ...); forget never picks the newest by "
             "itself");

  /* An unknown id after a good one: nothing is removed. */
  snprintf (spec, sizeof spec, "vol@%016" PRIx64, ids[1]);
  snprintf (spec2, sizeof spec2, "vol@%016" PRIx64, ids[2] + 1);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, NULL, &err, dir, spec, spec2, NULL),
                1);
  want = fmt ("snapshot %s not found in %s", spec2, dir);
  CHECK_STR (ox_test_last_error (), want);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (err, "");
  CHECK_EQ_INT (count_snapshots (), 2);
  free (want);
  free (err);

  cmd_options (&c);
  c.keep.last = 1;
  c.keep_given = 1;
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, NULL, NULL, dir, spec, NULL), 2);
  want = fmt ("invalid volume name '%s' (with --keep-* give volumes, not "
              "snapshots)",
              spec);
  CHECK_STR (ox_test_last_error (), want);
  free (want);
  CHECK_EQ_INT (count_snapshots (), 2);
}

static void
test_policy_json (void)
{
  char *out, *err, *want, t1[32], t2[32];
  struct cli c;
  struct ox_root *r1 = test_root (dir, NULL, "vol", ids[1]);
  struct ox_root *r2 = test_root (dir, NULL, "vol", ids[2]);

  /* --json --dry-run: the document, UTC times. */
  cmd_options (&c);
  c.keep.last = 1;
  c.keep_given = 1;
  c.dry_run = 1;
  c.json = 1;
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, &out, &err, dir, "vol", NULL), 0);
  want = fmt ("{\"dry_run\":true,\"volumes\":[{\"volume\":\"vol\",\"kept\":1,"
              "\"removed\":1,\"snapshots\":["
              "{\"id\":\"%016" PRIx64 "\",\"created\":\"%s\","
              "\"created_unix\":%" PRIu64 ",\"action\":\"remove\","
              "\"reasons\":[],\"tags\":[]},"
              "{\"id\":\"%016" PRIx64 "\",\"created\":\"%s\","
              "\"created_unix\":%" PRIu64 ",\"action\":\"keep\","
              "\"reasons\":[\"last\"],\"tags\":[\"c\"]}]}]}\n",
              ids[1], utc_time (r1->created, t1, sizeof t1), r1->created,
              ids[2], utc_time (r2->created, t2, sizeof t2), r2->created);
  CHECK_STR (out, want);
  CHECK_STR (err, "oxsnap: volume vol: would keep 1, would remove 1 "
                  "snapshots (dry run: nothing removed)\n");
  CHECK_EQ_INT (count_snapshots (), 2);
  free (want);
  free (out);
  free (err);
  ox_root_free (r1);
  ox_root_free (r2);

  /* The policy, -q: the lines of what is removed, no summary. */
  cmd_options (&c);
  c.keep.last = 1;
  c.keep_given = 1;
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_forget, &c, &out, &err, dir, "vol", NULL), 0);
  want = fmt ("snapshot vol@%016" PRIx64 " removed\n", ids[1]);
  CHECK (strstr (out, want) != NULL);
  CHECK_STR (err, "");
  CHECK_EQ_INT (count_snapshots (), 1);
  CHECK (has_tag ("c"));
  free (want);
  free (out);
  free (err);
}

int
main (void)
{
  setenv ("TZ", "UTC", 1);
  tzset ();
  tmp = ox_test_tmpdir ("test-cmd-forget");
  dir = fmt ("%s/store", tmp);
  ox_test_capture (0);
  test_store (dir, 0, "vol", 3, ids);
  test_dry_run_and_named ();
  test_errors ();
  test_policy_json ();
  ox_test_rmtree (tmp);
  free (dir);
  free (tmp);
  return 0;
}
