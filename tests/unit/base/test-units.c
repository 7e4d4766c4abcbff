/* Unit test: size and rate parsing, zero detection. */
#include <stdint.h>
#include <stdlib.h>

#include "iszero.h"
#include "log.h"
#include "test.h"
#include "units.h"

static int errors;
static void
count_errors (enum ox_log_level l, const char *msg)
{
  (void)msg;
  if (l == OX_LOG_ERROR)
    errors++;
}

int
main (void)
{
  uint64_t v;
  char buf[32];
  unsigned char z[4096] = { 0 };
  size_t i;

  ox_log_set_handler (count_errors);
  CHECK (ox_parse_size ("t", "4096", &v) == 0 && v == 4096);
  CHECK (ox_parse_size ("t", "256K", &v) == 0 && v == 256 * 1024);
  CHECK (ox_parse_size ("t", "256KiB", &v) == 0 && v == 256 * 1024);
  CHECK (ox_parse_size ("t", "64m", &v) == 0 && v == 64u << 20);
  CHECK (ox_parse_size ("t", "1G", &v) == 0 && v == 1u << 30);
  CHECK (ox_parse_size ("t", "2TB", &v) == 0 && v == 2ull << 40);
  CHECK_EQ_INT (errors, 0);
  CHECK (ox_parse_size ("t", "", &v) == -1);
  CHECK (ox_parse_size ("t", "-1", &v) == -1);
  CHECK (ox_parse_size ("t", "12Q", &v) == -1);
  CHECK (ox_parse_size ("t", "1M2", &v) == -1);
  CHECK (ox_parse_size ("t", "99999999999P", &v) == -1);
  CHECK (ox_parse_size ("t", "99999999999999999999999", &v) == -1);
  CHECK_EQ_INT (errors, 6);
  CHECK (ox_parse_rate ("t", "10M/s", &v) == 0 && v == 10u << 20);
  CHECK (ox_parse_rate ("t", "0", &v) == 0 && v == 0);
  {
    static const char n[] = "0123 18446744073709551615 99999999999999999999";
    CHECK (ox_parse_decimal (n, n + 4, &v) == 0 && v == 123);
    CHECK (ox_parse_decimal (n + 5, n + 25, &v) == -1); /* 20 digits */
    CHECK (ox_parse_decimal (n + 5, n + 24, &v) == 0
           && v == UINT64_C (1844674407370955161));
    v = 7;
    CHECK (ox_parse_decimal (n, n, &v) == -1 && v == 7);     /* empty */
    CHECK (ox_parse_decimal (n, n + 5, &v) == -1 && v == 7); /* a space */
  }
  CHECK (ox_parse_duration ("t", "0", &v) == 0 && v == 0);
  CHECK (ox_parse_duration ("t", "90", &v) == 0 && v == 90);
  CHECK (ox_parse_duration ("t", "30s", &v) == 0 && v == 30);
  CHECK (ox_parse_duration ("t", "15m", &v) == 0 && v == 900);
  CHECK (ox_parse_duration ("t", "24h", &v) == 0 && v == 86400);
  CHECK (ox_parse_duration ("t", "7d", &v) == 0 && v == 7 * 86400);
  errors = 0;
  CHECK (ox_parse_duration ("t", "", &v) == -1);
  CHECK (ox_parse_duration ("t", "h", &v) == -1);
  CHECK (ox_parse_duration ("t", "-1s", &v) == -1);
  CHECK (ox_parse_duration ("t", "5w", &v) == -1);
  CHECK (ox_parse_duration ("t", "1d2", &v) == -1);
  CHECK (ox_parse_duration ("t", "99999999999d", &v) == -1);
  CHECK_EQ_INT (errors, 6);
  CHECK (strcmp (ox_format_duration (7 * 86400, buf, sizeof buf), "7d") == 0);
  CHECK (strcmp (ox_format_duration (7200, buf, sizeof buf), "2h") == 0);
  CHECK (strcmp (ox_format_duration (120, buf, sizeof buf), "2m") == 0);
  CHECK (strcmp (ox_format_duration (61, buf, sizeof buf), "61s") == 0);
  CHECK (strcmp (ox_format_duration (0, buf, sizeof buf), "0s") == 0);
  CHECK (strcmp (ox_format_size (1536, buf, sizeof buf), "1.50 KiB") == 0);
  CHECK (strcmp (ox_format_size (12, buf, sizeof buf), "12 B") == 0);

  CHECK (ox_is_zero (z, sizeof z));
  CHECK (ox_is_zero (z, 0));
  CHECK (ox_is_zero (z, 7));
  for (i = 0; i < sizeof z; i += 97) {
    z[i] = 1;
    CHECK (!ox_is_zero (z, sizeof z));
    CHECK (ox_is_zero (z, i));
    z[i] = 0;
  }
  z[sizeof z - 1] = 0x80;
  CHECK (!ox_is_zero (z, sizeof z));
  return 0;
}
