/* ox: the store configuration object "ox-store" (docs/FORMAT.md, section 3)
 * through the store.
 *
 * The object holds the store id and, for an encrypted store, key slots
 * that each wrap the master key with a key-encryption key derived from a
 * key file or a passphrase. Its bytes are format/oxstore.c, the slots'
 * crypto crypto/keyslot.c, reading the user's key crypto/keysource.c;
 * this file reads and writes the object and says what is wrong in terms
 * of the store and oxsnap's options.
 */
#include "storecfg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cleanup.h"
#include "log.h"
#include "oxstore.h"

/* Serialise and write "ox-store", create-only: of two "oxsnap init" runs
 * at once, one fails rather than replace the other's keys. */
static int
put_config (struct ox_store *st, const struct ox_storecfg *cfg)
{
  CLEANUP_FREE void *buf = NULL;
  size_t len;

  if (ox_storecfg_encode (cfg, &buf, &len) == -1)
    return -1;
  if (ox_store_put_new (st, OX_STORECFG_KEY, buf, len) == -1) {
    if (errno == EEXIST)
      ox_error ("a store already exists at %s (created by another "
                "\"oxsnap init\" just now)",
                st->url);
    return -1;
  }
  return 0;
}

static int
check_not_exists (struct ox_store *st)
{
  uint64_t size;

  if (ox_store_stat (st, OX_STORECFG_KEY, &size) == 0) {
    ox_error ("a store already exists at %s", st->url);
    return -1;
  }
  if (errno != ENOENT)
    return -1; /* reported by the store */
  return 0;
}

/* CFG holds the new store's id: add slot 0 wrapping a new master key with
 * the key of SRC, and write it. */
static int
create_encrypted (struct ox_store *st, const struct ox_key_source *src,
                  struct ox_storecfg *cfg, struct ox_keys *keys)
{
  struct ox_secret s;
  uint8_t master[OX_MASTER_KEY_LEN];
  int r = -1;

  if (ox_secret_load (src, 1, &s) == -1)
    return -1;
  cfg->flags = OX_STORECFG_ENCRYPTED;
  cfg->nslots = 1;
  if (ox_random_bytes (master, sizeof master) == 0
      && ox_keyslot_make (&s, cfg->store_id, 0, master, &cfg->slots[0]) == 0
      && put_config (st, cfg) == 0)
    r = ox_keys_init_encrypted (keys, cfg->store_id, master);
  OPENSSL_cleanse (master, sizeof master);
  ox_secret_free (&s);
  return r;
}

int
ox_storecfg_create (struct ox_store *st, int encrypt,
                    const struct ox_key_source *src, struct ox_keys *keys)
{
  struct ox_storecfg cfg = { .flags = 0, .nslots = 0 };
  int n = ox_key_sources_given (src);

  if (n > 1) {
    ox_error ("give only one key: a key file or a passphrase");
    return -1;
  }
  if (encrypt && n == 0) {
    ox_error ("an encrypted store needs --key-file or --passphrase-file");
    return -1;
  }
  if (!encrypt && n > 0)
    ox_warning ("creating an unencrypted store at %s: the key given is not "
                "used",
                st->url);
  if (check_not_exists (st) == -1
      || ox_random_bytes (cfg.store_id, sizeof cfg.store_id) == -1)
    return -1;
  if (encrypt)
    return create_encrypted (st, src, &cfg, keys);
  if (put_config (st, &cfg) == -1)
    return -1;
  ox_keys_init_plain (keys, cfg.store_id);
  return 0;
}

static int
count_slots_of_type (const struct ox_storecfg *cfg, int type)
{
  uint32_t i;
  int n = 0;

  for (i = 0; i < cfg->nslots; i++)
    n += cfg->slots[i].type == type;
  return n;
}

/* Check every passphrase slot before any is tried: a hostile store must
 * not make the reader run an unaffordable scrypt. */
static int
check_cost (struct ox_store *st, const struct ox_storecfg *cfg)
{
  CLEANUP_FREE char *where = NULL;

  if (asprintf (&where, "ox-store at %s", st->url) == -1) {
    ox_error ("asprintf: %m");
    return -1;
  }
  return ox_keyslots_check_cost (where, cfg->slots, cfg->nslots);
}

int
ox_storecfg_unwrap (struct ox_store *st, const struct ox_storecfg *cfg,
                    const struct ox_secret *s,
                    uint8_t master[OX_MASTER_KEY_LEN], uint32_t *index)
{
  uint32_t i;
  int r = 0;

  if (s->type == OX_SLOT_PASSPHRASE && check_cost (st, cfg) == -1)
    return -1;
  if (count_slots_of_type (cfg, s->type) == 0) {
    ox_error ("store %s has no key slot for a %s (try %s)", st->url,
              s->type == OX_SLOT_KEY_FILE ? "key file" : "passphrase",
              s->type == OX_SLOT_KEY_FILE ? "--passphrase-file"
                                          : "--key-file");
    return -1;
  }
  for (i = 0; i < cfg->nslots && r == 0; i++)
    r = ox_keyslot_open (s, cfg->store_id, i, &cfg->slots[i], master);
  if (r == 0) {
    ox_error ("wrong key or passphrase for store %s", st->url);
    return -1;
  }
  if (r == -1)
    return -1;
  *index = i - 1;
  ox_debug ("store %s: key slot %" PRIu32 " opened", st->url, *index);
  return 0;
}

static int
open_encrypted (struct ox_store *st, const struct ox_storecfg *cfg,
                const struct ox_key_source *src, struct ox_keys *keys)
{
  struct ox_secret s;
  uint8_t master[OX_MASTER_KEY_LEN];
  uint32_t index;
  int r;

  if (ox_key_sources_given (src) == 0) {
    ox_error ("store %s is encrypted: give --key-file or --passphrase-file",
              st->url);
    return -1;
  }
  if (ox_secret_load (src, 0, &s) == -1)
    return -1;
  r = ox_storecfg_unwrap (st, cfg, &s, master, &index);
  ox_secret_free (&s);
  if (r == 0)
    r = ox_keys_init_encrypted (keys, cfg->store_id, master);
  OPENSSL_cleanse (master, sizeof master);
  return r;
}

int
ox_storecfg_read (struct ox_store *st, struct ox_storecfg *cfg)
{
  CLEANUP_FREE void *data = NULL;
  size_t len;

  if (ox_store_get (st, OX_STORECFG_KEY, &data, &len) == -1) {
    if (errno == ENOENT)
      ox_error ("no ox store at %s (missing ox-store); create one with "
                "'oxsnap init STORE'",
                st->url);
    return -1;
  }
  return ox_storecfg_decode (st->url, data, len, cfg);
}

int
ox_storecfg_replace (struct ox_store *st, const struct ox_storecfg *cfg)
{
  CLEANUP_FREE void *buf = NULL;
  size_t len;

  if (ox_storecfg_encode (cfg, &buf, &len) == -1)
    return -1;
  return ox_store_put (st, OX_STORECFG_KEY, buf, len);
}

int
ox_storecfg_open (struct ox_store *st, const struct ox_key_source *src,
                  struct ox_keys *keys)
{
  struct ox_storecfg cfg;
  int n = ox_key_sources_given (src);

  if (n > 1) {
    ox_error ("give only one key: a key file or a passphrase");
    return -1;
  }
  if (ox_storecfg_read (st, &cfg) == -1)
    return -1;
  if (cfg.flags & OX_STORECFG_ENCRYPTED)
    return open_encrypted (st, &cfg, src, keys);
  if (n > 0) {
    /* Refuse: someone who can write to the store could have replaced an
     * encrypted store with an unencrypted one holding their data. */
    ox_error ("store %s is not encrypted but a key was given: refusing to "
              "use it (unset OX_KEY_FILE/OX_PASSPHRASE_FILE or drop the key "
              "option if the store is meant to be unencrypted)",
              st->url);
    return -1;
  }
  ox_keys_init_plain (keys, cfg.store_id);
  return 0;
}
