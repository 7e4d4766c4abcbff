/* ox: the store configuration object "ox-store" (docs/FORMAT.md, section 3).
 *
 * The object holds the store id and, for an encrypted store, key slots
 * that each wrap the master key with a key-encryption key (KEK) derived
 * from a key file (HKDF) or a passphrase (scrypt).
 */
#include "le.h"
#include "storecfg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "cleanup.h"
#include "log.h"

#define CFG_KEY "ox-store"
#define CFG_MAGIC "OXSTORE\0"
#define CFG_MAGIC_LEN 8
#define CFG_VERSION 1
#define CFG_FLAG_ENCRYPTED 1u
#define CFG_HEAD_LEN 36 /* magic, version, flags, store_id, nslots */
#define CFG_SUM_LEN 32

#define SLOT_LEN 108
#define SLOT_KEY_FILE OX_SECRET_KEY_FILE
#define SLOT_PASSPHRASE OX_SECRET_PASSPHRASE
#define SLOT_SALT_LEN 32
#define SLOT_NONCE_LEN 12
#define SLOT_TAG_LEN 16
#define SLOT_AAD_LABEL "ox v1 key slot"
#define SLOT_AAD_LEN (sizeof SLOT_AAD_LABEL - 1 + OX_STORE_ID_LEN + 4)

/* Bounds on what a reader accepts (FORMAT section 3), so that a hostile
 * "ox-store" cannot make opening a store cost minutes of CPU or gigabytes
 * of memory (N = 2, r = 1, p = 2^22 took 13 to 37 s here). init writes
 * log2 N = 15, r = 8, p = 1: 32 MiB of memory and 128 * N * r * p = 32 MiB
 * of work, 0.1 to 0.5 s on the project's machine. The bounds leave room
 * for a passphrase slot 8 times as costly (e.g. N = 2^18, r = 8: 256 MiB),
 * and 16 times the default over all passphrase slots, a few seconds. */
#define MAX_SLOTS 64
#define SCRYPT_MIN_LOG2_N 10
#define SCRYPT_MAX_LOG2_N 20
#define SCRYPT_MAX_R 32
#define SCRYPT_MAX_P 16
#define SCRYPT_MAX_WORK (256ull << 20)       /* 128 * N * r * p, per slot */
#define SCRYPT_MAX_TOTAL_WORK (512ull << 20) /* the same, over all slots */
/* OpenSSL's limit: V (128 * r * N) plus B (128 * r * p) and a little. */
#define SCRYPT_MAXMEM (SCRYPT_MAX_WORK + (1ull << 20))

/* The reason of OpenSSL's last error, for messages. */
static const char *
openssl_error (void)
{
  const char *s = ERR_reason_error_string (ERR_get_error ());

  return s ? s : "unknown error";
}

/* A key slot, decoded. */
struct slot {
  uint8_t type, epoch;
  uint16_t reserved;
  uint32_t log2_n, r, p;
  uint8_t salt[SLOT_SALT_LEN];
  uint8_t nonce[SLOT_NONCE_LEN];
  uint8_t wrapped[OX_MASTER_KEY_LEN];
  uint8_t tag[SLOT_TAG_LEN];
};

/* KEK of slot SL for secret S. */
static int
derive_kek (const struct ox_secret *s, const struct slot *sl, uint8_t kek[32])
{
  if (s->type == SLOT_KEY_FILE)
    return ox_hkdf (s->data, s->len, sl->salt, SLOT_SALT_LEN, "ox v1 key file",
                    kek);
  if (!EVP_PBE_scrypt ((const char *)s->data, s->len, sl->salt, SLOT_SALT_LEN,
                       (uint64_t)1 << sl->log2_n, sl->r, sl->p, SCRYPT_MAXMEM,
                       kek, 32)) {
    ox_error ("scrypt (N=2^%u, r=%u, p=%u) failed: %s", sl->log2_n, sl->r,
              sl->p, openssl_error ());
    return -1;
  }
  return 0;
}

static void
slot_aad (uint8_t aad[SLOT_AAD_LEN], const uint8_t *store_id, uint32_t index)
{
  memcpy (aad, SLOT_AAD_LABEL, sizeof SLOT_AAD_LABEL - 1);
  memcpy (aad + sizeof SLOT_AAD_LABEL - 1, store_id, OX_STORE_ID_LEN);
  put_le32 (aad + SLOT_AAD_LEN - 4, index);
}

/* Wrap MASTER into slot SL (whose nonce is set) with AES-256-GCM. */
static int
wrap_master (const uint8_t kek[32], const uint8_t aad[SLOT_AAD_LEN],
             const uint8_t master[32], struct slot *sl)
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  int n, ok;

  ok = ctx
       && EVP_EncryptInit_ex2 (ctx, EVP_aes_256_gcm (), kek, sl->nonce, NULL)
       && EVP_EncryptUpdate (ctx, NULL, &n, aad, SLOT_AAD_LEN)
       && EVP_EncryptUpdate (ctx, sl->wrapped, &n, master, 32)
       && EVP_EncryptFinal_ex (ctx, sl->wrapped + 32, &n)
       && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, SLOT_TAG_LEN,
                               sl->tag);
  EVP_CIPHER_CTX_free (ctx);
  if (!ok) {
    ox_error ("AES-256-GCM key wrapping failed: %s", openssl_error ());
    return -1;
  }
  return 0;
}

/* Unwrap the master key of slot SL. Returns -1 without a message when the
 * slot does not authenticate with KEK. */
static int
unwrap_master (const uint8_t kek[32], const uint8_t aad[SLOT_AAD_LEN],
               const struct slot *sl, uint8_t master[32])
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  uint8_t tag[SLOT_TAG_LEN];
  int n, ok;

  memcpy (tag, sl->tag, sizeof tag);
  ok = ctx
       && EVP_DecryptInit_ex2 (ctx, EVP_aes_256_gcm (), kek, sl->nonce, NULL)
       && EVP_DecryptUpdate (ctx, NULL, &n, aad, SLOT_AAD_LEN)
       && EVP_DecryptUpdate (ctx, master, &n, sl->wrapped, 32)
       && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, SLOT_TAG_LEN, tag)
       && EVP_DecryptFinal_ex (ctx, master + 32, &n) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok) {
    ERR_clear_error ();
    OPENSSL_cleanse (master, 32);
    return -1;
  }
  return 0;
}

static void
encode_slot (uint8_t *p, const struct slot *sl)
{
  p[0] = sl->type;
  p[1] = sl->epoch;
  p[2] = p[3] = 0;
  put_le32 (p + 4, sl->log2_n);
  put_le32 (p + 8, sl->r);
  put_le32 (p + 12, sl->p);
  memcpy (p + 16, sl->salt, SLOT_SALT_LEN);
  memcpy (p + 48, sl->nonce, SLOT_NONCE_LEN);
  memcpy (p + 60, sl->wrapped, OX_MASTER_KEY_LEN);
  memcpy (p + 92, sl->tag, SLOT_TAG_LEN);
}

static void
decode_slot (const uint8_t *p, struct slot *sl)
{
  sl->type = p[0];
  sl->epoch = p[1];
  sl->reserved = p[2] | p[3] << 8;
  sl->log2_n = get_le32 (p + 4);
  sl->r = get_le32 (p + 8);
  sl->p = get_le32 (p + 12);
  memcpy (sl->salt, p + 16, SLOT_SALT_LEN);
  memcpy (sl->nonce, p + 48, SLOT_NONCE_LEN);
  memcpy (sl->wrapped, p + 60, OX_MASTER_KEY_LEN);
  memcpy (sl->tag, p + 92, SLOT_TAG_LEN);
}

static void
sha256 (const void *data, size_t len, uint8_t out[32])
{
  struct ox_keys plain = { .encrypted = 0 };

  ox_mac (&plain, data, len, out); /* MAC of an unencrypted store: SHA256 */
}

/* Build slot 0 wrapping MASTER with secret S for store STORE_ID. */
static int
make_slot (const struct ox_secret *s, const uint8_t *store_id,
           const uint8_t master[32], struct slot *sl)
{
  uint8_t kek[32], aad[SLOT_AAD_LEN];
  int r;

  memset (sl, 0, sizeof *sl);
  sl->type = s->type;
  if (s->type == SLOT_PASSPHRASE) {
    sl->log2_n = OX_SCRYPT_LOG2_N;
    sl->r = 8;
    sl->p = 1;
  }
  if (ox_random_bytes (sl->salt, SLOT_SALT_LEN) == -1
      || ox_random_bytes (sl->nonce, SLOT_NONCE_LEN) == -1
      || derive_kek (s, sl, kek) == -1)
    return -1;
  slot_aad (aad, store_id, 0);
  r = wrap_master (kek, aad, master, sl);
  OPENSSL_cleanse (kek, sizeof kek);
  return r;
}

/* Serialise and write "ox-store", create-only: of two "oxsnap init" runs
 * at once, one fails rather than replace the other's keys. SL is NULL for
 * an unencrypted store. */
static int
put_config (struct ox_store *st, const uint8_t *store_id,
            const struct slot *sl)
{
  uint8_t buf[CFG_HEAD_LEN + SLOT_LEN + CFG_SUM_LEN];
  uint32_t nslots = sl ? 1 : 0;
  size_t len = CFG_HEAD_LEN + nslots * SLOT_LEN;

  memcpy (buf, CFG_MAGIC, CFG_MAGIC_LEN);
  put_le32 (buf + 8, CFG_VERSION);
  put_le32 (buf + 12, sl ? CFG_FLAG_ENCRYPTED : 0);
  memcpy (buf + 16, store_id, OX_STORE_ID_LEN);
  put_le32 (buf + 32, nslots);
  if (sl)
    encode_slot (buf + CFG_HEAD_LEN, sl);
  sha256 (buf, len, buf + len);
  if (ox_store_put_new (st, CFG_KEY, buf, len + CFG_SUM_LEN) == -1) {
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

  if (ox_store_stat (st, CFG_KEY, &size) == 0) {
    ox_error ("a store already exists at %s", st->url);
    return -1;
  }
  if (errno != ENOENT)
    return -1; /* reported by the store */
  return 0;
}

static int
create_encrypted (struct ox_store *st, const struct ox_key_source *src,
                  const uint8_t *store_id, struct ox_keys *keys)
{
  struct ox_secret s;
  struct slot sl;
  uint8_t master[OX_MASTER_KEY_LEN];
  int r = -1;

  if (ox_secret_load (src, 1, &s) == -1)
    return -1;
  if (ox_random_bytes (master, sizeof master) == 0
      && make_slot (&s, store_id, master, &sl) == 0
      && put_config (st, store_id, &sl) == 0)
    r = ox_keys_init_encrypted (keys, store_id, master);
  OPENSSL_cleanse (master, sizeof master);
  ox_secret_free (&s);
  return r;
}

int
ox_storecfg_create (struct ox_store *st, int encrypt,
                    const struct ox_key_source *src, struct ox_keys *keys)
{
  uint8_t store_id[OX_STORE_ID_LEN];

  if (ox_key_sources_given (src) > 1) {
    ox_error ("give only one key: a key file or a passphrase");
    return -1;
  }
  if (encrypt && ox_key_sources_given (src) == 0) {
    ox_error ("an encrypted store needs --key-file or --passphrase-file");
    return -1;
  }
  if (!encrypt && ox_key_sources_given (src) > 0)
    ox_warning ("creating an unencrypted store at %s: the key given is not "
                "used",
                st->url);
  if (check_not_exists (st) == -1
      || ox_random_bytes (store_id, sizeof store_id) == -1)
    return -1;
  if (encrypt)
    return create_encrypted (st, src, store_id, keys);
  if (put_config (st, store_id, NULL) == -1)
    return -1;
  ox_keys_init_plain (keys, store_id);
  return 0;
}

/* The parsed, checked configuration object. */
struct config {
  uint32_t flags, nslots;
  uint8_t store_id[OX_STORE_ID_LEN];
  const uint8_t *slots;
};

static int
corrupt (struct ox_store *st, const char *why)
{
  ox_error ("corrupt ox-store object at %s (%s)", st->url, why);
  return -1;
}

/* Check and parse DATA (LEN bytes), the content of "ox-store". */
static int
parse_config (struct ox_store *st, const uint8_t *data, size_t len,
              struct config *cfg)
{
  uint8_t sum[CFG_SUM_LEN];
  uint32_t version;

  if (len < CFG_MAGIC_LEN + 4 || memcmp (data, CFG_MAGIC, CFG_MAGIC_LEN))
    return corrupt (st, "bad magic");
  version = get_le32 (data + 8);
  if (version > CFG_VERSION) {
    ox_error ("ox-store at %s: unknown format version %" PRIu32
              " (this oxsnap reads %d)",
              st->url, version, CFG_VERSION);
    return -1;
  }
  if (len < CFG_HEAD_LEN + CFG_SUM_LEN)
    return corrupt (st, "truncated");
  sha256 (data, len - CFG_SUM_LEN, sum);
  if (memcmp (sum, data + len - CFG_SUM_LEN, CFG_SUM_LEN) != 0)
    return corrupt (st, "checksum mismatch");
  if (version != CFG_VERSION)
    return corrupt (st, "version 0");
  cfg->flags = get_le32 (data + 12);
  memcpy (cfg->store_id, data + 16, OX_STORE_ID_LEN);
  cfg->nslots = get_le32 (data + 32);
  cfg->slots = data + CFG_HEAD_LEN;
  if ((uint64_t)CFG_HEAD_LEN + (uint64_t)cfg->nslots * SLOT_LEN + CFG_SUM_LEN
      != len)
    return corrupt (st, "length does not match the number of key slots");
  if (cfg->nslots > MAX_SLOTS) {
    ox_error ("ox-store at %s: nslots = %" PRIu32
              " is more than %d (refusing a store oxsnap could not have "
              "written)",
              st->url, cfg->nslots, MAX_SLOTS);
    return -1;
  }
  if (cfg->flags & ~CFG_FLAG_ENCRYPTED) {
    ox_error ("ox-store at %s has unknown flags 0x%" PRIx32
              " (written by a newer oxsnap?)",
              st->url, cfg->flags);
    return -1;
  }
  if ((cfg->flags & CFG_FLAG_ENCRYPTED) ? cfg->nslots == 0 : cfg->nslots != 0)
    return corrupt (st, "key slots do not match the encryption flag");
  return 0;
}

static int
out_of_bounds (struct ox_store *st, uint32_t index, const char *field,
               uint64_t value, uint64_t lo, uint64_t hi)
{
  ox_error ("ox-store at %s: key slot %" PRIu32 ": %s = %" PRIu64
            " is outside %" PRIu64 "..%" PRIu64
            " (refusing a store oxsnap could not have written)",
            st->url, index, field, value, lo, hi);
  return -1;
}

/* Check the scrypt parameters of passphrase slot INDEX against the bounds;
 * adds its work (128 * N * r * p) to *TOTAL. */
static int
check_scrypt_params (struct ox_store *st, uint32_t index,
                     const struct slot *sl, uint64_t *total)
{
  uint64_t work;

  if (sl->log2_n < SCRYPT_MIN_LOG2_N || sl->log2_n > SCRYPT_MAX_LOG2_N)
    return out_of_bounds (st, index, "scrypt_log2_n", sl->log2_n,
                          SCRYPT_MIN_LOG2_N, SCRYPT_MAX_LOG2_N);
  if (sl->r < 1 || sl->r > SCRYPT_MAX_R)
    return out_of_bounds (st, index, "scrypt_r", sl->r, 1, SCRYPT_MAX_R);
  if (sl->p < 1 || sl->p > SCRYPT_MAX_P)
    return out_of_bounds (st, index, "scrypt_p", sl->p, 1, SCRYPT_MAX_P);
  work = (128ull << sl->log2_n) * sl->r * sl->p; /* < 2^45: no overflow */
  if (work > SCRYPT_MAX_WORK)
    return out_of_bounds (st, index, "scrypt cost 128*N*r*p", work, 0,
                          SCRYPT_MAX_WORK);
  *total += work;
  return 0;
}

/* Check every passphrase slot before any is tried: a hostile store must
 * not make the reader run an unaffordable scrypt. */
static int
check_passphrase_slots (struct ox_store *st, const struct config *cfg)
{
  uint64_t total = 0;
  struct slot sl;
  uint32_t i;

  for (i = 0; i < cfg->nslots; i++) {
    decode_slot (cfg->slots + (size_t)i * SLOT_LEN, &sl);
    if (sl.type == SLOT_PASSPHRASE
        && check_scrypt_params (st, i, &sl, &total) == -1)
      return -1;
  }
  if (total > SCRYPT_MAX_TOTAL_WORK) {
    ox_error ("ox-store at %s: the passphrase slots together cost %" PRIu64
              " bytes of scrypt work, more than %llu (refusing a store "
              "oxsnap could not have written)",
              st->url, total, SCRYPT_MAX_TOTAL_WORK);
    return -1;
  }
  return 0;
}

/* Try slot INDEX with secret S. Returns 1 and sets MASTER when it opens,
 * 0 when it does not apply or does not open, -1 on a hard error. */
static int
try_slot (struct ox_store *st, const struct config *cfg, uint32_t index,
          const struct ox_secret *s, uint8_t master[32])
{
  struct slot sl;
  uint8_t kek[32], aad[SLOT_AAD_LEN];
  int r;

  decode_slot (cfg->slots + (size_t)index * SLOT_LEN, &sl);
  if (sl.type != s->type || sl.epoch != 0 || sl.reserved != 0)
    return 0;
  if (derive_kek (s, &sl, kek) == -1)
    return -1;
  slot_aad (aad, cfg->store_id, index);
  r = unwrap_master (kek, aad, &sl, master);
  OPENSSL_cleanse (kek, sizeof kek);
  return r == 0;
}

static int
count_slots_of_type (const struct config *cfg, int type)
{
  uint32_t i;
  int n = 0;

  for (i = 0; i < cfg->nslots; i++)
    n += cfg->slots[(size_t)i * SLOT_LEN] == type;
  return n;
}

static int
open_encrypted (struct ox_store *st, const struct config *cfg,
                const struct ox_key_source *src, struct ox_keys *keys)
{
  struct ox_secret s;
  uint8_t master[OX_MASTER_KEY_LEN];
  uint32_t i;
  int r = 0;

  if (ox_key_sources_given (src) == 0) {
    ox_error ("store %s is encrypted: give --key-file or --passphrase-file",
              st->url);
    return -1;
  }
  if (ox_secret_load (src, 0, &s) == -1)
    return -1;
  if (s.type == SLOT_PASSPHRASE && check_passphrase_slots (st, cfg) == -1) {
    ox_secret_free (&s);
    return -1;
  }
  if (count_slots_of_type (cfg, s.type) == 0) {
    ox_error ("store %s has no key slot for a %s (try %s)", st->url,
              s.type == SLOT_KEY_FILE ? "key file" : "passphrase",
              s.type == SLOT_KEY_FILE ? "--passphrase-file" : "--key-file");
    ox_secret_free (&s);
    return -1;
  }
  for (i = 0; i < cfg->nslots && r == 0; i++)
    r = try_slot (st, cfg, i, &s, master);
  ox_secret_free (&s);
  if (r == 1) {
    ox_debug ("store %s: key slot %" PRIu32 " opened", st->url, i - 1);
    r = ox_keys_init_encrypted (keys, cfg->store_id, master);
  } else if (r == 0) {
    ox_error ("wrong key or passphrase for store %s", st->url);
    r = -1;
  }
  OPENSSL_cleanse (master, sizeof master);
  return r;
}

int
ox_storecfg_open (struct ox_store *st, const struct ox_key_source *src,
                  struct ox_keys *keys)
{
  CLEANUP_FREE void *data = NULL;
  struct config cfg;
  size_t len;

  if (ox_key_sources_given (src) > 1) {
    ox_error ("give only one key: a key file or a passphrase");
    return -1;
  }
  if (ox_store_get (st, CFG_KEY, &data, &len) == -1) {
    if (errno == ENOENT)
      ox_error ("no ox store at %s (missing ox-store); create one with "
                "'oxsnap init STORE'",
                st->url);
    return -1;
  }
  if (parse_config (st, data, len, &cfg) == -1)
    return -1;
  if (cfg.flags & CFG_FLAG_ENCRYPTED)
    return open_encrypted (st, &cfg, src, keys);
  if (ox_key_sources_given (src) > 0) {
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
