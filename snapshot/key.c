/* oxsnap key: the key slots of an encrypted store (FORMAT section 3):
 * list them, add one for another key file or passphrase, remove one,
 * replace the one a secret opens (passwd).
 *
 * Each change opens the master key with the current secret, changes the
 * slot table and rewrites only "ox-store" (a plain put), under the store's
 * lock OX_STORECFG_LOCK_KEY (storelock.h), after reading the object again
 * with the lock held: two runs at once cannot lose each other's slot.
 *
 * Slot indices never change: they are part of each slot's AEAD additional
 * data, and a slot of another secret cannot be re-wrapped without it. A
 * removed slot becomes an empty one (type 0, zeroed), which readers skip
 * and "add" reuses first; empty slots at the end of the table are
 * dropped. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "json.h"
#include "keyslot.h"
#include "log.h"
#include "oxstore.h"
#include "storecfg.h"
#include "storelock.h"
#include "storeopen.h"

#define KEY_USAGE                                                             \
  "usage: oxsnap key list STORE [--json] [KEY]\n"                             \
  "       oxsnap key add STORE KEY NEW_KEY\n"                                 \
  "       oxsnap key remove STORE SLOT KEY\n"                                 \
  "       oxsnap key passwd STORE KEY NEW_KEY\n"                              \
  "where KEY is --key-file F or --passphrase-file F (the current secret) "    \
  "and NEW_KEY --new-key-file F or --new-passphrase-file F"

/* The name of slot type TYPE, as "key list" prints it. */
static const char *
type_name (int type)
{
  switch (type) {
  case OX_SLOT_EMPTY:
    return "empty";
  case OX_SLOT_KEY_FILE:
    return "key-file";
  case OX_SLOT_PASSPHRASE:
    return "passphrase";
  default:
    return "unknown";
  }
}

/* Read "ox-store" of C's store into *CFG and refuse an unencrypted one.
 * Returns 0 or -1 (reported). */
static int
read_encrypted (struct cli *c, struct ox_storecfg *cfg)
{
  if (ox_storecfg_read (c->store, cfg) == -1)
    return -1;
  if (!(cfg->flags & OX_STORECFG_ENCRYPTED)) {
    ox_error ("store %s is not encrypted: it has no key slots", c->store->url);
    return -1;
  }
  return 0;
}

/* Load the current secret of C into *S: one is needed. */
static int
load_current (struct cli *c, const char *sub, struct ox_secret *s)
{
  if (ox_key_sources_given (&c->key_src) == 0) {
    ox_error ("key %s: give the current key with --key-file F or "
              "--passphrase-file F (or OX_KEY_FILE / OX_PASSPHRASE_FILE)",
              sub);
    return -1;
  }
  return ox_secret_load (&c->key_src, 0, s);
}

/* The slot of CFG (read from C's store) that secret S opens, or -1; -2
 * after an error (reported). The scrypt costs are checked first, as
 * opening the store does. */
static int
opens_slot (struct cli *c, const struct ox_storecfg *cfg,
            const struct ox_secret *s)
{
  uint8_t master[OX_MASTER_KEY_LEN];
  char where[1024];
  uint32_t i;
  int r;

  snprintf (where, sizeof where, "ox-store at %s", c->store->url);
  if (s->type == OX_SLOT_PASSPHRASE
      && ox_keyslots_check_cost (where, cfg->slots, cfg->nslots) == -1)
    return -2;
  for (i = 0; i < cfg->nslots; i++) {
    r = ox_keyslot_open (s, cfg->store_id, i, &cfg->slots[i], master);
    OPENSSL_cleanse (master, sizeof master);
    if (r == -1)
      return -2;
    if (r == 1)
      return (int)i;
  }
  return -1;
}

/* key list STORE: every slot, and which the given key (if any) opens. */
static int
key_list (struct cli *c, const char *url)
{
  struct ox_storecfg cfg;
  struct ox_secret s;
  uint8_t master[OX_MASTER_KEY_LEN];
  uint32_t opened = UINT32_MAX, i;
  struct ox_json j;
  int r;

  if (ox_store_open (url, &c->store_opts, &c->store) == -1
      || read_encrypted (c, &cfg) == -1)
    return 1;
  if (ox_key_sources_given (&c->key_src) > 0) {
    if (ox_secret_load (&c->key_src, 0, &s) == -1)
      return 1;
    r = ox_storecfg_unwrap (c->store, &cfg, &s, master, &opened);
    OPENSSL_cleanse (master, sizeof master);
    ox_secret_free (&s);
    if (r == -1)
      return 1;
  }
  ox_json_init (&j, stdout);
  if (c->json) {
    ox_json_object (&j, NULL);
    ox_json_string (&j, "store", url);
    ox_json_uint (&j, "slots_in_use", ox_storecfg_slots_in_use (&cfg));
    ox_json_array (&j, "slots");
  } else
    printf ("%-4s  %-10s  %s\n", "SLOT", "TYPE", "DETAILS");
  for (i = 0; i < cfg.nslots; i++) {
    const struct ox_keyslot *sl = &cfg.slots[i];
    char details[128] = "";
    if (sl->type == OX_SLOT_PASSPHRASE)
      snprintf (details, sizeof details,
                "scrypt N=2^%" PRIu32 " r=%" PRIu32 " p=%" PRIu32, sl->log2_n,
                sl->r, sl->p);
    else if (sl->type != OX_SLOT_EMPTY && sl->type != OX_SLOT_KEY_FILE)
      snprintf (details, sizeof details, "type %d (a newer oxsnap?)",
                sl->type);
    if (c->json) {
      ox_json_object (&j, NULL);
      ox_json_uint (&j, "index", i);
      ox_json_string (&j, "type", type_name (sl->type));
      if (sl->type == OX_SLOT_PASSPHRASE) {
        ox_json_uint (&j, "scrypt_log2_n", sl->log2_n);
        ox_json_uint (&j, "scrypt_r", sl->r);
        ox_json_uint (&j, "scrypt_p", sl->p);
      } else if (sl->type != OX_SLOT_EMPTY && sl->type != OX_SLOT_KEY_FILE)
        ox_json_uint (&j, "type_value", sl->type);
      ox_json_bool (&j, "opened", i == opened);
      ox_json_end (&j);
    } else {
      if (i == opened)
        snprintf (details + strlen (details),
                  sizeof details - strlen (details),
                  "%s(opened by the given key)", *details ? " " : "");
      if (*details)
        printf ("%-4" PRIu32 "  %-10s  %s\n", i, type_name (sl->type),
                details);
      else
        printf ("%-4" PRIu32 "  %s\n", i, type_name (sl->type));
    }
  }
  if (c->json) {
    ox_json_end (&j);
    ox_json_end (&j);
    if (ox_json_finish (&j) == -1)
      return 1;
  }
  return 0;
}

/* What a change of the slot table does, between reading "ox-store" and
 * writing it back: CFG as read under the lock, MASTER and OPENED from the
 * current secret. Returns 0, or -1 (reported: nothing is written). */
typedef int (*key_change_fn) (struct cli *c, void *arg,
                              struct ox_storecfg *cfg,
                              const uint8_t master[OX_MASTER_KEY_LEN],
                              uint32_t opened);

/* Check the store, load the new secret into *NEW_S unless NULL (a new key
 * file that does not exist is created, mode 0600, as init does), take the
 * lock, read "ox-store" again, open it with the current secret, apply
 * CHANGE and write it; release the lock whatever happened. Returns the
 * exit status. */
static int
key_change (struct cli *c, const char *sub, const char *url,
            struct ox_secret *new_s, key_change_fn change, void *arg)
{
  struct ox_storecfg cfg;
  struct ox_storelock lock;
  struct ox_secret s;
  uint8_t master[OX_MASTER_KEY_LEN];
  char what[64];
  uint32_t opened;
  int r = -1;

  if (ox_store_open (url, &c->store_opts, &c->store) == -1)
    return 1;
  /* Fail early, before any lock object is written, on what the lock
   * cannot change: no store, an unencrypted one. */
  if (read_encrypted (c, &cfg) == -1 || load_current (c, sub, &s) == -1)
    return 1;
  if (new_s && ox_secret_load (&c->new_key_src, 1, new_s) == -1) {
    ox_secret_free (&s);
    return 1;
  }
  snprintf (what, sizeof what, "oxsnap key %s", sub);
  if (ox_storelock_take (&lock, c->store, OX_STORECFG_LOCK_KEY, what,
                         c->lock_timeout, c->break_lock, c->quiet)
      == -1) {
    ox_secret_free (&s);
    return 1;
  }
  if (read_encrypted (c, &cfg) == 0
      && ox_storecfg_unwrap (c->store, &cfg, &s, master, &opened) == 0) {
    r = change (c, arg, &cfg, master, opened);
    if (r == 0)
      r = ox_storecfg_replace (c->store, &cfg);
  }
  OPENSSL_cleanse (master, sizeof master);
  ox_secret_free (&s);
  if (ox_storelock_release (&lock) == -1)
    r = -1;
  return r == 0 ? 0 : 1;
}

/* The new secret of add and passwd (loaded by key_change). */
struct new_secret {
  struct ox_secret s;
  uint32_t index; /* set by the change: the slot written */
  int old_type;   /* passwd: the type of the slot replaced */
};

/* key add: a new slot, in the first empty index or appended. */
static int
change_add (struct cli *c, void *arg, struct ox_storecfg *cfg,
            const uint8_t master[OX_MASTER_KEY_LEN], uint32_t opened)
{
  struct new_secret *n = arg;
  int at, dup;

  (void)opened;
  dup = opens_slot (c, cfg, &n->s);
  if (dup == -2)
    return -1;
  if (dup >= 0) {
    ox_error ("%s already opens key slot %d of %s: nothing added", n->s.what,
              dup, c->store->url);
    return -1;
  }
  at = ox_storecfg_free_index (cfg);
  if (at == -1) {
    ox_error ("store %s has %d key slots in use, the most there can be: "
              "remove one first ('oxsnap key remove')",
              c->store->url, OX_STORECFG_MAX_SLOTS);
    return -1;
  }
  if (ox_keyslot_make (&n->s, cfg->store_id, (uint32_t)at, master,
                       &cfg->slots[at])
      == -1)
    return -1;
  if ((uint32_t)at == cfg->nslots)
    cfg->nslots++;
  n->index = (uint32_t)at;
  return 0;
}

/* key passwd: a new slot in the place (the index) of the one opened. */
static int
change_passwd (struct cli *c, void *arg, struct ox_storecfg *cfg,
               const uint8_t master[OX_MASTER_KEY_LEN], uint32_t opened)
{
  struct new_secret *n = arg;
  int dup = opens_slot (c, cfg, &n->s);

  if (dup == -2)
    return -1;
  if (dup >= 0 && (uint32_t)dup == opened) {
    ox_error ("the new %s is the current one: nothing changed",
              n->s.type == OX_SLOT_KEY_FILE ? "key file" : "passphrase");
    return -1;
  }
  if (dup >= 0) {
    ox_error ("%s already opens key slot %d of %s: nothing changed (use "
              "'oxsnap key remove' to drop slot %" PRIu32 ")",
              n->s.what, dup, c->store->url, opened);
    return -1;
  }
  n->old_type = cfg->slots[opened].type;
  n->index = opened;
  return ox_keyslot_make (&n->s, cfg->store_id, opened, master,
                          &cfg->slots[opened]);
}

/* key remove: slot *ARG becomes empty. */
static int
change_remove (struct cli *c, void *arg, struct ox_storecfg *cfg,
               const uint8_t master[OX_MASTER_KEY_LEN], uint32_t opened)
{
  uint32_t slot = *(uint32_t *)arg;

  (void)master;
  if (slot >= cfg->nslots || cfg->slots[slot].type == OX_SLOT_EMPTY) {
    ox_error ("store %s has no key slot %" PRIu32
              " in use (see 'oxsnap key list')",
              c->store->url, slot);
    return -1;
  }
  if (ox_storecfg_slots_in_use (cfg) == 1) {
    ox_error ("key slot %" PRIu32 " is the last of store %s: refusing to "
              "remove it (the data could never be read again); add another "
              "key first",
              slot, c->store->url);
    return -1;
  }
  if (slot == opened)
    ox_warning ("key slot %" PRIu32 " is the one the given key opened: "
                "that key no longer opens %s",
                slot, c->store->url);
  ox_storecfg_clear_slot (cfg, slot);
  return 0;
}

/* key add and key passwd. */
static int
key_add_or_passwd (struct cli *c, const char *sub, const char *url)
{
  struct new_secret n = { .index = 0 };
  int passwd = strcmp (sub, "passwd") == 0, r;

  if (ox_key_sources_given (&c->new_key_src) != 1) {
    ox_error ("key %s: give the new key with --new-key-file F or "
              "--new-passphrase-file F (one of them)",
              sub);
    return 2;
  }
  r = key_change (c, sub, url, &n.s, passwd ? change_passwd : change_add, &n);
  if (r == 0 && !c->quiet) {
    if (passwd)
      fprintf (stderr,
               "oxsnap: key slot %" PRIu32 " of %s now opens with %s (%s; "
               "was %s)\n",
               n.index, url, n.s.what, type_name (n.s.type),
               type_name (n.old_type));
    else
      fprintf (stderr, "oxsnap: added key slot %" PRIu32 " (%s) to %s\n",
               n.index, type_name (n.s.type), url);
  }
  ox_secret_free (&n.s);
  return r;
}

int
cmd_key (struct cli *c, int argc, char **argv)
{
  const char *sub = argc > 0 ? argv[0] : "";
  int newkey = ox_key_sources_given (&c->new_key_src) > 0, slot, r;
  uint32_t index;

  if (c->json && strcmp (sub, "list") != 0) {
    ox_error ("--json applies to key list, not to key %s", sub);
    return 2;
  }
  if (strcmp (sub, "list") == 0 && argc == 2 && !newkey)
    return key_list (c, argv[1]);
  if ((strcmp (sub, "add") == 0 || strcmp (sub, "passwd") == 0) && argc == 2)
    return key_add_or_passwd (c, sub, argv[1]);
  if (strcmp (sub, "remove") == 0 && argc == 3 && !newkey) {
    if (cli_parse_int ("key remove: SLOT", argv[2], 0,
                       OX_STORECFG_MAX_SLOTS - 1, &slot)
        == -1)
      return 2;
    index = (uint32_t)slot;
    r = key_change (c, sub, argv[1], NULL, change_remove, &index);
    if (r == 0 && !c->quiet)
      fprintf (stderr, "oxsnap: removed key slot %" PRIu32 " of %s\n", index,
               argv[1]);
    return r;
  }
  ox_error (KEY_USAGE);
  return 2;
}
