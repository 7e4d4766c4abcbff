/* Unit test of common/base/hex.c: bytes to hex and back (every byte value,
 * either case, every kind of bad input), single digits, and the hex
 * numbers of snapshot ids. */
#include <stdint.h>
#include <string.h>

#include "hex.h"
#include "test.h"

static void
test_hex (void)
{
  uint8_t in[256], out[256];
  char hex[513];
  int i;

  for (i = 0; i < 256; i++)
    in[i] = i;
  ox_hex (in, sizeof in, hex);
  CHECK (strlen (hex) == 512);
  CHECK (strncmp (hex, "000102030405060708090a0b0c0d0e0f", 32) == 0);
  CHECK (strcmp (hex + 504, "fcfdfeff") == 0);
  CHECK (ox_unhex (hex, out, sizeof out) == 0);
  CHECK_MEM (in, out, sizeof in);

  ox_hex (in, 0, hex);
  CHECK (hex[0] == '\0');

  /* Upper case is accepted; anything else, or a short string, is not,
   * and a failed parse leaves the output alone. */
  CHECK (ox_unhex ("ABcd", out, 2) == 0);
  CHECK (out[0] == 0xab && out[1] == 0xcd);
  CHECK (ox_unhex ("abcg", out, 2) == -1);
  CHECK (ox_unhex ("abc", out, 2) == -1);
  CHECK (ox_unhex ("", out, 1) == -1);
  CHECK (ox_unhex (" 1", out, 1) == -1);
  CHECK (ox_unhex ("x1ff", out, 2) == -1);
  CHECK (out[0] == 0xab && out[1] == 0xcd);
}

static void
test_digit (void)
{
  static const char good[] = "0123456789abcdefABCDEF";
  int c;

  for (c = 1; c < 256; c++) {
    const char *at = strchr (good, c);
    int want = !at ? -1 : at - good < 16 ? at - good : at - good - 6;
    CHECK_EQ_INT (ox_hex_digit ((char)c), want);
  }
  CHECK_EQ_INT (ox_hex_digit ('\0'), -1);
}

static void
test_u64 (void)
{
  uint64_t v = 7;

  CHECK_EQ_INT (ox_unhex_u64 ("0123456789abcdef", 16, &v), 0);
  CHECK (v == UINT64_C (0x0123456789abcdef));
  CHECK_EQ_INT (ox_unhex_u64 ("FFFFFFFFFFFFFFFF", 16, &v), 0);
  CHECK (v == UINT64_MAX);
  /* Only the first N digits count: what follows is the caller's. */
  CHECK_EQ_INT (ox_unhex_u64 ("a1zz", 2, &v), 0);
  CHECK (v == 0xa1);
  CHECK_EQ_INT (ox_unhex_u64 ("0", 1, &v), 0);
  CHECK (v == 0);
  /* Bad digits, a short string, N out of 1..16: *V unchanged. */
  v = 42;
  CHECK_EQ_INT (ox_unhex_u64 ("012345678g", 10, &v), -1);
  CHECK_EQ_INT (ox_unhex_u64 ("0123", 5, &v), -1);
  CHECK_EQ_INT (ox_unhex_u64 ("", 1, &v), -1);
  CHECK_EQ_INT (ox_unhex_u64 ("-1", 2, &v), -1);
  CHECK_EQ_INT (ox_unhex_u64 ("12", 0, &v), -1);
  CHECK_EQ_INT (ox_unhex_u64 ("00000000000000001", 17, &v), -1);
  CHECK (v == 42);
}

int
main (void)
{
  test_hex ();
  test_digit ();
  test_u64 ();
  return 0;
}
