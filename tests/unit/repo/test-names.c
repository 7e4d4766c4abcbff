/* Test names, snapshot ids, specs, listing, resolving and tags (names.c). */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "manifest.h"
#include "names.h"
#include "store.h"
#include "test.h"
#include "storeopen.h"
#include "catalog.h"
#include "objects.h"

static char last_error[2048];
static int nerrors;

static void
capture (enum ox_log_level level, const char *msg)
{
  if (level == OX_LOG_ERROR) {
    snprintf (last_error, sizeof last_error, "%s", msg);
    nerrors++;
  }
}

static void
reset_errors (void)
{
  last_error[0] = '\0';
  nerrors = 0;
}

static int
rm_entry (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove (path);
}

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

  reset_errors ();
  CHECK (ox_spec_parse (spec, &volume, &got_id, &got_tag) == 0);
  CHECK (strcmp (volume, vol) == 0);
  CHECK (got_id == id);
  if (tag)
    CHECK (got_tag && strcmp (got_tag, tag) == 0);
  else
    CHECK (got_tag == NULL);
  CHECK_EQ_INT (nerrors, 0);
  free (volume);
}

static void
check_spec_bad (const char *spec, const char *expect)
{
  char *volume = (char *)"unset";
  uint64_t id = 1;
  const char *tag;

  reset_errors ();
  CHECK (ox_spec_parse (spec, &volume, &id, &tag) == -1);
  CHECK (volume == NULL);
  CHECK_EQ_INT (nerrors, 1);
  if (strstr (last_error, expect) == NULL) {
    fprintf (stderr, "spec \"%s\": message \"%s\" lacks \"%s\"\n", spec,
             last_error, expect);
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

/* Store a minimal valid root for VOLUME@ID. */
static void
put_root (struct ox_store *st, const struct ox_keys *k, const char *volume,
          uint64_t id)
{
  uint8_t page[1][OX_ID_LEN];
  struct ox_root r = {
    .snapshot_id = id,
    .created = id >> 24,
    .volume_size = 3 * 4096,
    .chunk_size = 4096,
    .chunks_per_page = 4,
    .npages = 1,
    .pages = page,
  };

  memset (page, 0x5a, sizeof page);
  snprintf (r.volume, sizeof r.volume, "%s", volume);
  CHECK (ox_root_put (st, k, &r) == 0);
}

static void
resolve_ok (struct ox_store *st, const struct ox_keys *k, const char *spec,
            const char *vol, uint64_t id)
{
  struct ox_root *r;

  reset_errors ();
  CHECK (ox_snapshot_resolve (st, k, spec, &r) == 0);
  CHECK (r->snapshot_id == id);
  CHECK (strcmp (r->volume, vol) == 0);
  CHECK_EQ_INT (nerrors, 0);
  ox_root_free (r);
}

static void
resolve_bad (struct ox_store *st, const struct ox_keys *k, const char *spec,
             const char *expect)
{
  struct ox_root *r = (struct ox_root *)1;

  reset_errors ();
  CHECK (ox_snapshot_resolve (st, k, spec, &r) == -1);
  CHECK (r == NULL);
  CHECK_EQ_INT (nerrors, 1);
  if (strstr (last_error, expect) == NULL) {
    fprintf (stderr, "resolve \"%s\": message \"%s\" lacks \"%s\"\n", spec,
             last_error, expect);
    exit (1);
  }
}

static void
test_list_resolve_tags (struct ox_store *st, const struct ox_keys *k)
{
  const uint64_t id1 = UINT64_C (0x00006553f1000001);
  const uint64_t id2 = UINT64_C (0x00006553f1000002);
  const uint64_t id3 = UINT64_C (0x00006553f2abcdef);
  const uint64_t other = UINT64_C (0x00006553f9000000);
  char msg[256];
  uint64_t *ids, got;
  size_t n;
  void *data;
  size_t len;

  /* Nothing yet. */
  CHECK (ox_snapshot_list (st, "vm1", &ids, &n) == 0);
  CHECK_EQ_INT (n, 0);
  free (ids);
  snprintf (msg, sizeof msg, "volume vm1 has no snapshots in %s", st->url);
  resolve_bad (st, k, "vm1", msg);

  put_root (st, k, "vm1", id2);
  put_root (st, k, "vm1", id3);
  put_root (st, k, "vm1", id1);
  put_root (st, k, "vm10", other); /* another volume, same prefix text */
  /* Names in the directory that are not roots are ignored. */
  CHECK (ox_store_put (st, "volumes/vm1/snapshots/notanid", "x", 1) == 0);
  CHECK (ox_store_put (st, "volumes/vm1/snapshots/00006553F9000000", "x", 1)
         == 0);
  CHECK (ox_store_put (st, "volumes/vm1/snapshots/00006553f90000000", "x", 1)
         == 0);
  CHECK (
      ox_store_put (st, "volumes/vm1/snapshots/sub/00006553f9000001", "x", 1)
      == 0);

  CHECK (ox_snapshot_list (st, "vm1", &ids, &n) == 0);
  CHECK_EQ_INT (n, 3);
  CHECK (ids[0] == id1 && ids[1] == id2 && ids[2] == id3);
  free (ids);
  CHECK (ox_snapshot_list (st, "vm10", &ids, &n) == 0);
  CHECK_EQ_INT (n, 1);
  CHECK (ids[0] == other);
  free (ids);
  reset_errors ();
  CHECK (ox_snapshot_list (st, "bad/name", &ids, &n) == -1);
  CHECK_EQ_INT (nerrors, 1);

  /* Newest, by id. */
  resolve_ok (st, k, "vm1", "vm1", id3);
  resolve_ok (st, k, "vm1@00006553f1000001", "vm1", id1);
  resolve_ok (st, k, "vm10", "vm10", other);
  resolve_bad (st, k, "vm1@00006553f1000003",
               "snapshot vm1@00006553f1000003 not found");
  /* An id of another volume is not found in this one. */
  resolve_bad (st, k, "vm1@00006553f9000000",
               "snapshot vm1@00006553f9000000 not found");
  resolve_bad (st, k, "vm2", "volume vm2 has no snapshots in");
  resolve_bad (st, k, "vm1@zz", "invalid snapshot id");

  /* Tags. */
  reset_errors ();
  CHECK (ox_tag_get (st, "vm1", "gold", &got) == -1);
  CHECK_EQ_INT (errno, ENOENT);
  CHECK_EQ_INT (nerrors, 0); /* absence is not reported */
  resolve_bad (st, k, "vm1:gold", "tag vm1:gold not found");

  CHECK (ox_tag_put (st, "vm1", "gold", id2) == 0);
  CHECK (ox_store_get (st, "volumes/vm1/tags/gold", &data, &len) == 0);
  CHECK_EQ_INT (len, 26);
  CHECK_MEM (data, "snapshot 00006553f1000002\n", 26);
  free (data);
  CHECK (ox_tag_get (st, "vm1", "gold", &got) == 0);
  CHECK (got == id2);
  resolve_ok (st, k, "vm1:gold", "vm1", id2);

  /* Replacing a tag. */
  CHECK (ox_tag_put (st, "vm1", "gold", id1) == 0);
  CHECK (ox_tag_get (st, "vm1", "gold", &got) == 0);
  CHECK (got == id1);
  resolve_ok (st, k, "vm1:gold", "vm1", id1);

  /* A tag naming a snapshot of another volume does not resolve. */
  CHECK (ox_tag_put (st, "vm1", "foreign", other) == 0);
  resolve_bad (st, k, "vm1:foreign",
               "snapshot vm1@00006553f9000000 not found");

  /* Bad tag names and ids. */
  reset_errors ();
  CHECK (ox_tag_put (st, "vm1", ".hidden", id1) == -1);
  CHECK (ox_tag_put (st, "vm1", "a/b", id1) == -1);
  CHECK (ox_tag_put (st, "v/m", "gold", id1) == -1);
  CHECK (ox_tag_put (st, "vm1", "zero", 0) == -1);
  CHECK (ox_tag_get (st, "vm1", "", &got) == -1);
  CHECK_EQ_INT (nerrors, 5);

  /* Tags with bad content are errors, not "absent". */
  const char *const bad[] = {
    "snapshot 00006553f1000002",     /* no newline */
    "snapshot 00006553f1000002\n\n", /* extra */
    "snapshot 00006553f100000\n",    /* short id */
    "snapshot 00006553f100000g\n",   /* not hex */
    "snapshot 0000000000000000\n",   /* zero */
    "snapshot  00006553f1000002\n",  /* two spaces */
    "Snapshot 00006553f1000002\n",   /* case */
    "",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK (
        ox_store_put (st, "volumes/vm1/tags/broken", bad[i], strlen (bad[i]))
        == 0);
    reset_errors ();
    errno = 0;
    CHECK (ox_tag_get (st, "vm1", "broken", &got) == -1);
    CHECK (errno != ENOENT);
    CHECK_EQ_INT (nerrors, 1);
    CHECK (strstr (last_error, "volumes/vm1/tags/broken") != NULL);
    resolve_bad (st, k, "vm1:broken", "invalid content");
  }

  /* A root stored under the wrong volume's key is refused. */
  {
    char key_src[OX_KEY_MAX], key_dst[OX_KEY_MAX];
    ox_root_key ("vm10", other, key_src);
    ox_root_key ("vm1", other, key_dst);
    CHECK (ox_store_get (st, key_src, &data, &len) == 0);
    CHECK (ox_store_put (st, key_dst, data, len) == 0);
    free (data);
    resolve_bad (st, k, "vm1@00006553f9000000", "belongs to volume vm10");
    /* ...and it now is the newest of vm1 by name, so plain vm1 fails too
     * rather than returning another volume's snapshot. */
    resolve_bad (st, k, "vm1", "belongs to volume vm10");
    CHECK (ox_store_del (st, key_dst) == 0);
    resolve_ok (st, k, "vm1", "vm1", id3);
  }
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

/* Reserving: the id follows the newest root (one in the future here),
 * the marker is created, and reservations never repeat an id. */
static void
test_reserve (struct ox_store *st, const struct ox_keys *k)
{
  uint64_t future = ((uint64_t)time (NULL) + 1000) << 24 | 0x123456, id, prev;
  char key[OX_KEY_MAX], hex[17];
  uint64_t size;

  put_root (st, k, "resv", future);
  reset_errors ();
  CHECK (ox_snapshot_id_reserve (st, "resv", &id) == 0);
  CHECK_EQ_INT (nerrors, 0);
  CHECK ((id >> 24) == (future >> 24) + 1);
  ox_snapshot_id_format (id, hex);
  snprintf (key, sizeof key, "volumes/resv/ids/%s", hex);
  CHECK (ox_store_stat (st, key, &size) == 0);
  CHECK_EQ_INT (size, 7 + 32 + 1); /* "writer " + nonce + "\n" */
  prev = id;
  for (int i = 0; i < 20; i++) {
    CHECK (ox_snapshot_id_reserve (st, "resv", &id) == 0);
    CHECK (id != prev);
    CHECK ((id >> 24) == (future >> 24) + 1); /* no root yet: same rule */
    prev = id;
  }
  /* Reservations are not snapshots. */
  {
    uint64_t *ids;
    size_t n;
    CHECK (ox_snapshot_list (st, "resv", &ids, &n) == 0);
    CHECK_EQ_INT (n, 1);
    free (ids);
  }
}

int
main (void)
{
  char dir[] = "/tmp/ox-test-names.XXXXXX";
  struct ox_store_options opts = { .create = 1 };
  struct ox_store *st;
  struct ox_keys plain, enc;
  uint8_t store_id[OX_STORE_ID_LEN], master[OX_MASTER_KEY_LEN];

  ox_log_set_handler (capture);
  test_name_valid ();
  test_ids ();
  test_spec_parse ();

  CHECK (mkdtemp (dir) != NULL);
  CHECK (ox_store_open (dir, &opts, &st) == 0);
  CHECK (ox_random_bytes (store_id, sizeof store_id) == 0);
  CHECK (ox_random_bytes (master, sizeof master) == 0);
  ox_keys_init_plain (&plain, store_id);
  CHECK (ox_keys_init_encrypted (&enc, store_id, master) == 0);

  test_list_resolve_tags (st, &enc);
  test_id_after ();
  test_reserve (st, &enc);

  /* The roots were written with the encrypted keys: the plain keys cannot
   * authenticate them. */
  resolve_bad (st, &plain, "vm1", "authentication failed");

  ox_store_close (st);
  CHECK (nftw (dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0);
  ox_keys_wipe (&enc);
  return 0;
}
