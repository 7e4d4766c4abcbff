/* Fuzz the store configuration "ox-store" and its key slots, the pure
 * decoder: ox_storecfg_decode (common/format/oxstore.c, docs/FORMAT.md 3),
 * then, in an encrypted mode, ox_keyslots_check_cost and ox_keyslot_open
 * (common/crypto/keyslot.c) of every decoded slot with the fixed key file
 * (HKDF, cheap). Passphrase slots are decoded and cost-checked but never
 * opened: one scrypt would cost more than thousands of executions.
 * FUZZ_FIXUP rewrites the trailing SHA-256. Seeds are objects that
 * ox_storecfg_encode wrote, with slots that ox_keyslot_make made.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz-format.h"
#include "keyslot.h"
#include "oxstore.h"

static uint8_t key_bytes[OX_KEY_FILE_LEN];
static const struct ox_secret key_secret
    = { .type = OX_SLOT_KEY_FILE, .data = key_bytes, .len = sizeof key_bytes };

/* Write seed NAME: CFG encoded, after MODE. */
static void
seed_cfg (const char *dir, const char *name, uint8_t mode,
          const struct ox_storecfg *cfg)
{
  void *data;
  size_t len;

  if (ox_storecfg_encode (cfg, &data, &len) == -1)
    abort ();
  fuzz_write_seed (dir, name, mode, data, len);
  free (data);
}

static void
write_seeds (const char *dir)
{
  static struct ox_storecfg cfg;
  static const char pw[] = "fuzz";
  const struct ox_secret pass = { .type = OX_SLOT_PASSPHRASE,
                                  .data = (uint8_t *)pw,
                                  .len = sizeof pw - 1 };
  const struct ox_keys *keys = fuzz_keys (1);
  struct ox_keyslot pass_slot;
  uint8_t master[OX_MASTER_KEY_LEN];

  memset (master, 1, sizeof master); /* fuzz_keys' master key */
  memcpy (cfg.store_id, keys->store_id, OX_STORE_ID_LEN);
  seed_cfg (dir, "plain", FUZZ_FIXUP, &cfg);
  cfg.flags = OX_STORECFG_ENCRYPTED;
  cfg.nslots = 1;
  if (ox_keyslot_make (&key_secret, cfg.store_id, 0, master, &cfg.slots[0])
      == -1)
    abort ();
  seed_cfg (dir, "key-file", FUZZ_ENCRYPTED | FUZZ_FIXUP, &cfg);
  /* One scrypt, at seeding only. */
  if (ox_keyslot_make (&pass, cfg.store_id, 0, master, &pass_slot) == -1)
    abort ();
  cfg.slots[0] = pass_slot;
  seed_cfg (dir, "passphrase", FUZZ_ENCRYPTED | FUZZ_FIXUP, &cfg);
  /* Two slots: a passphrase slot (skipped), then the key file's. */
  cfg.nslots = 2;
  if (ox_keyslot_make (&key_secret, cfg.store_id, 1, master, &cfg.slots[1])
      == -1)
    abort ();
  seed_cfg (dir, "two-slots", FUZZ_ENCRYPTED | FUZZ_FIXUP, &cfg);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  memcpy (key_bytes, fuzz_key_file_bytes, sizeof key_bytes);
  fuzz_init (write_seeds);
  return 0;
}

/* Open the decoded slots of CFG with the fixed key file; a slot that
 * opens must wrap again, as a new slot of the same index, to the same
 * master key. */
static void
open_slots (const struct ox_storecfg *cfg)
{
  uint8_t master[OX_MASTER_KEY_LEN], again[OX_MASTER_KEY_LEN];
  struct ox_keyslot fresh;
  uint32_t i;
  int r;

  if (ox_keyslots_check_cost ("fuzz", cfg->slots, cfg->nslots) == -1)
    return;
  for (i = 0; i < cfg->nslots; i++) {
    r = ox_keyslot_open (&key_secret, cfg->store_id, i, &cfg->slots[i],
                         master);
    if (r == -1 || (r == 1 && cfg->slots[i].type != OX_SLOT_KEY_FILE))
      abort (); /* HKDF does not fail; only key file slots are tried */
    if (r == 0)
      continue;
    if (ox_keyslot_make (&key_secret, cfg->store_id, i, master, &fresh) == -1
        || ox_keyslot_open (&key_secret, cfg->store_id, i, &fresh, again) != 1
        || memcmp (master, again, sizeof master) != 0)
      abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static struct ox_storecfg cfg;
  uint8_t *p;
  void *back;
  size_t len, back_len;

  if (size < 1)
    return 0;
  len = size - 1;
  p = fuzz_dup (data + 1, len); /* exactly the bytes: ASan sees past */
  if ((data[0] & FUZZ_FIXUP) && len >= OX_STORECFG_SUM_LEN)
    ox_mac (fuzz_keys (0), p, len - OX_STORECFG_SUM_LEN,
            p + len - OX_STORECFG_SUM_LEN); /* SHA256 */
  if (ox_storecfg_decode ("fuzz", p, len, &cfg) == 0) {
    /* What the reader relies on, and a strict decoder: the object
     * encodes back to exactly its bytes. */
    if (cfg.nslots > OX_STORECFG_MAX_SLOTS
        || cfg.flags & ~OX_STORECFG_ENCRYPTED
        || !(cfg.flags & OX_STORECFG_ENCRYPTED) != (cfg.nslots == 0)
        || memcmp (cfg.store_id, p + 16, OX_STORE_ID_LEN) != 0
        || ox_storecfg_encode (&cfg, &back, &back_len) == -1)
      abort ();
    if (back_len != len || memcmp (back, p, len) != 0)
      abort ();
    free (back);
    if (data[0] & FUZZ_ENCRYPTED)
      open_slots (&cfg);
  }
  free (p);
  return 0;
}
