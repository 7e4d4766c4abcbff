/* Test oxsnap info (snapshot/list.c) in-process: every line of the text
 * output and every JSON field, for a plain and an encrypted store, by id,
 * by tag and as the newest snapshot, and the errors with their exit
 * codes. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "cmdtest.h"
#include "units.h"

static struct cmd_stores s;

/* The text that info prints for the test volume VOLUME@ID (root R), with
 * TAGS and ENCRYPTED. */
static char *
want_text (const struct ox_root *r, const char *tags, int encrypted)
{
  char tb[32], a[32];
  uint64_t data = TEST_DATA_CHUNKS * (uint64_t)TEST_CHUNK;

  return fmt ("volume:          vol\n"
              "snapshot:        %016" PRIx64 "\n"
              "created:         %s\n"
              "parent:          - (full snapshot)\n"
              "tags:            %s\n"
              "size:            36.98 KiB (37864 bytes)\n"
              "chunk size:      4.00 KiB\n"
              "chunks:          10 (8 with data, 2 zero)\n"
              "new chunks:      7 (1 deduplicated)\n"
              "data:            32.00 KiB\n"
              "stored:          %s\n"
              "ratio:           %.2fx\n"
              "manifest pages:  1\n"
              "encrypted:       %s\n",
              r->snapshot_id, utc_time (r->created, tb, sizeof tb), tags,
              ox_format_size (r->stored_bytes, a, sizeof a),
              (double)data / (double)r->stored_bytes,
              encrypted ? "yes" : "no");
}

static void
test_text (void)
{
  struct ox_root *r0 = test_root (s.plain, NULL, "vol", s.ids[0]);
  struct ox_root *r1 = test_root (s.plain, NULL, "vol", s.ids[1]);
  struct ox_root *re = test_root (s.enc, s.enc_key, "vol", s.enc_id);
  char *out, *err, *want, spec[64];
  struct cli c;

  CHECK_EQ_INT (r0->data_chunks, TEST_DATA_CHUNKS);
  CHECK_EQ_INT (r0->new_chunks, TEST_NEW_CHUNKS);
  /* VOLUME alone: the newest. */
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, &err, s.plain, "vol", NULL), 0);
  want = want_text (r1, "-", 0);
  CHECK_STR (out, want);
  CHECK_STR (err, "");
  CHECK_EQ_INT (ox_test_errors (), 0);
  free (want);
  free (out);
  free (err);

  /* By id, and by tag. */
  snprintf (spec, sizeof spec, "vol@%016" PRIx64, s.ids[0]);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, NULL, s.plain, spec, NULL), 0);
  want = want_text (r0, "old,v1", 0);
  CHECK_STR (out, want);
  free (out);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, NULL, s.plain, "vol:v1", NULL),
                0);
  CHECK_STR (out, want);
  free (want);
  free (out);

  /* Encrypted. */
  cmd_options (&c);
  c.key_src.key_file = s.enc_key;
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, NULL, s.enc, "vol", NULL), 0);
  want = want_text (re, "-", 1);
  CHECK_STR (out, want);
  free (want);
  free (out);
  ox_root_free (r0);
  ox_root_free (r1);
  ox_root_free (re);
}

static void
test_json (void)
{
  struct ox_root *r = test_root (s.plain, NULL, "vol", s.ids[0]);
  char *out, *want, tb[32], ratio[64];
  double x = (double)(TEST_DATA_CHUNKS * TEST_CHUNK) / r->stored_bytes;
  struct cli c;

  /* As ox_json_double writes it: the shortest of %.15g and %.17g that
   * reads back exactly. */
  snprintf (ratio, sizeof ratio, "%.15g", x);
  if (strtod (ratio, NULL) != x)
    snprintf (ratio, sizeof ratio, "%.17g", x);
  cmd_options (&c);
  c.json = 1;
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, NULL, s.plain, "vol:old", NULL),
                0);
  want = fmt (
      "{\"volume\":\"vol\",\"snapshot\":\"%016" PRIx64 "\","
      "\"created\":\"%s\",\"created_unix\":%" PRIu64 ","
      "\"parent\":null,\"parent_volume\":null,"
      "\"tags\":[\"old\",\"v1\"],\"size\":37864,"
      "\"chunk_size\":4096,\"chunks\":10,\"data_chunks\":8,"
      "\"zero_chunks\":2,\"new_chunks\":7,\"deduplicated_chunks\":1,"
      "\"reused_chunks\":0,\"data_bytes\":32768,\"stored_bytes\":%" PRIu64 ","
      "\"ratio\":%s,\"manifest_pages\":1,\"encrypted\":false}\n",
      s.ids[0], utc_time (r->created, tb, sizeof tb), r->created,
      r->stored_bytes, ratio);
  CHECK_STR (out, want);
  free (want);
  free (out);
  ox_root_free (r);

  cmd_options (&c);
  c.json = 1;
  c.key_src.key_file = s.enc_key;
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, NULL, s.enc, "vol", NULL), 0);
  CHECK (strstr (out, ",\"encrypted\":true}\n") != NULL);
  free (out);
}

static void
test_errors (void)
{
  char *out, *want, spec[64];
  struct cli c;

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, NULL, s.plain, NULL), 2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap info STORE VOLUME[@ID|:TAG]");
  CHECK_STR (out, "");
  free (out);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, NULL, NULL, s.plain, "vol", "x", NULL),
                2);
  CHECK_STR (ox_test_last_error (),
             "usage: oxsnap info STORE VOLUME[@ID|:TAG]");

  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, NULL, s.plain, "vol:nope", NULL),
                1);
  want = fmt ("tag vol:nope not found in %s", s.plain);
  CHECK_STR (ox_test_last_error (), want);
  free (want);
  CHECK_STR (out, "");
  free (out);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, NULL, NULL, s.plain, "empty", NULL), 1);
  want = fmt ("volume empty has no snapshots in %s", s.plain);
  CHECK_STR (ox_test_last_error (), want);
  free (want);
  snprintf (spec, sizeof spec, "vol@%016" PRIx64, s.ids[1] + 1);
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, NULL, NULL, s.plain, spec, NULL), 1);
  CHECK_EQ_INT (ox_test_errors (), 1);

  /* An encrypted store without its key. */
  cmd_options (&c);
  CHECK_EQ_INT (run_cmd (cmd_info, &c, &out, NULL, s.enc, "vol", NULL), 1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (out, "");
  free (out);
}

int
main (void)
{
  struct cli c;

  cmd_stores_make (&s, "test-cmd-info");
  cmd_options (&c);
  CHECK (cli_open_store (&c, s.plain) == 0);
  CHECK (ox_tag_put (c.store, &c.keys, "vol", "v1", s.ids[0]) == 0);
  CHECK (ox_tag_put (c.store, &c.keys, "vol", "old", s.ids[0]) == 0);
  cli_close_store (&c);
  test_text ();
  test_json ();
  test_errors ();
  cmd_stores_free (&s);
  return 0;
}
