/* Test oxsnap diff (snapshot/diff.c) in-process: two snapshots of the test
 * volume with other data in every data chunk (the zero chunks 2 and 5
 * alike) give three data extents, exactly, in text and JSON; a snapshot
 * against itself gives none; and the errors with their exit codes. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdtest.h"

int
main (void)
{
  char *tmp = ox_test_tmpdir ("test-cmd-diff");
  char *dir = fmt ("%s/store", tmp), *a, *b, *out, *err, *want;
  uint64_t ids[2];
  struct cli c;

  ox_test_capture (0);
  test_store (dir, 0, "vol", 2, ids);
  a = fmt ("vol@%016" PRIx64, ids[0]);
  b = fmt ("vol@%016" PRIx64, ids[1]);

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_diff, &c, &out, &err, dir, a, b, NULL), 0);
  CHECK_STR (out, "0 8192 data\n12288 8192 data\n24576 13288 data\n");
  want = fmt ("oxsnap: %s -> %s: 3 extents, 29672 bytes differ\n", a, b);
  CHECK_STR (err, want);
  free (want);
  free (out);
  free (err);

  cmd_options (&c);
  c.json = 1;
  CHECK_EQ_INT (run_cmd (cmd_diff, &c, &out, &err, dir, a, b, NULL), 0);
  want = fmt ("{\"from\":{\"volume\":\"vol\",\"snapshot\":\"%016" PRIx64
              "\",\"size\":37864},\"to\":{\"volume\":\"vol\",\"snapshot\":\"%"
              "016" PRIx64 "\",\"size\":37864},\"chunk_size\":4096,"
              "\"extents\":[{\"offset\":0,\"length\":8192,\"type\":\"data\"},"
              "{\"offset\":12288,\"length\":8192,\"type\":\"data\"},"
              "{\"offset\":24576,\"length\":13288,\"type\":\"data\"}],"
              "\"extents_count\":3,\"changed_bytes\":29672}\n",
              ids[0], ids[1]);
  CHECK_STR (out, want);
  free (want);
  free (out);
  free (err);

  /* Against itself (the newest, as VOLUME alone): nothing; -q: silent. */
  cmd_options (&c);
  c.quiet = 1;
  CHECK_EQ_INT (run_cmd (cmd_diff, &c, &out, &err, dir, b, "vol", NULL), 0);
  CHECK_STR (out, "");
  CHECK_STR (err, "");
  free (out);
  free (err);

  /* Usage (2) and a missing snapshot (1). */
  cmd_options (&c);
  ox_test_reset_log ();
  CHECK_EQ_INT (run_cmd (cmd_diff, &c, &out, &err, dir, a, NULL), 2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap diff STORE VOLUME[@ID|:TAG] VOLUME[@ID|:TAG]");
  free (out);
  free (err);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_diff, &c, &out, &err, dir, a, "nosuch", NULL), 1);
  CHECK_ERROR ("volume nosuch has no snapshots");
  free (out);
  free (err);

  free (a);
  free (b);
  ox_test_rmtree (tmp);
  free (dir);
  free (tmp);
  return 0;
}
