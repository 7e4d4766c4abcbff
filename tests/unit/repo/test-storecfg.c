/* Unit test of common/repo/storecfg.c over the real file store: creating and
 * opening stores with a key file, a passphrase or no key; the exact
 * layout of "ox-store" (FORMAT section 3); wrong keys and damaged or
 * unknown objects refused with clear messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "keys.h"
#include "keyslot.h"
#include "le.h"
#include "store.h"
#include "storecfg.h"
#include "testlib.h"

static char *tmpdir;

static void
path_of (char *buf, size_t n, const char *name)
{
  snprintf (buf, n, "%s", ox_test_path (tmpdir, name));
}

static struct ox_store *
open_store (const char *name)
{
  return ox_test_file_store (ox_test_path (tmpdir, name));
}

static void
write_file (const char *name, const void *data, size_t len)
{
  ox_test_write_file (ox_test_path (tmpdir, name), data, len);
}

static size_t
read_object (struct ox_store *st, uint8_t **data)
{
  size_t len;

  CHECK (ox_store_get (st, "ox-store", (void **)data, &len) == 0);
  return len;
}

static void
sha256 (const void *data, size_t len, uint8_t out[32])
{
  unsigned int n;

  CHECK (EVP_Digest (data, len, out, &n, EVP_sha256 (), NULL) && n == 32);
}

/* Check the fixed part and the checksum; return nslots. */
static uint32_t
check_object (const uint8_t *o, size_t len, int encrypted)
{
  uint8_t sum[32];
  uint32_t nslots = get_le32 (o + 32);

  CHECK (memcmp (o, "OXSTORE\0", 8) == 0);
  CHECK_EQ_INT (get_le32 (o + 8), 1);
  CHECK_EQ_INT (get_le32 (o + 12), encrypted ? 1 : 0);
  CHECK_EQ_INT (len, 36 + 108 * nslots + 32);
  sha256 (o, len - 32, sum);
  CHECK_MEM (sum, o + len - 32, 32);
  return nslots;
}

/* Unwrap slot 0 of object O with KEK and check that the keys derived from
 * the master key are KEYS: the slot format, AAD and derivation are those
 * of the spec. */
static void
check_slot_unwraps (const uint8_t *o, const uint8_t kek[32],
                    const struct ox_keys *keys)
{
  const uint8_t *s = o + 36;
  uint8_t aad[14 + 16 + 4], master[32], tag[16];
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  struct ox_keys derived;
  int n;

  CHECK (ctx);
  memcpy (aad, "ox v1 key slot", 14);
  memcpy (aad + 14, o + 16, 16);
  put_le32 (aad + 30, 0);
  memcpy (tag, s + 92, 16);
  CHECK (EVP_DecryptInit_ex2 (ctx, EVP_aes_256_gcm (), kek, s + 48, NULL));
  CHECK (EVP_DecryptUpdate (ctx, NULL, &n, aad, sizeof aad));
  CHECK (EVP_DecryptUpdate (ctx, master, &n, s + 60, 32));
  CHECK (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, 16, tag));
  CHECK (EVP_DecryptFinal_ex (ctx, master + 32, &n) == 1);
  EVP_CIPHER_CTX_free (ctx);
  CHECK (ox_keys_init_encrypted (&derived, o + 16, master) == 0);
  CHECK_MEM (&derived, keys, sizeof derived);
}

static void
test_unencrypted (void)
{
  struct ox_key_source none = { 0 }, kf = { .key_file = "/nonexistent" };
  struct ox_store *st = open_store ("plain");
  struct ox_keys k, k2;
  uint8_t *o;
  size_t len;

  ox_test_reset_log ();
  CHECK (ox_storecfg_create (st, 0, &none, &k) == 0);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
  CHECK (k.encrypted == 0);
  len = read_object (st, &o);
  CHECK_EQ_INT (check_object (o, len, 0), 0);
  CHECK_MEM (o + 16, k.store_id, 16);
  free (o);

  CHECK (ox_storecfg_open (st, &none, &k2) == 0);
  CHECK_MEM (&k, &k2, sizeof k);
  /* A key for an unencrypted store is refused (downgrade attack). */
  CHECK (ox_storecfg_open (st, &kf, &k2) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_MESSAGE ("not encrypted but a key was given");

  /* Creating twice is refused and leaves the store as it was. */
  ox_test_reset_log ();
  CHECK (ox_storecfg_create (st, 0, &none, &k2) == -1);
  CHECK_MESSAGE ("a store already exists at ");
  CHECK (ox_storecfg_open (st, &none, &k2) == 0);
  CHECK_MEM (&k, &k2, sizeof k);
  ox_store_close (st);
}

static void
test_key_file (void)
{
  char key_path[512], other_path[512];
  struct ox_key_source src = { .key_file = key_path };
  struct ox_key_source none = { 0 }, pass = { .passphrase = "x" };
  struct ox_store *st = open_store ("keyfile");
  struct ox_keys k, k2;
  uint8_t key[33], kek[32], *o;
  struct stat sb;
  size_t len;
  FILE *f;

  /* A missing key file is created: 32 bytes, mode 0600. */
  path_of (key_path, sizeof key_path, "new.key");
  CHECK (ox_storecfg_create (st, 1, &src, &k) == 0);
  CHECK (k.encrypted == 1);
  CHECK (stat (key_path, &sb) == 0);
  CHECK_EQ_INT (sb.st_size, 32);
  CHECK_EQ_INT (sb.st_mode & 0777, 0600);
  f = fopen (key_path, "r");
  CHECK (f && fread (key, 1, 33, f) == 32);
  fclose (f);

  len = read_object (st, &o);
  CHECK_EQ_INT (check_object (o, len, 1), 1);
  CHECK_MEM (o + 16, k.store_id, 16);
  CHECK_EQ_INT (o[36], 1);                 /* type: key file */
  CHECK_EQ_INT (o[37], 0);                 /* key epoch */
  CHECK_EQ_INT (get_le32 (o + 36 + 4), 0); /* scrypt_log2_n */
  CHECK (ox_hkdf (key, 32, o + 36 + 16, 32, "ox v1 key file", kek) == 0);
  check_slot_unwraps (o, kek, &k);
  free (o);

  /* Reopen with the same key: the same keys. */
  ox_test_reset_log ();
  CHECK (ox_storecfg_open (st, &src, &k2) == 0);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
  CHECK_MEM (&k, &k2, sizeof k);

  /* No key, another key, a passphrase. */
  CHECK (ox_storecfg_open (st, &none, &k2) == -1);
  CHECK_MESSAGE ("is encrypted: give --key-file or --passphrase-file");
  path_of (other_path, sizeof other_path, "other.key");
  key[0] ^= 1;
  write_file ("other.key", key, 32);
  src.key_file = other_path;
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("wrong key or passphrase for store ");
  CHECK (ox_storecfg_open (st, &pass, &k2) == -1);
  CHECK_MESSAGE ("no key slot for a passphrase");

  /* Key files of the wrong size, or missing, are named in the error. */
  write_file ("other.key", key, 31);
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("other.key must hold exactly 32 raw bytes (it holds 31)");
  write_file ("other.key", key, 33);
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("other.key must hold exactly 32 raw bytes");
  write_file ("other.key", key, 0);
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("(it holds 0)");
  src.key_file = "/nonexistent/ox.key";
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("/nonexistent/ox.key");
  ox_store_close (st);
}

/* An existing key file is used as it is, and a bad one refused. */
static void
test_existing_key_file (void)
{
  char key_path[512];
  struct ox_key_source src = { .key_file = key_path };
  struct ox_store *st = open_store ("existing");
  uint8_t key[32], back[33], kek[32], *o;
  struct ox_keys k, k2;
  size_t len;
  FILE *f;

  path_of (key_path, sizeof key_path, "short.key");
  write_file ("short.key", "0123456789", 10);
  CHECK (ox_storecfg_create (st, 1, &src, &k) == -1);
  CHECK_MESSAGE ("short.key must hold exactly 32 raw bytes (it holds 10)");
  CHECK (ox_storecfg_open (st, &src, &k) == -1);
  CHECK_MESSAGE ("no ox store at ");
  CHECK_MESSAGE ("(missing ox-store)");
  CHECK_MESSAGE ("oxsnap init STORE");

  memset (key, 0x99, sizeof key);
  path_of (key_path, sizeof key_path, "fixed.key");
  write_file ("fixed.key", key, 32);
  CHECK (ox_storecfg_create (st, 1, &src, &k) == 0);
  f = fopen (key_path, "r");
  CHECK (f && fread (back, 1, 33, f) == 32);
  fclose (f);
  CHECK_MEM (back, key, 32);
  len = read_object (st, &o);
  check_object (o, len, 1);
  CHECK (ox_hkdf (key, 32, o + 36 + 16, 32, "ox v1 key file", kek) == 0);
  check_slot_unwraps (o, kek, &k);
  free (o);
  CHECK (ox_storecfg_open (st, &src, &k2) == 0);
  CHECK_MEM (&k, &k2, sizeof k);
  ox_store_close (st);
}

static void
test_passphrase (void)
{
  char pf[512];
  struct ox_key_source src = { .passphrase_file = pf };
  struct ox_key_source direct = { .passphrase = "correct horse" };
  struct ox_key_source kf = { .key_file = pf };
  struct ox_store *st = open_store ("pass");
  struct ox_keys k, k2;
  uint8_t kek[32], *o;
  size_t len;

  path_of (pf, sizeof pf, "pass.txt");
  write_file ("pass.txt", "correct horse\n", 14);
  CHECK (ox_storecfg_create (st, 1, &src, &k) == 0);
  len = read_object (st, &o);
  CHECK_EQ_INT (check_object (o, len, 1), 1);
  CHECK_EQ_INT (o[36], 2);
  CHECK_EQ_INT (get_le32 (o + 40), OX_SCRYPT_LOG2_N);
  CHECK_EQ_INT (get_le32 (o + 44), 8);
  CHECK_EQ_INT (get_le32 (o + 48), 1);
  CHECK (EVP_PBE_scrypt ("correct horse", 13, o + 52, 32,
                         1u << OX_SCRYPT_LOG2_N, 8, 1, 256u << 20, kek, 32));
  check_slot_unwraps (o, kek, &k);
  free (o);

  /* One trailing newline is stripped: the direct passphrase and a file
   * without the newline open the store. */
  CHECK (ox_storecfg_open (st, &direct, &k2) == 0);
  CHECK_MEM (&k, &k2, sizeof k);
  write_file ("pass.txt", "correct horse", 13);
  CHECK (ox_storecfg_open (st, &src, &k2) == 0);
  CHECK_MEM (&k, &k2, sizeof k);

  /* Only one newline; other passphrases are wrong. */
  write_file ("pass.txt", "correct horse\n\n", 15);
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("wrong key or passphrase for store ");
  direct.passphrase = "correct horsE";
  CHECK (ox_storecfg_open (st, &direct, &k2) == -1);
  CHECK_MESSAGE ("wrong key or passphrase for store ");
  write_file ("pass.txt", "\n", 1);
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("is empty");

  /* A 32-byte key file for a passphrase store. */
  write_file ("pass.txt", "0123456789abcdef0123456789abcdef", 32);
  CHECK (ox_storecfg_open (st, &kf, &k2) == -1);
  CHECK_MESSAGE ("no key slot for a key file");
  ox_store_close (st);
}

static void
test_bad_sources (void)
{
  struct ox_key_source none = { 0 };
  struct ox_key_source two = { .key_file = "/x", .passphrase = "y" };
  struct ox_store *st = open_store ("sources");
  struct ox_keys k;

  CHECK (ox_storecfg_create (st, 1, &none, &k) == -1);
  CHECK_MESSAGE ("needs --key-file or --passphrase-file");
  CHECK (ox_storecfg_create (st, 1, &two, &k) == -1);
  CHECK_MESSAGE ("only one key");
  CHECK (ox_storecfg_open (st, &none, &k) == -1);
  CHECK_MESSAGE ("(missing ox-store)");
  ox_store_close (st);
}

/* Every single-byte change, truncation, extension, a newer version and
 * unknown flags are refused. */
static void
test_damaged_object (void)
{
  char key_path[512];
  struct ox_key_source src = { .key_file = key_path };
  struct ox_store *st = open_store ("damaged");
  struct ox_keys k, k2;
  uint8_t *o, *copy;
  size_t len, i;

  path_of (key_path, sizeof key_path, "damaged.key");
  CHECK (ox_storecfg_create (st, 1, &src, &k) == 0);
  len = read_object (st, &o);
  copy = malloc (len + 1);
  CHECK (copy);

  for (i = 0; i < len; i++) {
    memcpy (copy, o, len);
    copy[i] ^= 0x10;
    CHECK (ox_store_put (st, "ox-store", copy, len) == 0);
    ox_test_reset_log ();
    CHECK (ox_storecfg_open (st, &src, &k2) == -1);
    CHECK_EQ_INT (ox_test_errors (), 1);
    if (i >= 12)
      CHECK_MESSAGE ("corrupt ox-store object at ");
  }
  for (i = 0; i < len; i++) {
    CHECK (ox_store_put (st, "ox-store", o, i) == 0);
    CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  }
  memcpy (copy, o, len);
  copy[len] = 0;
  CHECK (ox_store_put (st, "ox-store", copy, len + 1) == 0);
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);

  /* Version 2, with a valid checksum: refused as unknown. */
  memcpy (copy, o, len);
  put_le32 (copy + 8, 2);
  sha256 (copy, len - 32, copy + len - 32);
  CHECK (ox_store_put (st, "ox-store", copy, len) == 0);
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("unknown format version 2 (this oxsnap reads 1)");

  /* Unknown flags, valid checksum. */
  memcpy (copy, o, len);
  put_le32 (copy + 12, 3);
  sha256 (copy, len - 32, copy + len - 32);
  CHECK (ox_store_put (st, "ox-store", copy, len) == 0);
  CHECK (ox_storecfg_open (st, &src, &k2) == -1);
  CHECK_MESSAGE ("unknown flags");

  /* A slot bound to another index (the AAD has the index): put the slot
   * second, behind a copy that is not of its type. */
  {
    size_t l2 = len + 108;
    uint8_t *two = malloc (l2);
    CHECK (two);
    memcpy (two, o, 36);
    put_le32 (two + 32, 2);
    memcpy (two + 36, o + 36, 108);
    two[36] = 2; /* passphrase slot: not tried with a key file */
    memcpy (two + 36 + 108, o + 36, 108);
    sha256 (two, l2 - 32, two + l2 - 32);
    CHECK (ox_store_put (st, "ox-store", two, l2) == 0);
    CHECK (ox_storecfg_open (st, &src, &k2) == -1);
    CHECK_MESSAGE ("wrong key or passphrase");
    /* The same with the good slot first opens. */
    memcpy (two + 36, o + 36, 108);
    memcpy (two + 36 + 108, o + 36, 108);
    two[36 + 108] = 2;
    sha256 (two, l2 - 32, two + l2 - 32);
    CHECK (ox_store_put (st, "ox-store", two, l2) == 0);
    CHECK (ox_storecfg_open (st, &src, &k2) == 0);
    CHECK_MEM (&k, &k2, sizeof k);
    free (two);
  }

  /* The original opens again. */
  CHECK (ox_store_put (st, "ox-store", o, len) == 0);
  CHECK (ox_storecfg_open (st, &src, &k2) == 0);
  CHECK_MEM (&k, &k2, sizeof k);
  free (copy);
  free (o);
  ox_store_close (st);
}

/* An object of NSLOTS slots: GOOD (a slot that opens) first, then copies
 * of it as type TYPE with the scrypt parameters of PARAMS (three per
 * slot; a missing one is the default 15, 8, 1). */
static uint8_t *
craft_slots (const uint8_t *good, uint32_t nslots, int type,
             const uint32_t *params, size_t nparams, size_t *len)
{
  uint8_t *o;
  uint32_t i;

  *len = 36 + (size_t)108 * nslots + 32;
  o = calloc (1, *len);
  CHECK (o);
  memcpy (o, good, 36);
  put_le32 (o + 32, nslots);
  for (i = 0; i < nslots; i++) {
    uint8_t *s = o + 36 + (size_t)108 * i;
    memcpy (s, good + 36, 108);
    if (i == 0)
      continue;
    s[0] = type;
    put_le32 (s + 4, 3 * (i - 1) + 0 < nparams ? params[3 * (i - 1)] : 15);
    put_le32 (s + 8, 3 * (i - 1) + 1 < nparams ? params[3 * (i - 1) + 1] : 8);
    put_le32 (s + 12, 3 * (i - 1) + 2 < nparams ? params[3 * (i - 1) + 2] : 1);
  }
  sha256 (o, *len - 32, o + *len - 32);
  return o;
}

/* Open ST with SRC after replacing ox-store by O; WANT is NULL when it
 * must open, else the error it must give. */
static void
open_crafted (struct ox_store *st, const struct ox_key_source *src, uint8_t *o,
              size_t len, const char *want)
{
  struct ox_keys k;

  CHECK (ox_store_put (st, "ox-store", o, len) == 0);
  free (o);
  ox_test_reset_log ();
  if (!want) {
    if (ox_storecfg_open (st, src, &k) != 0) {
      fprintf (stderr, "crafted ox-store (%zu bytes) refused: %s\n", len,
               ox_test_last_message ());
      exit (1);
    }
    CHECK_EQ_INT (ox_test_errors (), 0);
    return;
  }
  CHECK (ox_storecfg_open (st, src, &k) == -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_MESSAGE (want);
}

/* A hostile ox-store: scrypt parameters and slot counts outside what
 * oxsnap writes are refused before any scrypt runs, naming the field; the
 * limits themselves are accepted. The crafted slot comes second, behind a
 * slot that opens, so that the accepted cases run only the cheap default
 * scrypt. */
static void
test_hostile_slots (void)
{
  char pf[512];
  struct ox_key_source src = { .passphrase_file = pf };
  struct ox_store *st = open_store ("hostile");
  struct ox_keys k;
  uint8_t *good;
  size_t glen, len;
  static const struct {
    uint32_t p[6];
    size_t n;
    const char *want; /* NULL: accepted */
  } cases[] = {
    { { 10, 8, 1 }, 3, NULL },
    { { 9, 8, 1 }, 3, "key slot 1: scrypt_log2_n = 9 is outside 10..20" },
    { { 20, 1, 1 }, 3, NULL },
    { { 21, 1, 1 }, 3, "key slot 1: scrypt_log2_n = 21 is outside 10..20" },
    { { 0, 8, 1 }, 3, "scrypt_log2_n = 0 is outside" },
    { { 10, 1, 1 }, 3, NULL },
    { { 10, 0, 1 }, 3, "key slot 1: scrypt_r = 0 is outside 1..32" },
    { { 10, 32, 1 }, 3, NULL },
    { { 10, 33, 1 }, 3, "key slot 1: scrypt_r = 33 is outside 1..32" },
    { { 10, 8, 0 }, 3, "key slot 1: scrypt_p = 0 is outside 1..16" },
    { { 10, 8, 16 }, 3, NULL },
    { { 10, 8, 17 }, 3, "key slot 1: scrypt_p = 17 is outside 1..16" },
    { { 1, 1, 1u << 22 }, 3, "scrypt_log2_n = 1 is outside" },
    { { 10, 1, 1u << 22 }, 3, "scrypt_p = 4194304 is outside 1..16" },
    /* 128 * N * r * p: 2^28 (256 MiB) is the limit. */
    { { 20, 2, 1 }, 3, NULL },
    { { 20, 1, 3 },
      3,
      "scrypt cost 128*N*r*p = 402653184 is outside 0..268435456" },
    /* Over all slots: slot 0 costs 2^25, 2^25 + 2^28 + 7 * 2^25 = 2^29. */
    { { 20, 2, 1, 15, 7, 8 }, 6, NULL },
    { { 20, 2, 1, 15, 8, 8 },
      6,
      "the passphrase slots together cost 570425344 bytes of scrypt work, "
      "more than 536870912" },
  };
  size_t i;

  path_of (pf, sizeof pf, "hostile.txt");
  write_file ("hostile.txt", "hostile\n", 8);
  CHECK (ox_storecfg_create (st, 1, &src, &k) == 0);
  glen = read_object (st, &good);
  CHECK_EQ_INT (glen, 36 + 108 + 32);

  for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t *o = craft_slots (good, 1 + cases[i].n / 3, 2, cases[i].p,
                              cases[i].n, &len);
    open_crafted (st, &src, o, len, cases[i].want);
  }

  /* At most 64 slots (the extra ones of an unknown type, skipped). */
  {
    uint8_t *o = craft_slots (good, 64, 9, NULL, 0, &len);
    open_crafted (st, &src, o, len, NULL);
    o = craft_slots (good, 65, 9, NULL, 0, &len);
    open_crafted (st, &src, o, len, "nslots = 65 is more than 64");
  }
  /* Before the count check, the length: 2^20 slots claimed in a short
   * object are still "corrupt". */
  {
    uint8_t *o = craft_slots (good, 1, 2, NULL, 0, &len);
    put_le32 (o + 32, 1u << 20);
    sha256 (o, len - 32, o + len - 32);
    open_crafted (st, &src, o, len, "length does not match");
  }
  free (good);
  ox_store_close (st);
}

int
main (void)
{
  tmpdir = ox_test_tmpdir ("test-storecfg");
  ox_test_capture (0);
  test_unencrypted ();
  test_key_file ();
  test_existing_key_file ();
  test_passphrase ();
  test_bad_sources ();
  test_damaged_object ();
  test_hostile_slots ();
  CHECK (ox_test_rmtree (tmpdir) == 0);
  free (tmpdir);
  return 0;
}
