/* ox: parsing and printing sizes and rates. */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int
ox_parse_size (const char *what, const char *s, uint64_t *out)
{
  char *end;
  unsigned long long v;
  unsigned shift = 0;

  if (!s || !isdigit ((unsigned char)*s))
    goto bad;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno)
    goto bad;
  switch (toupper ((unsigned char)*end)) {
  case 'K':
    shift = 10;
    end++;
    break;
  case 'M':
    shift = 20;
    end++;
    break;
  case 'G':
    shift = 30;
    end++;
    break;
  case 'T':
    shift = 40;
    end++;
    break;
  case 'P':
    shift = 50;
    end++;
    break;
  default:
    break;
  }
  if (shift && (*end == 'i' || *end == 'I'))
    end++;
  if (*end == 'B' || *end == 'b')
    end++;
  if (*end != '\0')
    goto bad;
  if (shift && v > (UINT64_MAX >> shift)) {
    ox_error ("%s: %s is too large", what, s);
    return -1;
  }
  *out = (uint64_t)v << shift;
  return 0;

bad:
  ox_error ("%s: cannot parse size '%s' (expected e.g. 4096, 256K, 64M, 1G)",
            what, s ? s : "");
  return -1;
}

int
ox_parse_rate (const char *what, const char *s, uint64_t *out)
{
  char buf[64];
  size_t n = s ? strlen (s) : 0;

  if (n >= sizeof buf) {
    ox_error ("%s: rate '%s' is too long", what, s);
    return -1;
  }
  memcpy (buf, s ? s : "", n + 1);
  if (n >= 2 && strcmp (buf + n - 2, "/s") == 0)
    buf[n - 2] = '\0';
  return ox_parse_size (what, buf, out);
}

int
ox_parse_duration (const char *what, const char *s, uint64_t *out)
{
  char *end;
  unsigned long long v;
  uint64_t mult = 1;

  if (!s || !isdigit ((unsigned char)*s))
    goto bad;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno)
    goto bad;
  switch (*end) {
  case 's':
    end++;
    break;
  case 'm':
    mult = 60;
    end++;
    break;
  case 'h':
    mult = 3600;
    end++;
    break;
  case 'd':
    mult = 86400;
    end++;
    break;
  }
  if (*end != '\0' || v > (UINT64_C (1) << 40) / mult)
    goto bad;
  *out = (uint64_t)v * mult;
  return 0;
bad:
  ox_error ("%s: expected a duration such as 30s, 15m, 24h or 7d, not '%s'",
            what, s ? s : "");
  return -1;
}

int
ox_parse_decimal (const char *s, const char *end, uint64_t *v)
{
  uint64_t x = 0;

  if (s == end || end - s > 19)
    return -1;
  for (; s < end; s++) {
    if (*s < '0' || *s > '9')
      return -1;
    x = x * 10 + (uint64_t)(*s - '0');
  }
  *v = x;
  return 0;
}

const char *
ox_format_duration (uint64_t seconds, char *buf, size_t len)
{
  if (seconds && seconds % 86400 == 0)
    snprintf (buf, len, "%" PRIu64 "d", seconds / 86400);
  else if (seconds && seconds % 3600 == 0)
    snprintf (buf, len, "%" PRIu64 "h", seconds / 3600);
  else if (seconds && seconds % 60 == 0)
    snprintf (buf, len, "%" PRIu64 "m", seconds / 60);
  else
    snprintf (buf, len, "%" PRIu64 "s", seconds);
  return buf;
}

const char *
ox_format_size (uint64_t bytes, char *buf, size_t len)
{
  static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
  double v = (double)bytes;
  unsigned i = 0;

  while (v >= 1024 && i < 5) {
    v /= 1024;
    i++;
  }
  if (i == 0)
    snprintf (buf, len, "%" PRIu64 " B", bytes);
  else
    snprintf (buf, len, "%.2f %s", v, unit[i]);
  return buf;
}
