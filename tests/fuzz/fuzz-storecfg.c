/* Fuzz the store configuration "ox-store" and its key slots:
 * ox_storecfg_open on an in-memory store holding the bytes (docs/FORMAT.md
 * 3). An encrypted mode opens with the fixed key file (HKDF, cheap);
 * passphrase slots are parsed and skipped, never run through scrypt, so
 * executions stay fast. FUZZ_FIXUP rewrites the trailing SHA-256.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "le.h"
#include "storecfg.h"

#define HEAD_LEN 36
#define SLOT_LEN 108
#define SUM_LEN 32

static char key_file[64];

static void
remove_key_file (void)
{
  char dir[64];

  unlink (key_file);
  snprintf (dir, sizeof dir, "%.*s", (int)(strrchr (key_file, '/') - key_file),
            key_file);
  rmdir (dir);
}

/* The "ox-store" that ox_storecfg_create writes for SRC (NULL: plain). */
static uint8_t *
created (const struct ox_key_source *src, size_t *len)
{
  struct ox_key_source none = { 0 };
  struct ox_store *st = fuzz_memstore_new ();
  struct ox_keys keys;
  const uint8_t *data;
  uint8_t *copy;

  if (ox_storecfg_create (st, src != NULL, src ? src : &none, &keys) == -1
      || (data = fuzz_memstore_peek (st, "ox-store", len)) == NULL)
    abort ();
  copy = fuzz_dup (data, *len);
  ox_store_close (st);
  return copy;
}

static void
write_seeds (const char *dir)
{
  struct ox_key_source kf = { .key_file = key_file };
  struct ox_key_source pw = { .passphrase = "fuzz" };
  uint8_t *plain, *enc, *pass, *two;
  size_t plain_len, enc_len, pass_len, two_len;

  plain = created (NULL, &plain_len);
  enc = created (&kf, &enc_len);
  pass = created (&pw, &pass_len); /* one scrypt, at seeding only */
  fuzz_write_seed (dir, "plain", FUZZ_FIXUP, plain, plain_len);
  fuzz_write_seed (dir, "key-file", FUZZ_ENCRYPTED | FUZZ_FIXUP, enc, enc_len);
  fuzz_write_seed (dir, "passphrase", FUZZ_ENCRYPTED | FUZZ_FIXUP, pass,
                   pass_len);
  /* Two slots: the key file's, then a passphrase slot (skipped). */
  two_len = enc_len + SLOT_LEN;
  two = calloc (1, two_len);
  memcpy (two, enc, HEAD_LEN + SLOT_LEN);
  memcpy (two + HEAD_LEN + SLOT_LEN, pass + HEAD_LEN, SLOT_LEN);
  put_le32 (two + 32, 2);
  fuzz_write_seed (dir, "two-slots", FUZZ_ENCRYPTED | FUZZ_FIXUP, two,
                   two_len);
  free (plain);
  free (enc);
  free (pass);
  free (two);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  char dir[] = "/tmp/ox-fuzz-key.XXXXXX";
  FILE *f;

  if (mkdtemp (dir) == NULL)
    abort ();
  snprintf (key_file, sizeof key_file, "%s/key", dir);
  f = fopen (key_file, "wb");
  if (f == NULL || fwrite (fuzz_key_file_bytes, 1, 32, f) != 32
      || fclose (f) != 0)
    abort ();
  atexit (remove_key_file);
  fuzz_init (write_seeds);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ox_key_source src = { 0 };
  struct ox_store *st;
  struct ox_keys keys;
  uint8_t *p;
  size_t len;

  if (size < 1)
    return 0;
  len = size - 1;
  p = fuzz_dup (data + 1, len);
  if ((data[0] & FUZZ_FIXUP) && len >= SUM_LEN)
    ox_mac (fuzz_keys (0), p, len - SUM_LEN, p + len - SUM_LEN); /* SHA256 */
  if (data[0] & FUZZ_ENCRYPTED)
    src.key_file = key_file;
  st = fuzz_memstore_new ();
  fuzz_memstore_set (st, "ox-store", p, len);
  if (ox_storecfg_open (st, &src, &keys) == 0) {
    if (keys.encrypted != !!(data[0] & FUZZ_ENCRYPTED)
        || memcmp (keys.store_id, p + 16, OX_STORE_ID_LEN) != 0)
      abort ();
    ox_keys_wipe (&keys);
  }
  ox_store_close (st);
  free (p);
  return 0;
}
