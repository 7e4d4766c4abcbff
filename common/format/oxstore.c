/* ox: the bytes of the store configuration object "ox-store"
 * (docs/FORMAT.md, section 3). */
#include "oxstore.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "log.h"

void
ox_keyslot_encode (const struct ox_keyslot *sl,
                   uint8_t p[OX_STORECFG_SLOT_LEN])
{
  p[0] = sl->type;
  p[1] = sl->epoch;
  p[2] = sl->reserved & 0xff;
  p[3] = sl->reserved >> 8;
  put_le32 (p + 4, sl->log2_n);
  put_le32 (p + 8, sl->r);
  put_le32 (p + 12, sl->p);
  memcpy (p + 16, sl->salt, OX_SLOT_SALT_LEN);
  memcpy (p + 48, sl->nonce, OX_SLOT_NONCE_LEN);
  memcpy (p + 60, sl->wrapped, OX_MASTER_KEY_LEN);
  memcpy (p + 92, sl->tag, OX_SLOT_TAG_LEN);
}

void
ox_keyslot_decode (const uint8_t p[OX_STORECFG_SLOT_LEN],
                   struct ox_keyslot *sl)
{
  sl->type = p[0];
  sl->epoch = p[1];
  sl->reserved = p[2] | p[3] << 8;
  sl->log2_n = get_le32 (p + 4);
  sl->r = get_le32 (p + 8);
  sl->p = get_le32 (p + 12);
  memcpy (sl->salt, p + 16, OX_SLOT_SALT_LEN);
  memcpy (sl->nonce, p + 48, OX_SLOT_NONCE_LEN);
  memcpy (sl->wrapped, p + 60, OX_MASTER_KEY_LEN);
  memcpy (sl->tag, p + 92, OX_SLOT_TAG_LEN);
}

uint32_t
ox_storecfg_slots_in_use (const struct ox_storecfg *cfg)
{
  uint32_t i, n = 0;

  for (i = 0; i < cfg->nslots && i < OX_STORECFG_MAX_SLOTS; i++)
    n += cfg->slots[i].type != OX_SLOT_EMPTY;
  return n;
}

int
ox_storecfg_free_index (const struct ox_storecfg *cfg)
{
  uint32_t i;

  for (i = 0; i < cfg->nslots && i < OX_STORECFG_MAX_SLOTS; i++)
    if (cfg->slots[i].type == OX_SLOT_EMPTY)
      return (int)i;
  return cfg->nslots < OX_STORECFG_MAX_SLOTS ? (int)cfg->nslots : -1;
}

void
ox_storecfg_clear_slot (struct ox_storecfg *cfg, uint32_t index)
{
  if (index >= cfg->nslots || index >= OX_STORECFG_MAX_SLOTS)
    return;
  memset (&cfg->slots[index], 0, sizeof cfg->slots[index]);
  while (cfg->nslots > 0 && cfg->slots[cfg->nslots - 1].type == OX_SLOT_EMPTY)
    cfg->nslots--;
}

static void
sha256 (const void *data, size_t len, uint8_t out[32])
{
  struct ox_keys plain = { .encrypted = 0 };

  ox_mac (&plain, data, len, out); /* MAC of an unencrypted store: SHA256 */
}

int
ox_storecfg_encode (const struct ox_storecfg *cfg, void **data, size_t *len)
{
  size_t n = ox_storecfg_len (cfg->nslots);
  uint8_t *buf;
  uint32_t i;

  if (cfg->nslots > OX_STORECFG_MAX_SLOTS) {
    ox_error ("ox-store: %" PRIu32 " key slots, more than %d", cfg->nslots,
              OX_STORECFG_MAX_SLOTS);
    return -1;
  }
  buf = malloc (n);
  if (!buf) {
    ox_error ("malloc: %m");
    return -1;
  }
  memcpy (buf, OX_STORECFG_MAGIC, OX_STORECFG_MAGIC_LEN);
  put_le32 (buf + 8, OX_STORECFG_VERSION);
  put_le32 (buf + 12, cfg->flags);
  memcpy (buf + 16, cfg->store_id, OX_STORE_ID_LEN);
  put_le32 (buf + 32, cfg->nslots);
  for (i = 0; i < cfg->nslots; i++)
    ox_keyslot_encode (&cfg->slots[i], buf + OX_STORECFG_HEAD_LEN
                                           + (size_t)i * OX_STORECFG_SLOT_LEN);
  sha256 (buf, n - OX_STORECFG_SUM_LEN, buf + n - OX_STORECFG_SUM_LEN);
  *data = buf;
  *len = n;
  return 0;
}

static int
corrupt (const char *url, const char *why)
{
  ox_error ("corrupt ox-store object at %s (%s)", url, why);
  return -1;
}

int
ox_storecfg_decode (const char *url, const void *data, size_t len,
                    struct ox_storecfg *cfg)
{
  const uint8_t *p = data;
  uint8_t sum[OX_STORECFG_SUM_LEN];
  uint32_t version, i;

  if (len < OX_STORECFG_MAGIC_LEN + 4
      || memcmp (p, OX_STORECFG_MAGIC, OX_STORECFG_MAGIC_LEN))
    return corrupt (url, "bad magic");
  /* The version before the checksum: a newer oxsnap may checksum the
   * object differently, and its user needs to hear "newer", not "corrupt".
   */
  version = get_le32 (p + 8);
  if (version > OX_STORECFG_VERSION) {
    ox_error ("ox-store at %s: unknown format version %" PRIu32
              " (this oxsnap reads %d)",
              url, version, OX_STORECFG_VERSION);
    return -1;
  }
  if (len < OX_STORECFG_HEAD_LEN + OX_STORECFG_SUM_LEN)
    return corrupt (url, "truncated");
  sha256 (p, len - OX_STORECFG_SUM_LEN, sum);
  if (memcmp (sum, p + len - OX_STORECFG_SUM_LEN, OX_STORECFG_SUM_LEN) != 0)
    return corrupt (url, "checksum mismatch");
  if (version != OX_STORECFG_VERSION)
    return corrupt (url, "version 0");
  cfg->flags = get_le32 (p + 12);
  memcpy (cfg->store_id, p + 16, OX_STORE_ID_LEN);
  cfg->nslots = get_le32 (p + 32);
  /* The length first: a count of 2^20 in a short object is damage, not a
   * store written with too many slots. */
  if ((uint64_t)OX_STORECFG_HEAD_LEN
          + (uint64_t)cfg->nslots * OX_STORECFG_SLOT_LEN + OX_STORECFG_SUM_LEN
      != len)
    return corrupt (url, "length does not match the number of key slots");
  if (cfg->nslots > OX_STORECFG_MAX_SLOTS) {
    ox_error ("ox-store at %s: nslots = %" PRIu32
              " is more than %d (refusing a store oxsnap could not have "
              "written)",
              url, cfg->nslots, OX_STORECFG_MAX_SLOTS);
    return -1;
  }
  if (cfg->flags & ~OX_STORECFG_ENCRYPTED) {
    ox_error ("ox-store at %s has unknown flags 0x%" PRIx32
              " (written by a newer oxsnap?)",
              url, cfg->flags);
    return -1;
  }
  if ((cfg->flags & OX_STORECFG_ENCRYPTED) ? cfg->nslots == 0
                                           : cfg->nslots != 0)
    return corrupt (url, "key slots do not match the encryption flag");
  for (i = 0; i < cfg->nslots; i++)
    ox_keyslot_decode (p + OX_STORECFG_HEAD_LEN
                           + (size_t)i * OX_STORECFG_SLOT_LEN,
                       &cfg->slots[i]);
  return 0;
}
