/* ox: hexadecimal (see hex.h). */
#include "hex.h"

int
ox_hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

void
ox_hex (const void *data, size_t len, char *out)
{
  static const char digits[] = "0123456789abcdef";
  const uint8_t *p = data;
  size_t i;

  for (i = 0; i < len; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * len] = '\0';
}

int
ox_unhex (const char *hex, void *out, size_t len)
{
  uint8_t *p = out;
  size_t i;

  /* Check every digit before writing, so a bad string leaves OUT alone.
   * Stops at the first bad character, so a short string (its NUL) never
   * leads to reading past its end. */
  for (i = 0; i < 2 * len; i++)
    if (ox_hex_digit (hex[i]) < 0)
      return -1;
  for (i = 0; i < len; i++)
    p[i] = (uint8_t)(ox_hex_digit (hex[2 * i]) << 4
                     | ox_hex_digit (hex[2 * i + 1]));
  return 0;
}

int
ox_unhex_u64 (const char *s, size_t n, uint64_t *v)
{
  uint64_t x = 0;
  size_t i;

  if (n < 1 || n > 16)
    return -1;
  /* Stops at the first non-digit, so a short string ends at its NUL. */
  for (i = 0; i < n; i++) {
    int d = ox_hex_digit (s[i]);
    if (d < 0)
      return -1;
    x = x << 4 | (uint64_t)d;
  }
  *v = x;
  return 0;
}
