/* Unit test of common/format/oxstore.c, the bytes of "ox-store" (FORMAT
 * section 3): golden objects computed with Python (hashlib and the
 * cryptography package) encoded byte for byte and decoded, their slots
 * opened with the key and passphrase they were made for; round trips up to
 * 64 slots; and every rejection of the decoder, each with its message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hex.h"
#include "le.h"
#include "oxstore.h"
#include "testlib.h"

#define URL "file:///srv/ox"

/* An unencrypted store, store id a0 a1 ... af. */
static const char golden_plain[]
    = "4f5853544f5245000100000000000000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
      "00000000"
      "d103191d08ab92f48a500ad81d7f3ec972c5543ebe9d30d66fbe8e03af3015fc";

/* An encrypted one: slot 0 for the key file 00 01 ... 1f, slot 1 for the
 * passphrase "correct horse" at N = 2^10, r = 8, p = 1; both with salt
 * 40 41 ... 5f and nonce 60 ... 6b, wrapping the master key 80 ... 9f. */
static const char golden_enc[]
    = "4f5853544f5245000100000001000000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
      "02000000"
      /* slot 0 */
      "01000000000000000000000000000000"
      "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
      "606162636465666768696a6b"
      "223c514916852482f2e444908c09f0c62c905f4d92f9b0941539e6600ac007cc"
      "2392c7d0b127276b2809332bd0a5877f"
      /* slot 1 */
      "020000000a0000000800000001000000"
      "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
      "606162636465666768696a6b"
      "ed23c859fe5b3e76fb84b428f29704fa77bf47893f9fa8eaeeeae50835d8493c"
      "6872096c47abf2fb99b89e6305d77db1"
      /* checksum */
      "2f3725c7d99b19952677f447d0eff9e00936b99a046c2b7f2a61ab3bc53ba588";

/* A malloc'd copy of the bytes of HEX; sets *LEN. */
static uint8_t *
unhex (const char *hex, size_t *len)
{
  uint8_t *p;

  *len = strlen (hex) / 2;
  p = malloc (*len + 1);
  CHECK (p);
  CHECK (ox_unhex (hex, p, *len) == 0);
  return p;
}

static void
counting (uint8_t *p, size_t n, uint8_t start)
{
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)(start + i);
}

/* Recompute the trailing SHA-256 of the LEN bytes at P (OpenSSL directly,
 * not the code under test). */
static void
fix_sum (uint8_t *p, size_t len)
{
  unsigned int n;

  CHECK (len >= 32);
  CHECK (EVP_Digest (p, len - 32, p + len - 32, &n, EVP_sha256 (), NULL)
         && n == 32);
}

/* The configuration of golden_enc, built field by field. */
static void
golden_enc_cfg (struct ox_storecfg *cfg)
{
  uint8_t wt[48];

  memset (cfg, 0, sizeof *cfg);
  cfg->flags = OX_STORECFG_ENCRYPTED;
  counting (cfg->store_id, 16, 0xa0);
  cfg->nslots = 2;
  for (int i = 0; i < 2; i++) {
    counting (cfg->slots[i].salt, 32, 0x40);
    counting (cfg->slots[i].nonce, 12, 0x60);
  }
  cfg->slots[0].type = OX_SLOT_KEY_FILE;
  CHECK (ox_unhex ("223c514916852482f2e444908c09f0c62c905f4d92f9b0941539e66"
                   "00ac007cc2392c7d0b127276b2809332bd0a5877f",
                   wt, 48)
         == 0);
  memcpy (cfg->slots[0].wrapped, wt, 32);
  memcpy (cfg->slots[0].tag, wt + 32, 16);
  cfg->slots[1].type = OX_SLOT_PASSPHRASE;
  cfg->slots[1].log2_n = 10;
  cfg->slots[1].r = 8;
  cfg->slots[1].p = 1;
  CHECK (ox_unhex ("ed23c859fe5b3e76fb84b428f29704fa77bf47893f9fa8eaeeeae50"
                   "835d8493c6872096c47abf2fb99b89e6305d77db1",
                   wt, 48)
         == 0);
  memcpy (cfg->slots[1].wrapped, wt, 32);
  memcpy (cfg->slots[1].tag, wt + 32, 16);
}

static void
test_golden_encode (void)
{
  struct ox_storecfg cfg = { 0 };
  uint8_t *want;
  void *got;
  size_t want_len, len;

  counting (cfg.store_id, 16, 0xa0);
  want = unhex (golden_plain, &want_len);
  CHECK_EQ_INT (want_len, ox_storecfg_len (0));
  CHECK (ox_storecfg_encode (&cfg, &got, &len) == 0);
  CHECK_EQ_INT (len, want_len);
  CHECK_MEM (got, want, len);
  free (got);
  free (want);

  golden_enc_cfg (&cfg);
  want = unhex (golden_enc, &want_len);
  CHECK_EQ_INT (want_len, ox_storecfg_len (2));
  CHECK (ox_storecfg_encode (&cfg, &got, &len) == 0);
  CHECK_EQ_INT (len, want_len);
  CHECK_MEM (got, want, len);
  free (got);
  free (want);
}

static void
test_golden_decode (void)
{
  static struct ox_storecfg cfg, want;
  struct ox_secret key = { .type = OX_SLOT_KEY_FILE, .len = 32 };
  struct ox_secret pass = { .type = OX_SLOT_PASSPHRASE, .len = 13 };
  uint8_t key_bytes[32], master[32], want_master[32], *o;
  size_t len;

  o = unhex (golden_plain, &len);
  memset (&cfg, 0xff, sizeof cfg);
  CHECK (ox_storecfg_decode (URL, o, len, &cfg) == 0);
  CHECK_EQ_INT (cfg.flags, 0);
  CHECK_EQ_INT (cfg.nslots, 0);
  CHECK_MEM (cfg.store_id, o + 16, 16);
  free (o);

  o = unhex (golden_enc, &len);
  memset (&cfg, 0, sizeof cfg);
  CHECK (ox_storecfg_decode (URL, o, len, &cfg) == 0);
  golden_enc_cfg (&want);
  CHECK_MEM (&cfg, &want, sizeof cfg);
  free (o);

  /* The slots open with the secrets they were made for (the AAD holds
   * the slot's index). */
  counting (key_bytes, 32, 0);
  counting (want_master, 32, 0x80);
  key.data = key_bytes;
  pass.data = (uint8_t *)"correct horse";
  CHECK_EQ_INT (ox_keyslot_open (&key, cfg.store_id, 0, &cfg.slots[0], master),
                1);
  CHECK_MEM (master, want_master, 32);
  CHECK_EQ_INT (
      ox_keyslot_open (&pass, cfg.store_id, 1, &cfg.slots[1], master), 1);
  CHECK_MEM (master, want_master, 32);
}

static void
test_round_trip (void)
{
  static struct ox_storecfg cfg, back;
  void *data;
  size_t len;

  for (uint32_t n = 0; n <= OX_STORECFG_MAX_SLOTS; n += (n < 3 ? 1 : 61)) {
    memset (&cfg, 0, sizeof cfg);
    cfg.flags = n ? OX_STORECFG_ENCRYPTED : 0;
    ox_test_fill (cfg.store_id, 16, n);
    cfg.nslots = n;
    /* Every field of every slot, whatever its value (types unknown to
     * this reader included): the decoder keeps them as they are. */
    ox_test_fill (cfg.slots, n * sizeof cfg.slots[0], 100 + n);
    CHECK (ox_storecfg_encode (&cfg, &data, &len) == 0);
    CHECK_EQ_INT (len, 36 + 108 * n + 32);
    for (uint32_t i = 0; i < n; i++) {
      uint8_t slot[108];
      ox_keyslot_encode (&cfg.slots[i], slot);
      CHECK_MEM ((uint8_t *)data + 36 + 108 * i, slot, 108);
    }
    memset (&back, 0, sizeof back);
    CHECK (ox_storecfg_decode (URL, data, len, &back) == 0);
    CHECK_MEM (&back, &cfg, sizeof cfg);
    free (data);
  }

  /* More slots than a reader takes are not written. */
  cfg.nslots = OX_STORECFG_MAX_SLOTS + 1;
  ox_test_reset_log ();
  CHECK (ox_storecfg_encode (&cfg, &data, &len) == -1);
  CHECK_ERROR ("65 key slots, more than 64");
}

/* The field offsets of a slot (FORMAT section 3). */
static void
test_slot_layout (void)
{
  struct ox_keyslot sl, back;
  uint8_t p[108];

  memset (&sl, 0, sizeof sl);
  sl.type = 2;
  sl.epoch = 7;
  sl.reserved = 0x0201;
  sl.log2_n = 0x11121314;
  sl.r = 0x21222324;
  sl.p = 0x31323334;
  counting (sl.salt, 32, 0x40);
  counting (sl.nonce, 12, 0x60);
  counting (sl.wrapped, 32, 0x80);
  counting (sl.tag, 16, 0xc0);
  ox_keyslot_encode (&sl, p);
  CHECK_EQ_INT (p[0], 2);
  CHECK_EQ_INT (p[1], 7);
  CHECK_EQ_INT (p[2], 1);
  CHECK_EQ_INT (p[3], 2);
  CHECK_EQ_INT (get_le32 (p + 4), 0x11121314);
  CHECK_EQ_INT (get_le32 (p + 8), 0x21222324);
  CHECK_EQ_INT (get_le32 (p + 12), 0x31323334);
  CHECK_MEM (p + 16, sl.salt, 32);
  CHECK_MEM (p + 48, sl.nonce, 12);
  CHECK_MEM (p + 60, sl.wrapped, 32);
  CHECK_MEM (p + 92, sl.tag, 16);
  ox_keyslot_decode (p, &back);
  CHECK_MEM (&back, &sl, sizeof sl);
}

/* Decoding the LEN bytes at O fails with one error holding WANT and the
 * store's URL. */
static void
check_refused (const uint8_t *o, size_t len, const char *want)
{
  static struct ox_storecfg cfg;

  ox_test_reset_log ();
  if (ox_storecfg_decode (URL, o, len, &cfg) != -1) {
    fprintf (stderr, "a %zu-byte object was accepted (want \"%s\")\n", len,
             want);
    exit (1);
  }
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR (want);
  CHECK_ERROR (URL);
}

static void
test_rejections (void)
{
  size_t len, plen;
  uint8_t *o = unhex (golden_enc, &len);
  uint8_t *plain = unhex (golden_plain, &plen);
  uint8_t *c = malloc (36 + 108 * 65 + 32);
  size_t i, n;

  CHECK (c);
  /* Shorter than magic and version, or another magic. */
  for (i = 0; i < 12; i++)
    check_refused (o, i, "corrupt ox-store object at " URL " (bad magic)");
  for (i = 0; i < 8; i++) {
    memcpy (c, o, len);
    c[i] ^= 0x20;
    check_refused (c, len, "(bad magic)");
  }

  /* A newer version, named as such even with another checksum or length
   * (a newer writer may change either). */
  memcpy (c, o, len);
  put_le32 (c + 8, 2);
  check_refused (c, len,
                 "ox-store at " URL
                 ": unknown format version 2 (this oxsnap reads 1)");
  check_refused (c, 12, "unknown format version 2");
  put_le32 (c + 8, 0xffffffff);
  fix_sum (c, len);
  check_refused (c, len, "unknown format version 4294967295");

  /* Shorter than a header and a checksum. */
  for (i = 12; i < 36 + 32; i++)
    check_refused (o, i, "(truncated)");

  /* Any other byte changed, or a cut or added byte: the checksum. */
  for (i = 12; i < len; i++) {
    memcpy (c, o, len);
    c[i] ^= 0x01;
    check_refused (c, len, "(checksum mismatch)");
  }
  for (i = 36 + 32; i < len; i++)
    check_refused (o, i, "(checksum mismatch)");
  memcpy (c, o, len);
  c[len] = 0;
  check_refused (c, len + 1, "(checksum mismatch)");

  /* Version 0 with a good checksum. */
  memcpy (c, plain, plen);
  put_le32 (c + 8, 0);
  fix_sum (c, plen);
  check_refused (c, plen, "(version 0)");

  /* nslots and the length disagree, checksum good: one slot short, one
   * over, a count of 2^20 or 2^32 - 1 in a short object. */
  static const uint32_t counts[] = { 1, 3, 1u << 20, 0xffffffff };
  for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    memcpy (c, o, len);
    put_le32 (c + 32, counts[i]);
    fix_sum (c, len);
    check_refused (c, len, "(length does not match the number of key slots)");
  }
  memcpy (c, o, len - 32);
  memset (c + len - 32, 0, 1);
  fix_sum (c, len + 1);
  check_refused (c, len + 1, "(length does not match");

  /* 65 slots of the right length; 64 are fine. */
  for (n = 64; n <= 65; n++) {
    size_t l = 36 + 108 * n + 32;
    memcpy (c, o, 36);
    put_le32 (c + 32, (uint32_t)n);
    for (i = 0; i < n; i++)
      memcpy (c + 36 + 108 * i, o + 36, 108);
    fix_sum (c, l);
    if (n == 64) {
      static struct ox_storecfg cfg;
      CHECK (ox_storecfg_decode (URL, c, l, &cfg) == 0);
      CHECK_EQ_INT (cfg.nslots, 64);
      CHECK_MEM (&cfg.slots[63], &cfg.slots[0], sizeof cfg.slots[0]);
    } else
      check_refused (c, l,
                     "ox-store at " URL ": nslots = 65 is more than 64 "
                     "(refusing a store oxsnap could not have written)");
  }

  /* Unknown flags. */
  static const uint32_t flags[] = { 2, 3, 0x80000001 };
  static const char *const flag_msgs[]
      = { "has unknown flags 0x2 (written by a newer oxsnap?)",
          "has unknown flags 0x3", "has unknown flags 0x80000001" };
  for (i = 0; i < 3; i++) {
    memcpy (c, o, len);
    put_le32 (c + 12, flags[i]);
    fix_sum (c, len);
    check_refused (c, len, flag_msgs[i]);
  }

  /* Slots without the encryption flag, none with it. */
  memcpy (c, o, len);
  put_le32 (c + 12, 0);
  fix_sum (c, len);
  check_refused (c, len, "(key slots do not match the encryption flag)");
  memcpy (c, plain, plen);
  put_le32 (c + 12, 1);
  fix_sum (c, plen);
  check_refused (c, plen, "(key slots do not match the encryption flag)");

  free (c);
  free (o);
  free (plain);
}

int
main (void)
{
  ox_test_capture (0);
  test_golden_encode ();
  test_golden_decode ();
  test_round_trip ();
  test_slot_layout ();
  test_rejections ();
  return 0;
}
