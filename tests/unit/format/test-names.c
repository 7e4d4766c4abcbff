/* Test volume and tag names, snapshot ids and specs (names.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "testlib.h"

static void
test_name_valid (void)
{
  char long_name[OX_NAME_MAX + 2];

  CHECK (ox_name_valid ("vm1"));
  CHECK (ox_name_valid ("a"));
  CHECK (ox_name_valid ("A.b_c-D9"));
  CHECK (ox_name_valid ("x."));
  CHECK (ox_name_valid ("-x"));
  CHECK (ox_name_valid ("_"));
  CHECK (!ox_name_valid (""));
  CHECK (!ox_name_valid (NULL));
  CHECK (!ox_name_valid (".x"));
  CHECK (!ox_name_valid ("."));
  CHECK (!ox_name_valid (".."));
  CHECK (!ox_name_valid ("a/b"));
  CHECK (!ox_name_valid ("a b"));
  CHECK (!ox_name_valid ("a@b"));
  CHECK (!ox_name_valid ("a:b"));
  CHECK (!ox_name_valid ("caf\xc3\xa9"));
  CHECK (!ox_name_valid ("tab\t"));
  memset (long_name, 'n', OX_NAME_MAX);
  long_name[OX_NAME_MAX] = '\0';
  CHECK (ox_name_valid (long_name));
  long_name[OX_NAME_MAX] = 'n';
  long_name[OX_NAME_MAX + 1] = '\0';
  CHECK (!ox_name_valid (long_name));
}

static void
test_ids (void)
{
  uint64_t before = (uint64_t)time (NULL);
  uint64_t a = ox_snapshot_id_new (), b, c, parsed;
  uint64_t after = (uint64_t)time (NULL);
  char sa[17], sb[17];
  int differ = 0;

  /* Upper 40 bits are the creation time. */
  CHECK (a >> 24 >= before && a >> 24 <= after);

  /* Ids of a later second are greater, and so are their hex strings. */
  usleep (1100 * 1000);
  b = ox_snapshot_id_new ();
  CHECK (b > a);
  ox_snapshot_id_format (a, sa);
  ox_snapshot_id_format (b, sb);
  CHECK (strcmp (sa, sb) < 0);
  CHECK_EQ_INT (strlen (sa), 16);

  /* The low 24 bits are random: a few ids of one second differ. */
  for (int i = 0; i < 8; i++) {
    c = ox_snapshot_id_new ();
    if ((c & 0xffffff) != (b & 0xffffff))
      differ = 1;
  }
  CHECK (differ);

  /* Time t with the largest random part sorts before t + 1 with the
   * smallest. */
  ox_snapshot_id_format ((UINT64_C (1700000000) << 24) | 0xffffff, sa);
  ox_snapshot_id_format ((UINT64_C (1700000001) << 24), sb);
  CHECK (strcmp (sa, sb) < 0);

  ox_snapshot_id_format (UINT64_C (0x0123456789abcdef), sa);
  CHECK (strcmp (sa, "0123456789abcdef") == 0);
  ox_snapshot_id_format (1, sa);
  CHECK (strcmp (sa, "0000000000000001") == 0);

  CHECK (ox_snapshot_id_parse ("0123456789abcdef", &parsed) == 0);
  CHECK (parsed == UINT64_C (0x0123456789abcdef));
  CHECK (ox_snapshot_id_parse ("FFFFFFFFFFFFFFFF", &parsed) == 0);
  CHECK (parsed == UINT64_MAX);
  CHECK (ox_snapshot_id_parse ("0123456789abcde", &parsed) == -1);
  CHECK (ox_snapshot_id_parse ("0123456789abcdef0", &parsed) == -1);
  CHECK (ox_snapshot_id_parse ("0123456789abcdeg", &parsed) == -1);
  CHECK (ox_snapshot_id_parse ("", &parsed) == -1);
  CHECK (ox_snapshot_id_parse (" 123456789abcdef", &parsed) == -1);
}

static void
check_spec_ok (const char *spec, const char *vol, uint64_t id, const char *tag)
{
  char *volume;
  uint64_t got_id;
  const char *got_tag;

  ox_test_reset_log ();
  CHECK (ox_spec_parse (spec, &volume, &got_id, &got_tag) == 0);
  CHECK (strcmp (volume, vol) == 0);
  CHECK (got_id == id);
  if (tag)
    CHECK (got_tag && strcmp (got_tag, tag) == 0);
  else
    CHECK (got_tag == NULL);
  CHECK_EQ_INT (ox_test_errors (), 0);
  free (volume);
}

static void
check_spec_bad (const char *spec, const char *expect)
{
  char *volume = (char *)"unset";
  uint64_t id = 1;
  const char *tag;

  ox_test_reset_log ();
  CHECK (ox_spec_parse (spec, &volume, &id, &tag) == -1);
  CHECK (volume == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  if (strstr (ox_test_last_error (), expect) == NULL) {
    fprintf (stderr, "spec \"%s\": message \"%s\" lacks \"%s\"\n", spec,
             ox_test_last_error (), expect);
    exit (1);
  }
}

static void
test_spec_parse (void)
{
  check_spec_ok ("vm1", "vm1", 0, NULL);
  check_spec_ok ("vm1@0123456789abcdef", "vm1", UINT64_C (0x0123456789abcdef),
                 NULL);
  check_spec_ok ("vm1:gold", "vm1", 0, "gold");
  check_spec_ok ("my.vol_1-x:v1.2", "my.vol_1-x", 0, "v1.2");

  check_spec_bad ("", "invalid volume name");
  check_spec_bad ("@0123456789abcdef", "invalid volume name");
  check_spec_bad (":gold", "invalid volume name");
  check_spec_bad (".vm", "invalid volume name");
  check_spec_bad ("vm/1", "invalid volume name");
  check_spec_bad ("vm1@", "invalid snapshot id");
  check_spec_bad ("vm1@xyz", "invalid snapshot id");
  check_spec_bad ("vm1@0123456789abcde", "invalid snapshot id");
  check_spec_bad ("vm1@0123456789abcdef0", "invalid snapshot id");
  check_spec_bad ("vm1@0000000000000000", "invalid snapshot id");
  check_spec_bad ("vm1@0123456789abcdef:gold", "invalid snapshot id");
  check_spec_bad ("vm1:", "invalid tag name");
  check_spec_bad ("vm1:.x", "invalid tag name");
  check_spec_bad ("vm1:a/b", "invalid tag name");
  check_spec_bad ("vm1:a@b", "invalid tag name");
  check_spec_bad ("vm1:gold:x", "invalid tag name");
}

/* The id rule: the time-based candidate if it is the greatest, else one
 * second after the newest id's time part with the candidate's random
 * bits; never newest + 1. */
static void
test_id_after (void)
{
  uint64_t cand = (uint64_t)1000 << 24 | 0xabcdef;

  CHECK (ox_snapshot_id_after (cand, 0) == cand);
  CHECK (ox_snapshot_id_after (cand, cand - 1) == cand);
  CHECK (ox_snapshot_id_after (cand, cand)
         == ((uint64_t)1001 << 24 | 0xabcdef));
  CHECK (ox_snapshot_id_after (cand, (uint64_t)1000 << 24 | 0xffffff)
         == ((uint64_t)1001 << 24 | 0xabcdef));
  CHECK (ox_snapshot_id_after (cand, (uint64_t)5000 << 24 | 0x000001)
         == ((uint64_t)5001 << 24 | 0xabcdef));
  CHECK (ox_snapshot_id_after (cand, UINT64_MAX) == 0);
}

/* The resume markers' keys (FORMAT.md 6.4), built and parsed back. */
static void
test_partial (void)
{
  uint8_t seg[OX_SEGMENT_ID_LEN], got[OX_SEGMENT_ID_LEN];
  char key[OX_KEY_MAX];
  uint64_t id = 0;

  for (int i = 0; i < OX_SEGMENT_ID_LEN; i++)
    seg[i] = (uint8_t)(0xa0 + i);
  ox_partial_key ("vm-1", UINT64_C (0x006b1052abcdef01), seg, key);
  CHECK (strcmp (key, "volumes/vm-1/partial/006b1052abcdef01/"
                      "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
         == 0);
  ox_partial_prefix ("vm-1", key);
  CHECK (strcmp (key, "volumes/vm-1/partial/") == 0);
  CHECK_EQ_INT (ox_partial_parse ("006b1052abcdef01/"
                                  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                                  &id, got),
                0);
  CHECK (id == UINT64_C (0x006b1052abcdef01));
  CHECK_MEM (got, seg, sizeof seg);
  /* Anything else is refused, and leaves the outputs alone. */
  id = 7;
  CHECK_EQ_INT (ox_partial_parse ("", &id, got), -1);
  CHECK_EQ_INT (ox_partial_parse ("006b1052abcdef01", &id, got), -1);
  CHECK_EQ_INT (ox_partial_parse ("006b1052abcdef01/"
                                  "a0a1a2a3a4a5a6a7a8a9aaabacadaea",
                                  &id, got),
                -1);
  CHECK_EQ_INT (ox_partial_parse ("006b1052abcdef01/"
                                  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0",
                                  &id, got),
                -1);
  CHECK_EQ_INT (ox_partial_parse ("006b1052abcdef01/"
                                  "A0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                                  &id, got),
                -1);
  CHECK_EQ_INT (ox_partial_parse ("006b1052abcdef01-"
                                  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                                  &id, got),
                -1);
  CHECK_EQ_INT (ox_partial_parse ("0000000000000000/"
                                  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                                  &id, got),
                -1);
  CHECK_EQ_INT (ox_partial_parse ("006b1052abcdefgh/"
                                  "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
                                  &id, got),
                -1);
  CHECK (id == 7);
}

int
main (void)
{
  ox_test_capture (0);
  test_name_valid ();
  test_ids ();
  test_spec_parse ();
  test_id_after ();
  test_partial ();
  return 0;
}
