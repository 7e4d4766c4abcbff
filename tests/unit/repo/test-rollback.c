/* Test rollback detection in process (catalog.c: ox_rollback_check,
 * ox_highwater_published, ox_snapshot_forget's records) on a file store
 * with encrypted keys: a root deleted without a forget record is a
 * rollback, forget records account for a gap, a planted or damaged record
 * accounts for nothing, and --allow-rollback lowers the mark. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "forgetfmt.h"
#include "highwater.h"
#include "keys.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "objects.h"
#include "store.h"
#include "testlib.h"

#define A UINT64_C (0x00006553f1000001)
#define B UINT64_C (0x00006553f2000002)
#define C UINT64_C (0x00006553f3000003)
#define D UINT64_C (0x00006553f4000004)

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

static uint64_t
mark_of (const struct ox_highwater *hw, const struct ox_keys *k,
         const char *volume)
{
  uint64_t m = 1;

  CHECK (ox_highwater_get (hw->dir, k->store_id, volume, &m) == 0);
  return m;
}

static void
delete_root (struct ox_store *st, const char *volume, uint64_t id)
{
  char key[OX_KEY_MAX];

  ox_root_key (volume, id, key);
  CHECK (ox_store_del (st, key) == 0);
}

int
main (void)
{
  char *dir = ox_test_tmpdir ("ox-test-rollback");
  char state[600], fkey[OX_KEY_MAX], text[OX_FORGET_TEXT_LEN + 1];
  struct ox_highwater hw = { state, 0 };
  struct ox_store *st;
  struct ox_keys k, other;
  uint8_t store_id[OX_STORE_ID_LEN], master[OX_MASTER_KEY_LEN];
  uint64_t before;
  size_t len;

  ox_test_capture (0);
  snprintf (state, sizeof state, "%s/state", dir);
  st = ox_test_file_store (dir);
  CHECK (ox_random_bytes (store_id, sizeof store_id) == 0);
  CHECK (ox_random_bytes (master, sizeof master) == 0);
  CHECK (ox_keys_init_encrypted (&k, store_id, master) == 0);
  master[0] ^= 1;
  CHECK (ox_keys_init_encrypted (&other, store_id, master) == 0);

  /* No check and no mark without a state directory. */
  CHECK (ox_rollback_check (st, &k, NULL, "v", C) == 0);
  CHECK (ox_highwater_published (st, &k, &(struct ox_highwater){ NULL, 0 },
                                 "v", C)
         == 0);

  put_root (st, &k, "v", A);
  put_root (st, &k, "v", B);
  put_root (st, &k, "v", C);
  CHECK (ox_rollback_check (st, &k, &hw, "v", C) == 0);
  CHECK (mark_of (&hw, &k, "v") == C);
  CHECK (ox_rollback_check (st, &k, &hw, "v", C) == 0); /* the same: fine */

  /* C's root deleted without a record: B as the newest is a rollback,
   * refused with the ids named and the mark kept. */
  delete_root (st, "v", C);
  ox_test_reset_log ();
  CHECK (ox_rollback_check (st, &k, &hw, "v", B) == -1 && errno == EPERM);
  CHECK_ERROR ("rollback detected: its newest snapshot is 00006553f2000002 "
               "but this host has seen 00006553f3000003");
  CHECK (mark_of (&hw, &k, "v") == C);

  /* A forget record under another key (planted) accounts for nothing. */
  ox_forget_key ("v", C, fkey);
  len = ox_forget_format (&other, "v", C, B, text);
  CHECK (ox_store_put (st, fkey, text, len) == 0);
  ox_test_reset_log ();
  CHECK (ox_rollback_check (st, &k, &hw, "v", B) == -1);
  CHECK_ERROR ("rollback detected");

  /* Forget refuses to count on a planted record it finds in place. */
  put_root (st, &k, "v", C);
  ox_test_reset_log ();
  CHECK (ox_snapshot_forget (st, &k, "v", C) == -1);
  CHECK_ERROR ("does not authenticate");
  CHECK (ox_store_del (st, fkey) == 0);

  /* A real forget: its record accounts for the gap; the mark comes down to
   * the newest, so that B's deletion is detected next. */
  CHECK (ox_snapshot_forget (st, &k, "v", C) == 0);
  CHECK (ox_forget_record_get (st, &k, "v", C, &before) == 0 && before == B);
  ox_test_reset_log ();
  CHECK (ox_rollback_check (st, &k, &hw, "v", B) == 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK (mark_of (&hw, &k, "v") == B);
  delete_root (st, "v", B);
  ox_test_reset_log ();
  CHECK (ox_rollback_check (st, &k, &hw, "v", A) == -1);
  CHECK_ERROR ("no forget record accounts for 00006553f2000002");

  /* A forget that left its record but failed to delete the root (the
   * record in place is its own): forget again finishes it. */
  put_root (st, &k, "v", B);
  ox_forget_key ("v", B, fkey);
  len = ox_forget_format (&k, "v", B, A, text);
  CHECK (ox_store_put (st, fkey, text, len) == 0);
  CHECK (ox_snapshot_forget (st, &k, "v", B) == 0);
  CHECK (ox_rollback_check (st, &k, &hw, "v", A) == 0);
  CHECK (mark_of (&hw, &k, "v") == A);

  /* Publishing D (above everything): the mark rises. Publishing below the
   * mark, where no record accounts for the gap, leaves the mark. */
  put_root (st, &k, "v", D);
  CHECK (ox_highwater_published (st, &k, &hw, "v", D) == 0);
  CHECK (mark_of (&hw, &k, "v") == D);
  CHECK (ox_highwater_published (st, &k, &hw, "v", C) == 0);
  CHECK (mark_of (&hw, &k, "v") == D);

  /* --allow-rollback: a warning, and the mark lowered to the newest. */
  delete_root (st, "v", D);
  hw.allow_rollback = 1;
  ox_test_reset_log ();
  CHECK (ox_rollback_check (st, &k, &hw, "v", A) == 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK (mark_of (&hw, &k, "v") == A);

  /* Marks are per volume. */
  CHECK (mark_of (&hw, &k, "w") == 0);

  ox_store_close (st);
  CHECK (ox_test_rmtree (dir) == 0);
  free (dir);
  ox_keys_wipe (&k);
  ox_keys_wipe (&other);
  return 0;
}
