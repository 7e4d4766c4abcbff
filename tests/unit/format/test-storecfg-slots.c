/* Unit test of the slot table of "ox-store" (common/format/oxstore.c,
 * FORMAT section 3, "Empty slots"): slots in use, the index a new slot
 * takes (the lowest empty one, else appended, none when 64 are in use),
 * clearing a slot (zeroed, the others unmoved, trailing empty slots
 * dropped); an empty slot survives encode and decode, opens with no
 * secret of either type (what readers older than empty slots do too), and
 * leaves the slots after it opening at their own indices. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iszero.h"
#include "keyslot.h"
#include "oxstore.h"
#include "testlib.h"

#define URL "file:///srv/ox"

static uint8_t master[OX_MASTER_KEY_LEN];

/* Key-file secret number N (its 32 bytes are N, N+1, ...). */
static struct ox_secret
key_secret (uint8_t *bytes, uint8_t n)
{
  struct ox_secret s
      = { .type = OX_SLOT_KEY_FILE, .data = bytes, .len = 32, .what = "key" };

  for (size_t i = 0; i < 32; i++)
    bytes[i] = (uint8_t)(n + i);
  return s;
}

/* CFG encrypted with N key-file slots, slot I for secret I. */
static void
make_cfg (struct ox_storecfg *cfg, uint32_t n)
{
  uint8_t bytes[32];
  struct ox_secret s;

  memset (cfg, 0, sizeof *cfg);
  cfg->flags = OX_STORECFG_ENCRYPTED;
  for (size_t i = 0; i < sizeof cfg->store_id; i++)
    cfg->store_id[i] = (uint8_t)(0xa0 + i);
  for (uint32_t i = 0; i < n; i++) {
    s = key_secret (bytes, (uint8_t)i);
    CHECK (ox_keyslot_make (&s, cfg->store_id, i, master, &cfg->slots[i])
           == 0);
  }
  cfg->nslots = n;
}

/* Secret I opens slot INDEX of CFG (1), or not (0), as ox_keyslot_open. */
static int
opens (const struct ox_storecfg *cfg, uint8_t i, uint32_t index)
{
  uint8_t bytes[32], got[OX_MASTER_KEY_LEN];
  struct ox_secret s = key_secret (bytes, i);
  int r = ox_keyslot_open (&s, cfg->store_id, index, &cfg->slots[index], got);

  CHECK (r >= 0);
  if (r == 1)
    CHECK_MEM (got, master, sizeof got);
  return r;
}

static void
test_table (void)
{
  struct ox_storecfg cfg;

  make_cfg (&cfg, 3);
  CHECK_EQ_INT (ox_storecfg_slots_in_use (&cfg), 3);
  CHECK_EQ_INT (ox_storecfg_free_index (&cfg), 3); /* appended */

  /* Clearing slot 1 zeroes it; slots 0 and 2 keep their indices. */
  ox_storecfg_clear_slot (&cfg, 1);
  CHECK_EQ_INT (cfg.nslots, 3);
  CHECK_EQ_INT (cfg.slots[1].type, OX_SLOT_EMPTY);
  CHECK (ox_is_zero (&cfg.slots[1], sizeof cfg.slots[1]));
  CHECK_EQ_INT (ox_storecfg_slots_in_use (&cfg), 2);
  CHECK_EQ_INT (ox_storecfg_free_index (&cfg), 1); /* reused first */
  CHECK_EQ_INT (opens (&cfg, 0, 0), 1);
  CHECK_EQ_INT (opens (&cfg, 2, 2), 1);
  CHECK_EQ_INT (opens (&cfg, 1, 1), 0);

  /* Clearing the last slot drops it and the empty one before it. */
  ox_storecfg_clear_slot (&cfg, 2);
  CHECK_EQ_INT (cfg.nslots, 1);
  CHECK_EQ_INT (ox_storecfg_slots_in_use (&cfg), 1);
  CHECK_EQ_INT (ox_storecfg_free_index (&cfg), 1);

  /* Out of range: nothing happens. */
  ox_storecfg_clear_slot (&cfg, 5);
  CHECK_EQ_INT (cfg.nslots, 1);

  /* 64 in use: no room; one cleared in the middle: its index. */
  make_cfg (&cfg, OX_STORECFG_MAX_SLOTS);
  CHECK_EQ_INT (ox_storecfg_free_index (&cfg), -1);
  ox_storecfg_clear_slot (&cfg, 40);
  CHECK_EQ_INT (ox_storecfg_free_index (&cfg), 40);
  CHECK_EQ_INT (cfg.nslots, OX_STORECFG_MAX_SLOTS);
  CHECK_EQ_INT (opens (&cfg, 63, 63), 1);
}

/* An empty slot is written as 108 zero bytes, decodes as empty, and no
 * secret opens it: ox_keyslot_open takes it for "not this secret's type",
 * as it does any unknown type (so older readers skip it too). */
static void
test_empty_slot_bytes (void)
{
  struct ox_storecfg cfg, back;
  struct ox_secret pass = { .type = OX_SLOT_PASSPHRASE,
                            .data = (uint8_t *)"correct horse",
                            .len = 13,
                            .what = "the passphrase" };
  uint8_t bytes[32], got[OX_MASTER_KEY_LEN];
  struct ox_secret key = key_secret (bytes, 0);
  void *data;
  size_t len;

  make_cfg (&cfg, 2);
  ox_storecfg_clear_slot (&cfg, 0);
  CHECK (ox_storecfg_encode (&cfg, &data, &len) == 0);
  CHECK_EQ_INT (len, ox_storecfg_len (2));
  CHECK (ox_is_zero ((uint8_t *)data + OX_STORECFG_HEAD_LEN,
                     OX_STORECFG_SLOT_LEN));
  ox_test_reset_log ();
  CHECK (ox_storecfg_decode (URL, data, len, &back) == 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_EQ_INT (back.nslots, 2);
  CHECK_EQ_INT (back.slots[0].type, OX_SLOT_EMPTY);
  CHECK_EQ_INT (ox_keyslot_open (&key, back.store_id, 0, &back.slots[0], got),
                0);
  CHECK_EQ_INT (ox_keyslot_open (&pass, back.store_id, 0, &back.slots[0], got),
                0);
  /* Its scrypt fields (zero) are not checked: it is not a passphrase. */
  CHECK (ox_keyslots_check_cost (URL, back.slots, back.nslots) == 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_EQ_INT (opens (&back, 1, 1), 1);
  free (data);
}

int
main (void)
{
  ox_test_capture (0);
  for (size_t i = 0; i < sizeof master; i++)
    master[i] = (uint8_t)(0x80 + i);
  test_table ();
  test_empty_slot_bytes ();
  return 0;
}
