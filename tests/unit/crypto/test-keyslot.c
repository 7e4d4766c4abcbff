/* Unit test of common/crypto/keyslot.c: key-encryption keys and wrapped
 * master keys against vectors computed with Python's cryptography package
 * (HKDF, scrypt, AES-256-GCM with the AAD of FORMAT section 3), slots that
 * must not open (another key, index, store, type, epoch, a flipped bit),
 * new slots unwrapped independently with OpenSSL, and every scrypt bound
 * of ox_keyslots_check_cost with its message. */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "hex.h"
#include "keyslot.h"
#include "le.h"
#include "testlib.h"

/* The vectors' inputs: bytes counting up from a start. */
static void
counting (uint8_t *p, size_t n, uint8_t start)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(start + i);
}

static void
unhex_or_die (const char *hex, uint8_t *out, size_t len)
{
  CHECK (strlen (hex) == 2 * len);
  CHECK (ox_unhex (hex, out, len) == 0);
}

static uint8_t key_bytes[32], salt[32], nonce[12], master[32], store_id[16];
static struct ox_secret key_secret, pass_secret;

static void
setup (void)
{
  counting (key_bytes, 32, 0x00);
  counting (salt, 32, 0x40);
  counting (nonce, 12, 0x60);
  counting (master, 32, 0x80);
  counting (store_id, 16, 0xa0);
  key_secret.type = OX_SLOT_KEY_FILE;
  key_secret.data = key_bytes;
  key_secret.len = 32;
  pass_secret.type = OX_SLOT_PASSPHRASE;
  pass_secret.data = (uint8_t *)"correct horse";
  pass_secret.len = 13;
}

/* A slot of TYPE with the vectors' salt and nonce and WRAPPED_TAG (hex of
 * the 32 wrapped bytes and the tag). */
static struct ox_keyslot
vector_slot (int type, uint32_t log2_n, const char *wrapped_tag)
{
  struct ox_keyslot sl = { .type = type, .log2_n = log2_n };
  uint8_t wt[48];

  if (type == OX_SLOT_PASSPHRASE) {
    sl.r = 8;
    sl.p = 1;
  }
  memcpy (sl.salt, salt, 32);
  memcpy (sl.nonce, nonce, 12);
  unhex_or_die (wrapped_tag, wt, 48);
  memcpy (sl.wrapped, wt, 32);
  memcpy (sl.tag, wt + 32, 16);
  return sl;
}

#define KF0                                                                   \
  "223c514916852482f2e444908c09f0c62c905f4d92f9b0941539e6600ac007cc"          \
  "2392c7d0b127276b2809332bd0a5877f"
#define KF1                                                                   \
  "223c514916852482f2e444908c09f0c62c905f4d92f9b0941539e6600ac007cc"          \
  "e865ad2c8d0331610c968d1a77dde300"
#define PW2                                                                   \
  "ed23c859fe5b3e76fb84b428f29704fa77bf47893f9fa8eaeeeae50835d8493c"          \
  "80db3b06cbb05c0b363e4e75c05118d2"

static void
test_kek_vectors (void)
{
  struct ox_keyslot kf = vector_slot (OX_SLOT_KEY_FILE, 0, KF0);
  struct ox_keyslot pw = vector_slot (OX_SLOT_PASSPHRASE, 10, PW2);
  uint8_t kek[32], want[32];

  CHECK (ox_keyslot_kek (&key_secret, &kf, kek) == 0);
  unhex_or_die ("a6c268ad682151532e92c7549314dfd8"
                "a5ee788f18680bca3e90c5924085e599",
                want, 32);
  CHECK_MEM (kek, want, 32);
  CHECK (ox_keyslot_kek (&pass_secret, &pw, kek) == 0);
  unhex_or_die ("4bf51370605f638f41c1234b970c0524"
                "6bc98f7a1aa7812fe85627ee837fa88d",
                want, 32);
  CHECK_MEM (kek, want, 32);
}

/* Fail unless SL, as slot INDEX of STORE_ID, gives WANT (1 with the
 * vectors' master key, or 0 leaving MASTER zero) with S. */
static void
check_open (const struct ox_secret *s, uint32_t index,
            const struct ox_keyslot *sl, const uint8_t *sid, int want)
{
  uint8_t got[32], zero[32] = { 0 };

  memset (got, 0xee, sizeof got);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_keyslot_open (s, sid, index, sl, got), want);
  CHECK_EQ_INT (ox_test_errors (), 0);
  if (want == 1)
    CHECK_MEM (got, master, 32);
  else if (sl->type == s->type && sl->epoch == 0 && sl->reserved == 0)
    CHECK_MEM (got, zero, 32); /* a failed unwrap leaves no plaintext */
}

static void
test_open_vectors (void)
{
  struct ox_keyslot kf0 = vector_slot (OX_SLOT_KEY_FILE, 0, KF0);
  struct ox_keyslot kf1 = vector_slot (OX_SLOT_KEY_FILE, 0, KF1);
  struct ox_keyslot pw2 = vector_slot (OX_SLOT_PASSPHRASE, 10, PW2);
  struct ox_keyslot sl;
  struct ox_secret other = key_secret, shortpass = pass_secret;
  uint8_t other_bytes[32], other_sid[16];

  check_open (&key_secret, 0, &kf0, store_id, 1);
  check_open (&key_secret, 1, &kf1, store_id, 1);
  check_open (&pass_secret, 2, &pw2, store_id, 1);

  /* The AAD binds the index and the store. */
  check_open (&key_secret, 1, &kf0, store_id, 0);
  check_open (&key_secret, 0, &kf1, store_id, 0);
  memcpy (other_sid, store_id, 16);
  other_sid[15] ^= 1;
  check_open (&key_secret, 0, &kf0, other_sid, 0);
  check_open (&pass_secret, 1, &pw2, store_id, 0);

  /* Another key or passphrase. */
  memcpy (other_bytes, key_bytes, 32);
  other_bytes[31] ^= 0x80;
  other.data = other_bytes;
  check_open (&other, 0, &kf0, store_id, 0);
  shortpass.len = 12;
  check_open (&shortpass, 2, &pw2, store_id, 0);

  /* A slot of the other type, epoch or reserved field is not tried. */
  check_open (&pass_secret, 0, &kf0, store_id, 0);
  check_open (&key_secret, 2, &pw2, store_id, 0);
  sl = kf0;
  sl.epoch = 1;
  check_open (&key_secret, 0, &sl, store_id, 0);
  sl = kf0;
  sl.reserved = 0x100;
  check_open (&key_secret, 0, &sl, store_id, 0);

  /* Any flipped bit of salt, nonce, wrapped key or tag. */
  for (size_t i = 0; i < 32 + 12 + 32 + 16; i++) {
    uint8_t *b;
    sl = kf0;
    b = i < 32   ? sl.salt + i
        : i < 44 ? sl.nonce + (i - 32)
        : i < 76 ? sl.wrapped + (i - 44)
                 : sl.tag + (i - 76);
    *b ^= 1u << (i % 8);
    check_open (&key_secret, 0, &sl, store_id, 0);
  }
}

/* Unwrap SL (slot INDEX of STORE_ID) with KEK by OpenSSL directly, with
 * the AAD of the spec, into OUT. */
static void
independent_unwrap (const struct ox_keyslot *sl, uint32_t index,
                    const uint8_t kek[32], uint8_t out[32])
{
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
  uint8_t aad[14 + 16 + 4], tag[16];
  int n;

  CHECK (ctx);
  memcpy (aad, "ox v1 key slot", 14);
  memcpy (aad + 14, store_id, 16);
  put_le32 (aad + 30, index);
  memcpy (tag, sl->tag, 16);
  CHECK (EVP_DecryptInit_ex2 (ctx, EVP_aes_256_gcm (), kek, sl->nonce, NULL));
  CHECK (EVP_DecryptUpdate (ctx, NULL, &n, aad, sizeof aad));
  CHECK (EVP_DecryptUpdate (ctx, out, &n, sl->wrapped, 32));
  CHECK (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, 16, tag));
  CHECK (EVP_DecryptFinal_ex (ctx, out + 32, &n) == 1);
  EVP_CIPHER_CTX_free (ctx);
}

static void
test_make (void)
{
  struct ox_keyslot a, b;
  uint8_t kek[32], got[32];

  /* A key file slot: scrypt fields zero, fresh salt and nonce each time. */
  CHECK (ox_keyslot_make (&key_secret, store_id, 3, master, &a) == 0);
  CHECK (ox_keyslot_make (&key_secret, store_id, 3, master, &b) == 0);
  CHECK_EQ_INT (a.type, OX_SLOT_KEY_FILE);
  CHECK_EQ_INT (a.epoch, 0);
  CHECK_EQ_INT (a.reserved, 0);
  CHECK_EQ_INT (a.log2_n, 0);
  CHECK_EQ_INT (a.r, 0);
  CHECK_EQ_INT (a.p, 0);
  CHECK (memcmp (a.salt, b.salt, 32) != 0);
  CHECK (memcmp (a.nonce, b.nonce, 12) != 0);
  CHECK (ox_hkdf (key_bytes, 32, a.salt, 32, "ox v1 key file", kek) == 0);
  independent_unwrap (&a, 3, kek, got);
  CHECK_MEM (got, master, 32);
  check_open (&key_secret, 3, &a, store_id, 1);
  check_open (&key_secret, 0, &a, store_id, 0);

  /* A passphrase slot: the default cost. */
  CHECK (ox_keyslot_make (&pass_secret, store_id, 0, master, &a) == 0);
  CHECK_EQ_INT (a.type, OX_SLOT_PASSPHRASE);
  CHECK_EQ_INT (a.log2_n, OX_SCRYPT_LOG2_N);
  CHECK_EQ_INT (a.r, 8);
  CHECK_EQ_INT (a.p, 1);
  CHECK (EVP_PBE_scrypt ("correct horse", 13, a.salt, 32,
                         1u << OX_SCRYPT_LOG2_N, 8, 1, 256u << 20, kek, 32));
  independent_unwrap (&a, 0, kek, got);
  CHECK_MEM (got, master, 32);
}

/* ox_keyslots_check_cost on slot 0 (a key file slot, never checked) and
 * passphrase slots with the scrypt parameters P (three per slot). */
static void
check_cost (const uint32_t *p, size_t np, const char *want)
{
  struct ox_keyslot slots[4];
  uint32_t n = 1 + (uint32_t)(np / 3);

  memset (slots, 0, sizeof slots);
  slots[0].type = OX_SLOT_KEY_FILE;
  slots[0].log2_n = 99; /* out of bounds, but not a passphrase slot */
  for (uint32_t i = 1; i < n; i++) {
    slots[i].type = OX_SLOT_PASSPHRASE;
    slots[i].log2_n = p[3 * (i - 1)];
    slots[i].r = p[3 * (i - 1) + 1];
    slots[i].p = p[3 * (i - 1) + 2];
  }
  ox_test_reset_log ();
  if (!want) {
    CHECK_EQ_INT (ox_keyslots_check_cost ("ox-store at X", slots, n), 0);
    CHECK_EQ_INT (ox_test_errors (), 0);
    return;
  }
  CHECK_EQ_INT (ox_keyslots_check_cost ("ox-store at X", slots, n), -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR (want);
  CHECK_ERROR ("ox-store at X: ");
}

static void
test_cost_bounds (void)
{
  static const struct {
    uint32_t p[9];
    size_t n;
    const char *want; /* NULL: accepted */
  } cases[] = {
    { { 0 }, 0, NULL },
    { { 10, 8, 1 }, 3, NULL },
    { { 9, 8, 1 }, 3, "key slot 1: scrypt_log2_n = 9 is outside 10..20" },
    { { 20, 1, 1 }, 3, NULL },
    { { 21, 1, 1 }, 3, "key slot 1: scrypt_log2_n = 21 is outside 10..20" },
    { { 10, 0, 1 }, 3, "key slot 1: scrypt_r = 0 is outside 1..32" },
    { { 10, 32, 1 }, 3, NULL },
    { { 10, 33, 1 }, 3, "key slot 1: scrypt_r = 33 is outside 1..32" },
    { { 10, 8, 0 }, 3, "key slot 1: scrypt_p = 0 is outside 1..16" },
    { { 10, 8, 16 }, 3, NULL },
    { { 10, 8, 17 }, 3, "key slot 1: scrypt_p = 17 is outside 1..16" },
    { { 20, 2, 1 }, 3, NULL }, /* 2^28, the limit */
    { { 20, 1, 3 },
      3,
      "key slot 1: scrypt cost 128*N*r*p = 402653184 is outside "
      "0..268435456" },
    { { 15, 8, 1, 15, 8, 1, 10, 99, 1 },
      9,
      "key slot 3: scrypt_r = 99 is outside 1..32" },
    /* All slots: 2^28 + 2^28 is the limit, one more 2^17 is over. */
    { { 20, 2, 1, 20, 2, 1 }, 6, NULL },
    { { 20, 2, 1, 20, 2, 1, 10, 1, 1 },
      9,
      "the passphrase slots together cost 537001984 bytes of scrypt work, "
      "more than 536870912" },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check_cost (cases[i].p, cases[i].n, cases[i].want);
}

int
main (void)
{
  ox_test_capture (0);
  setup ();
  test_kek_vectors ();
  test_open_vectors ();
  test_make ();
  test_cost_bounds ();
  return 0;
}
