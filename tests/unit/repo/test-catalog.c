/* Test listing, resolving, reserving and tags in a store (catalog.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "log.h"
#include "catalog.h"
#include "manifest.h"
#include "names.h"
#include "objects.h"
#include "store.h"
#include "testlib.h"
#include "storeopen.h"

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

  ox_test_reset_log ();
  CHECK (ox_snapshot_resolve (st, k, NULL, spec, &r) == 0);
  CHECK (r->snapshot_id == id);
  CHECK (strcmp (r->volume, vol) == 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
  ox_root_free (r);
}

static void
resolve_bad (struct ox_store *st, const struct ox_keys *k, const char *spec,
             const char *expect)
{
  struct ox_root *r = (struct ox_root *)1;

  ox_test_reset_log ();
  CHECK (ox_snapshot_resolve (st, k, NULL, spec, &r) == -1);
  CHECK (r == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  if (strstr (ox_test_last_error (), expect) == NULL) {
    fprintf (stderr, "resolve \"%s\": message \"%s\" lacks \"%s\"\n", spec,
             ox_test_last_error (), expect);
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
  ox_test_reset_log ();
  CHECK (ox_snapshot_list (st, "bad/name", &ids, &n) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);

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
  ox_test_reset_log ();
  CHECK (ox_tag_get (st, k, "vm1", "gold", &got) == -1);
  CHECK_EQ_INT (errno, ENOENT);
  CHECK_EQ_INT (ox_test_errors (), 0); /* absence is not reported */
  resolve_bad (st, k, "vm1:gold", "tag vm1:gold not found");

  CHECK (ox_tag_put (st, k, "vm1", "gold", id2) == 0);
  CHECK (ox_store_get (st, "volumes/vm1/tags/gold", &data, &len) == 0);
  CHECK_EQ_INT (len, 26 + 4 + 64 + 1);
  CHECK_MEM (data, "snapshot 00006553f1000002\nmac ", 30);
  CHECK (((char *)data)[len - 1] == '\n');
  free (data);
  /* The MAC binds the tag to its name, volume and id: copied to another
   * name, or with another id, it does not authenticate. */
  CHECK (ox_store_get (st, "volumes/vm1/tags/gold", &data, &len) == 0);
  CHECK (ox_store_put (st, "volumes/vm1/tags/copy", data, len) == 0);
  ((char *)data)[24] = ((char *)data)[24] == '1' ? '3' : '1';
  CHECK (ox_store_put (st, "volumes/vm1/tags/forged", data, len) == 0);
  free (data);
  ox_test_reset_log ();
  CHECK (ox_tag_get (st, k, "vm1", "copy", &got) == -1 && errno == EINVAL);
  CHECK_ERROR ("does not authenticate");
  CHECK (ox_tag_get (st, k, "vm1", "forged", &got) == -1 && errno == EINVAL);
  CHECK_ERROR ("does not authenticate");
  CHECK (ox_store_del (st, "volumes/vm1/tags/copy") == 0);
  CHECK (ox_store_del (st, "volumes/vm1/tags/forged") == 0);
  /* A tag of format 1 (no MAC): read in a plain store, refused in an
   * encrypted one. */
  CHECK (ox_store_put (st, "volumes/vm1/tags/old",
                       "snapshot 00006553f1000002\n", 26)
         == 0);
  ox_test_reset_log ();
  if (k->encrypted) {
    CHECK (ox_tag_get (st, k, "vm1", "old", &got) == -1);
    CHECK_ERROR ("has no MAC");
  } else {
    CHECK (ox_tag_get (st, k, "vm1", "old", &got) == 0 && got == id2);
  }
  CHECK (ox_store_del (st, "volumes/vm1/tags/old") == 0);
  CHECK (ox_tag_get (st, k, "vm1", "gold", &got) == 0);
  CHECK (got == id2);
  resolve_ok (st, k, "vm1:gold", "vm1", id2);

  /* Replacing a tag. */
  CHECK (ox_tag_put (st, k, "vm1", "gold", id1) == 0);
  CHECK (ox_tag_get (st, k, "vm1", "gold", &got) == 0);
  CHECK (got == id1);
  resolve_ok (st, k, "vm1:gold", "vm1", id1);

  /* A tag naming a snapshot of another volume does not resolve. */
  CHECK (ox_tag_put (st, k, "vm1", "foreign", other) == 0);
  resolve_bad (st, k, "vm1:foreign",
               "snapshot vm1@00006553f9000000 not found");

  /* Bad tag names and ids. */
  ox_test_reset_log ();
  CHECK (ox_tag_put (st, k, "vm1", ".hidden", id1) == -1);
  CHECK (ox_tag_put (st, k, "vm1", "a/b", id1) == -1);
  CHECK (ox_tag_put (st, k, "v/m", "gold", id1) == -1);
  CHECK (ox_tag_put (st, k, "vm1", "zero", 0) == -1);
  CHECK (ox_tag_get (st, k, "vm1", "", &got) == -1);
  CHECK_EQ_INT (ox_test_errors (), 5);

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
    ox_test_reset_log ();
    errno = 0;
    CHECK (ox_tag_get (st, k, "vm1", "broken", &got) == -1);
    CHECK (errno != ENOENT);
    CHECK_EQ_INT (ox_test_errors (), 1);
    CHECK (strstr (ox_test_last_error (), "volumes/vm1/tags/broken") != NULL);
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

/* Reserving: the id follows the newest root (one in the future here),
 * the marker is created, and reservations never repeat an id. */
static void
test_reserve (struct ox_store *st, const struct ox_keys *k)
{
  uint64_t future = ((uint64_t)time (NULL) + 1000) << 24 | 0x123456, id, prev;
  char key[OX_KEY_MAX], hex[17];
  uint64_t size;

  put_root (st, k, "resv", future);
  ox_test_reset_log ();
  CHECK (ox_snapshot_id_reserve (st, "resv", &id) == 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
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

/* Listing and deleting tags; forgetting a snapshot removes its root and
 * keeps its reservation. */
static void
test_tag_list_forget (struct ox_store *st, const struct ox_keys *k)
{
  const uint64_t a = UINT64_C (0x00006553f1000001);
  const uint64_t b = UINT64_C (0x00006553f1000002);
  struct ox_tag_list l;
  uint64_t *ids, got, size;
  size_t n;

  put_root (st, k, "fg", a);
  put_root (st, k, "fg", b);
  CHECK (ox_store_put (st, "volumes/fg/ids/00006553f1000001", "w\n", 2) == 0);
  CHECK (ox_tag_list (st, k, "fg", &l) == 0);
  CHECK_EQ_INT (l.n, 0);
  ox_tag_list_free (&l);
  CHECK (ox_tag_put (st, k, "fg", "zeta", a) == 0);
  CHECK (ox_tag_put (st, k, "fg", "alpha", b) == 0);
  CHECK (ox_tag_put (st, k, "fg", "mid", a) == 0);
  CHECK (ox_store_put (st, "volumes/fg/tags/broken", "junk", 4) == 0);
  CHECK (ox_store_put (st, "volumes/fg/tags/.tmp-1", "junk", 4) == 0);
  ox_test_reset_log ();
  CHECK (ox_tag_list (st, k, "fg", &l) == 0);
  CHECK_EQ_INT (ox_test_warnings (), 1); /* broken, skipped */
  CHECK_EQ_INT (l.n, 3);
  CHECK (strcmp (l.names[0], "alpha") == 0 && l.ids[0] == b);
  CHECK (strcmp (l.names[1], "mid") == 0 && l.ids[1] == a);
  CHECK (strcmp (l.names[2], "zeta") == 0 && l.ids[2] == a);
  ox_tag_list_free (&l);
  CHECK (l.n == 0 && l.names == NULL);
  ox_test_reset_log ();
  CHECK (ox_tag_list (st, k, "bad/name", &l) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);

  CHECK (ox_tag_del (st, "fg", "mid") == 0);
  CHECK (ox_tag_get (st, k, "fg", "mid", &got) == -1 && errno == ENOENT);
  ox_test_reset_log ();
  CHECK (ox_tag_del (st, "fg", "mid") == -1 && errno == ENOENT);
  CHECK_EQ_INT (ox_test_errors (), 0);

  CHECK (ox_snapshot_forget (st, k, "fg", a) == 0);
  CHECK (ox_snapshot_list (st, "fg", &ids, &n) == 0);
  CHECK (n == 1 && ids[0] == b);
  free (ids);
  resolve_bad (st, k, "fg@00006553f1000001",
               "snapshot fg@00006553f1000001 not found");
  CHECK (ox_store_stat (st, "volumes/fg/ids/00006553f1000001", &size) == 0);
  ox_test_reset_log ();
  CHECK (ox_snapshot_forget (st, k, "fg", a) == -1 && errno == ENOENT);
  CHECK_EQ_INT (ox_test_errors (), 0);
}

int
main (void)
{
  char *dir = ox_test_tmpdir ("ox-test-names");
  struct ox_store *st;
  struct ox_keys plain, enc;
  uint8_t store_id[OX_STORE_ID_LEN], master[OX_MASTER_KEY_LEN];

  ox_test_capture (0);

  st = ox_test_file_store (dir);
  CHECK (ox_random_bytes (store_id, sizeof store_id) == 0);
  CHECK (ox_random_bytes (master, sizeof master) == 0);
  ox_keys_init_plain (&plain, store_id);
  CHECK (ox_keys_init_encrypted (&enc, store_id, master) == 0);

  test_list_resolve_tags (st, &enc);
  test_reserve (st, &enc);
  test_tag_list_forget (st, &enc);

  /* The roots were written with the encrypted keys: the plain keys cannot
   * authenticate them. */
  resolve_bad (st, &plain, "vm1", "authentication failed");

  ox_store_close (st);
  CHECK (ox_test_rmtree (dir) == 0);
  free (dir);
  ox_keys_wipe (&enc);
  return 0;
}
