/* ox: the little XML that S3 answers with. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "s3buf.h"
#include "s3xml.h"

/* Find the first occurrence of NEEDLE (N bytes) in [P, END). */
static const char *
find (const char *p, const char *end, const char *needle, size_t n)
{
  if (p >= end || (size_t)(end - p) < n)
    return NULL;
  return memmem (p, end - p, needle, n);
}

int
ox_s3xml_next (const char **pos, const char *end, const char *name,
               const char **inner, size_t *inner_len)
{
  size_t n = strlen (name);
  const char *p = *pos, *tag, *gt, *close;
  char c;

  for (;;) {
    tag = find (p, end, "<", 1);
    if (tag == NULL)
      return 0;
    p = tag + 1;
    if ((size_t)(end - p) < n + 1 || memcmp (p, name, n) != 0)
      continue;
    c = p[n];
    if (c != '>' && c != '/' && c != ' ' && c != '\t' && c != '\r'
        && c != '\n')
      continue; /* a longer name such as <KeyCount> for <Key> */
    gt = find (p + n, end, ">", 1);
    if (gt == NULL)
      return -1;
    if (gt[-1] == '/') { /* <NAME/> */
      *inner = gt + 1;
      *inner_len = 0;
      *pos = gt + 1;
      return 1;
    }
    close = gt + 1;
    for (;;) {
      close = find (close, end, "</", 2);
      if (close == NULL)
        return -1;
      if ((size_t)(end - close) >= n + 3 && memcmp (close + 2, name, n) == 0
          && close[n + 2] == '>')
        break;
      close += 2;
    }
    *inner = gt + 1;
    *inner_len = close - (gt + 1);
    *pos = close + n + 3;
    return 1;
  }
}

/* Append code point CP as UTF-8. */
static int
append_utf8 (struct ox_s3buf *b, unsigned long cp)
{
  char u[4];
  size_t n;

  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return -1;
  if (cp < 0x80) {
    u[0] = cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = 0xC0 | (cp >> 6);
    u[1] = 0x80 | (cp & 0x3F);
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = 0xE0 | (cp >> 12);
    u[1] = 0x80 | ((cp >> 6) & 0x3F);
    u[2] = 0x80 | (cp & 0x3F);
    n = 3;
  } else {
    u[0] = 0xF0 | (cp >> 18);
    u[1] = 0x80 | ((cp >> 12) & 0x3F);
    u[2] = 0x80 | ((cp >> 6) & 0x3F);
    u[3] = 0x80 | (cp & 0x3F);
    n = 4;
  }
  return ox_s3buf_append (b, u, n);
}

/* Decode the numeric reference "#..." of LEN bytes at E. */
static int
append_numeric (struct ox_s3buf *b, const char *e, size_t len)
{
  unsigned long cp = 0;
  int base = 10;
  size_t i = 1;

  if (len >= 2 && (e[1] == 'x' || e[1] == 'X')) {
    base = 16;
    i = 2;
  }
  if (i >= len || len - i > 8)
    return -1;
  for (; i < len; i++) {
    int d;
    if (e[i] >= '0' && e[i] <= '9')
      d = e[i] - '0';
    else if (base == 16 && e[i] >= 'a' && e[i] <= 'f')
      d = e[i] - 'a' + 10;
    else if (base == 16 && e[i] >= 'A' && e[i] <= 'F')
      d = e[i] - 'A' + 10;
    else
      return -1;
    cp = cp * base + d;
  }
  return append_utf8 (b, cp);
}

static int
append_entity (struct ox_s3buf *b, const char *e, size_t len)
{
  static const struct {
    const char *name;
    char c;
  } named[] = {
    { "amp", '&' },  { "lt", '<' },    { "gt", '>' },
    { "quot", '"' }, { "apos", '\'' },
  };
  size_t i;

  if (len > 0 && e[0] == '#')
    return append_numeric (b, e, len);
  for (i = 0; i < sizeof named / sizeof named[0]; i++)
    if (strlen (named[i].name) == len && memcmp (e, named[i].name, len) == 0)
      return ox_s3buf_append (b, &named[i].c, 1);
  return -1;
}

int
ox_s3xml_decode (const char *s, size_t n, char **out)
{
  struct ox_s3buf b = OX_S3BUF_INIT;
  const char *p = s, *end = s + n, *amp, *semi;

  *out = NULL;
  ox_s3buf_reserve (&b, n);
  while (p < end) {
    amp = memchr (p, '&', end - p);
    if (amp == NULL)
      amp = end;
    if (memchr (p, '\0', amp - p))
      goto bad;
    ox_s3buf_append (&b, p, amp - p);
    if (amp == end)
      break;
    semi = memchr (amp, ';', end - amp);
    if (semi == NULL || append_entity (&b, amp + 1, semi - amp - 1) == -1)
      goto bad;
    p = semi + 1;
  }
  *out = ox_s3buf_steal (&b);
  return *out ? 0 : -1;

bad:
  ox_s3buf_free (&b);
  errno = EINVAL;
  return -1;
}

int
ox_s3xml_text (const char *xml, size_t len, const char *name, char **out)
{
  const char *pos = xml, *inner;
  size_t inner_len;
  int r;

  *out = NULL;
  if (xml == NULL)
    return 0;
  r = ox_s3xml_next (&pos, xml + len, name, &inner, &inner_len);
  if (r <= 0)
    return r;
  return ox_s3xml_decode (inner, inner_len, out) == -1 ? -1 : 1;
}

int
ox_s3xml_u64 (const char *s, uint64_t *out)
{
  uint64_t v = 0;

  if (*s == '\0') {
    errno = EINVAL;
    return -1;
  }
  for (; *s; s++) {
    if (*s < '0' || *s > '9') {
      errno = EINVAL;
      return -1;
    }
    if (v > (UINT64_MAX - (*s - '0')) / 10) {
      errno = ERANGE;
      return -1;
    }
    v = v * 10 + (*s - '0');
  }
  *out = v;
  return 0;
}
