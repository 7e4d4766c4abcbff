/* Unit test of common/keys.c: HKDF and HMAC against RFC vectors, plain and
 * keyed ids, key derivation (hex is tested in tests/unit/base/test-hex.c). */
#include <stdint.h>
#include <string.h>

#include "hex.h"
#include "keys.h"
#include "test.h"

static void
unhex_or_die (const char *hex, uint8_t *out, size_t len)
{
  CHECK (strlen (hex) == 2 * len);
  CHECK (ox_unhex (hex, out, len) == 0);
}

/* RFC 5869 A.1 (test case 1); HKDF here gives the first 32 bytes of OKM. */
static void
test_hkdf_rfc5869_case1 (void)
{
  uint8_t ikm[22], salt[13], okm[32], want[32];
  char info[11];
  int i;

  memset (ikm, 0x0b, sizeof ikm);
  for (i = 0; i < 13; i++)
    salt[i] = i;
  for (i = 0; i < 10; i++)
    info[i] = (char)(0xf0 + i);
  info[10] = '\0';
  unhex_or_die ("3cb25f25faacd57a90434f64d0362f2a"
                "2d2d0a90cf1a5a4c5db02d56ecc4c5bf",
                want, 32);
  CHECK (ox_hkdf (ikm, sizeof ikm, salt, sizeof salt, info, okm) == 0);
  CHECK_MEM (okm, want, 32);
}

/* RFC 5869 A.3 (test case 3): empty salt and info. */
static void
test_hkdf_rfc5869_case3 (void)
{
  uint8_t ikm[22], okm[32], want[32];

  memset (ikm, 0x0b, sizeof ikm);
  unhex_or_die ("8da4e775a563c18f715f802a063c5a31"
                "b8a11f5c5ee1879ec3454e5f3c738d2d",
                want, 32);
  CHECK (ox_hkdf (ikm, sizeof ikm, NULL, 0, "", okm) == 0);
  CHECK_MEM (okm, want, 32);
}

/* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
 * ox_mac uses a 32-byte key, so the 4-byte key is zero-padded to 32 bytes,
 * which HMAC defines to be the same key. */
static void
test_hmac_rfc4231_case2 (void)
{
  const char *data = "what do ya want for nothing?";
  struct ox_keys k;
  uint8_t mac[32], want[32];

  memset (&k, 0, sizeof k);
  k.encrypted = 1;
  memcpy (k.mac_key, "Jefe", 4);
  memcpy (k.id_key, "Jefe", 4);
  unhex_or_die ("5bdcc146bf60754e6a042426089575c7"
                "5a003f089d2739839dec58b964ec3843",
                want, 32);
  ox_mac (&k, data, strlen (data), mac);
  CHECK_MEM (mac, want, 32);
  ox_chunk_id (&k, data, strlen (data), mac);
  CHECK_MEM (mac, want, 32);
}

/* SHA-256("abc") from FIPS 180-2. */
static void
test_plain_ids_are_sha256 (void)
{
  uint8_t sid[OX_STORE_ID_LEN] = { 1, 2, 3 };
  struct ox_keys k;
  uint8_t id[32], mac[32], want[32];

  ox_keys_init_plain (&k, sid);
  CHECK (k.encrypted == 0);
  CHECK_MEM (k.store_id, sid, sizeof sid);
  unhex_or_die ("ba7816bf8f01cfea414140de5dae2223"
                "b00361a396177a9cb410ff61f20015ad",
                want, 32);
  ox_chunk_id (&k, "abc", 3, id);
  ox_mac (&k, "abc", 3, mac);
  CHECK_MEM (id, want, 32);
  CHECK_MEM (mac, want, 32);
}

static void
test_keyed_ids (void)
{
  uint8_t sid[OX_STORE_ID_LEN], sid2[OX_STORE_ID_LEN];
  uint8_t master[OX_MASTER_KEY_LEN], sub[32];
  struct ox_keys plain, k, k2, zero;
  uint8_t data[1000];
  uint8_t idp[32], idk[32], mack[32], idk2[32];

  memset (data, 0x5a, sizeof data);
  memset (sid, 0x11, sizeof sid);
  memset (sid2, 0x22, sizeof sid2);
  memset (master, 0x77, sizeof master);
  ox_keys_init_plain (&plain, sid);
  CHECK (ox_keys_init_encrypted (&k, sid, master) == 0);
  CHECK (ox_keys_init_encrypted (&k2, sid2, master) == 0);
  CHECK (k.encrypted == 1);

  /* Subkeys are HKDF(M, store_id, label) exactly. */
  CHECK (ox_hkdf (master, 32, sid, 16, "ox v1 frame encryption", sub) == 0);
  CHECK_MEM (k.enc_key, sub, 32);
  CHECK (ox_hkdf (master, 32, sid, 16, "ox v1 chunk id", sub) == 0);
  CHECK_MEM (k.id_key, sub, 32);
  CHECK (ox_hkdf (master, 32, sid, 16, "ox v1 metadata mac", sub) == 0);
  CHECK_MEM (k.mac_key, sub, 32);
  CHECK (memcmp (k.enc_key, k.id_key, 32) != 0);
  CHECK (memcmp (k.id_key, k.mac_key, 32) != 0);

  ox_chunk_id (&plain, data, sizeof data, idp);
  ox_chunk_id (&k, data, sizeof data, idk);
  ox_mac (&k, data, sizeof data, mack);
  ox_chunk_id (&k2, data, sizeof data, idk2);
  CHECK (memcmp (idp, idk, 32) != 0);
  CHECK (memcmp (idk, mack, 32) != 0);
  CHECK (memcmp (idk, idk2, 32) != 0); /* same master, other store */

  /* Deterministic. */
  ox_chunk_id (&k, data, sizeof data, idk2);
  CHECK_MEM (idk, idk2, 32);

  ox_keys_wipe (&k);
  memset (&zero, 0, sizeof zero);
  CHECK_MEM (&k, &zero, sizeof k);
}

static void
test_random_and_memcmp (void)
{
  uint8_t a[64], b[64], zero[64];

  memset (zero, 0, sizeof zero);
  CHECK (ox_random_bytes (a, sizeof a) == 0);
  CHECK (ox_random_bytes (b, sizeof b) == 0);
  CHECK (memcmp (a, b, sizeof a) != 0);
  CHECK (memcmp (a, zero, sizeof a) != 0);
  CHECK (ox_memcmp_ct (a, a, sizeof a) == 0);
  CHECK (ox_memcmp_ct (a, b, sizeof a) != 0);
  memcpy (b, a, sizeof a);
  b[63] ^= 1;
  CHECK (ox_memcmp_ct (a, b, sizeof a) != 0);
  CHECK (ox_memcmp_ct (a, b, 63) == 0);
}

int
main (void)
{
  test_hkdf_rfc5869_case1 ();
  test_hkdf_rfc5869_case3 ();
  test_hmac_rfc4231_case2 ();
  test_plain_ids_are_sha256 ();
  test_keyed_ids ();
  test_random_and_memcmp ();
  return 0;
}
