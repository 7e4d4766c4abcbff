/* Test oxsnap list (snapshot/list.c) in-process: the table of volumes, the
 * table of a volume's snapshots with their tags, both as JSON, a damaged
 * tag, and the errors with their exit codes. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"
#include "cmdtest.h"
#include "units.h"

/* The header line of a volume's table. */
#define SNAPSHOTS_HEADER                                                      \
  "SNAPSHOT          CREATED                       SIZE        STORED  "      \
  "TAGS\n"

static char *tmp, *dir;
static uint64_t ids[3], other;

/* Tag VOLUME@ID as TAG in the store at DIR. */
static void
put_tag (const char *volume, const char *tag, uint64_t id)
{
  struct cli c;

  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  CHECK (ox_tag_put (c.store, &c.keys, volume, tag, id) == 0);
  cli_close_store (&c);
}

/* Add a snapshot of another test image as VOLUME to the store; its id in
 * *ID. */
static void
add_volume (const char *volume, uint64_t *id)
{
  unsigned char *data = test_image (9);
  struct fixture_image img = { .data = data, .size = TEST_SIZE };
  struct cli c;

  cmd_options (&c);
  CHECK (cli_open_store (&c, dir) == 0);
  *id = fixture_snapshot (c.store, &c.keys, volume, &img, TEST_CHUNK);
  cli_close_store (&c);
  free (data);
}

static void
test_volumes (void)
{
  struct cli c;
  char *out, *err, *want, tb[32], tc[32];

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_list, &c, &out, &err, dir, NULL), 0);
  want = fmt (
      "VOLUME                            SNAPSHOTS  NEWEST            "
      "CREATED             \n"
      "alpha                                     1  %016" PRIx64 "  %-20s\n"
      "vol                                       3  %016" PRIx64 "  %-20s\n",
      other, utc_time (other >> 24, tb, sizeof tb), ids[2],
      utc_time (ids[2] >> 24, tc, sizeof tc));
  CHECK_STR (out, want);
  CHECK_STR (err, "");
  CHECK_EQ_INT (ox_test_errors (), 0);
  free (want);
  free (out);
  free (err);

  cmd_options (&c);
  c.json = 1;
  CHECK_EQ_INT (run_cmd (cmd_list, &c, &out, NULL, dir, NULL), 0);
  want = fmt ("{\"volumes\":[{\"name\":\"alpha\",\"snapshots\":1,\"newest\":"
              "\"%016" PRIx64 "\",\"newest_created\":\"%s\"},"
              "{\"name\":\"vol\",\"snapshots\":3,\"newest\":\"%016" PRIx64
              "\",\"newest_created\":\"%s\"}]}\n",
              other, utc_time (other >> 24, tb, sizeof tb), ids[2],
              utc_time (ids[2] >> 24, tc, sizeof tc));
  CHECK_STR (out, want);
  free (want);
  free (out);
}

static void
test_snapshots (void)
{
  struct ox_root *r[3];
  struct cli c;
  char *out, *err, *want, *line[3], tb[32], a[32], b[32];
  const char *tags[3] = { "first,gold", "-", "last" };
  const char *jtags[3] = { "\"first\",\"gold\"", "", "\"last\"" };

  for (int i = 0; i < 3; i++) {
    r[i] = test_root (dir, NULL, "vol", ids[i]);
    line[i] = fmt ("%016" PRIx64 "  %-20s  %12s  %12s  %s\n", ids[i],
                   utc_time (ids[i] >> 24, tb, sizeof tb),
                   ox_format_size (TEST_SIZE, a, sizeof a),
                   ox_format_size (r[i]->stored_bytes, b, sizeof b), tags[i]);
  }
  CHECK_STR (a, "36.98 KiB");
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_list, &c, &out, &err, dir, "vol", NULL), 0);
  want = fmt ("%s%s%s%s", SNAPSHOTS_HEADER, line[0], line[1], line[2]);
  CHECK_STR (out, want);
  CHECK_STR (err, "");
  free (want);
  free (out);
  free (err);

  cmd_options (&c);
  c.json = 1;
  CHECK_EQ_INT (run_cmd (cmd_list, &c, &out, NULL, dir, "vol", NULL), 0);
  want = fmt ("{\"volume\":\"vol\",\"snapshots\":[");
  for (int i = 0; i < 3; i++) {
    char *w = fmt ("%s%s{\"id\":\"%016" PRIx64 "\",\"created\":\"%s\","
                   "\"created_unix\":%" PRIu64 ",\"size\":%u,"
                   "\"stored_bytes\":%" PRIu64 ",\"tags\":[%s]}",
                   want, i ? "," : "", ids[i],
                   utc_time (ids[i] >> 24, tb, sizeof tb), ids[i] >> 24,
                   TEST_SIZE, r[i]->stored_bytes, jtags[i]);
    free (want);
    want = w;
  }
  {
    char *w = fmt ("%s]}\n", want);
    free (want);
    want = w;
  }
  CHECK_STR (out, want);
  free (want);
  free (out);
  for (int i = 0; i < 3; i++) {
    ox_root_free (r[i]);
    free (line[i]);
  }
}

/* A tag whose content is not a tag is skipped with a warning. */
static void
test_damaged_tag (void)
{
  char path[2048], *out;
  struct cli c;

  snprintf (path, sizeof path, "%s/volumes/alpha/tags", dir);
  CHECK (mkdir (path, 0755) == 0);
  snprintf (path, sizeof path, "%s/volumes/alpha/tags/broken", dir);
  ox_test_write_file (path, "garbage\n", 8);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_list, &c, &out, NULL, dir, "alpha", NULL), 0);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK_MESSAGE ("ignoring damaged tag alpha:broken");
  CHECK (strstr (out, "broken") == NULL);
  CHECK (strstr (out, "  -\n") != NULL);
  free (out);
}

static void
test_errors (void)
{
  struct cli c;
  char *out, *err;

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_list, &c, &out, NULL, NULL), 2);
  CHECK_STR (ox_test_last_error (), "usage: oxsnap list STORE [VOLUME]");
  CHECK_STR (out, "");
  free (out);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_list, &c, NULL, NULL, dir, "vol", "x", NULL), 2);
  CHECK_STR (ox_test_last_error (), "usage: oxsnap list STORE [VOLUME]");

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_list, &c, &out, NULL, dir, "bad/name", NULL), 1);
  CHECK_STR (ox_test_last_error (), "invalid volume name 'bad/name'");
  CHECK_STR (out, "");
  free (out);

  /* A volume without snapshots: the header, and a note. */
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_list, &c, &out, &err, dir, "nope", NULL), 0);
  CHECK_STR (out, SNAPSHOTS_HEADER);
  CHECK_STR (err, "oxsnap: volume nope has no snapshots\n");
  free (out);
  free (err);

  /* Not a store. */
  cmd_options (&c);
  CHECK_EQ_INT (
      run_cmd (cmd_list, &c, &out, NULL, ox_test_path (tmp, "none"), NULL), 1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (out, "");
  free (out);
}

int
main (void)
{
  tmp = ox_test_tmpdir ("test-cmd-list");
  dir = fmt ("%s/store", tmp);
  ox_test_capture (0);
  test_store (dir, 0, "vol", 3, ids);
  add_volume ("alpha", &other);
  put_tag ("vol", "first", ids[0]);
  put_tag ("vol", "gold", ids[0]);
  put_tag ("vol", "last", ids[2]);
  test_volumes ();
  test_snapshots ();
  test_damaged_tag ();
  test_errors ();
  ox_test_rmtree (tmp);
  free (dir);
  free (tmp);
  return 0;
}
