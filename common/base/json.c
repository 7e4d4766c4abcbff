/* ox: a small streaming JSON writer (see json.h). */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void
ox_json_init (struct ox_json *j, FILE *f)
{
  memset (j, 0, sizeof *j);
  j->f = f;
}

/* The length of the valid UTF-8 sequence at S (at most N bytes), or 0.
 * Overlong forms, surrogates and values above U+10FFFF are invalid. */
static size_t
utf8_len (const unsigned char *s, size_t n)
{
  size_t len, i;
  uint32_t cp;

  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf)
    len = 2, cp = s[0] & 0x1f;
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    len = 3, cp = s[0] & 0x0f;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    len = 4, cp = s[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (i = 1; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (s[i] & 0x3f);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
      || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
    return 0;
  return len;
}

/* S as a quoted JSON string. */
static void
put_string (FILE *f, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen (s);

  fputc ('"', f);
  while (n > 0) {
    size_t len = utf8_len (p, n);
    if (len == 0) {
      fputs ("\\ufffd", f);
      len = 1;
    } else if (len > 1)
      fwrite (p, 1, len, f);
    else if (*p == '"' || *p == '\\')
      fprintf (f, "\\%c", *p);
    else if (*p == '\n')
      fputs ("\\n", f);
    else if (*p == '\t')
      fputs ("\\t", f);
    else if (*p == '\r')
      fputs ("\\r", f);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf (f, "\\u%04x", *p);
    else
      fputc (*p, f);
    p += len;
    n -= len;
  }
  fputc ('"', f);
}

/* Write the comma and the key that come before a value. */
static void
begin_value (struct ox_json *j, const char *key)
{
  if (j->depth == 0) {
    if (key != NULL || j->done)
      j->bad = 1;
    j->done = 1;
  } else {
    int in_object = j->kind[j->depth - 1] == '{';
    if ((key != NULL) != in_object)
      j->bad = 1;
    if (j->count[j->depth - 1])
      fputc (',', j->f);
    j->count[j->depth - 1] = 1;
  }
  if (key) {
    put_string (j->f, key);
    fputc (':', j->f);
  }
}

static void
open_level (struct ox_json *j, const char *key, char kind)
{
  begin_value (j, key);
  if (j->depth == OX_JSON_MAX_DEPTH) {
    j->bad = 1;
    return;
  }
  fputc (kind, j->f);
  j->kind[j->depth] = kind;
  j->depth++;
  j->count[j->depth - 1] = 0;
}

void
ox_json_object (struct ox_json *j, const char *key)
{
  open_level (j, key, '{');
}

void
ox_json_array (struct ox_json *j, const char *key)
{
  open_level (j, key, '[');
}

void
ox_json_end (struct ox_json *j)
{
  if (j->depth == 0) {
    j->bad = 1;
    return;
  }
  j->depth--;
  fputc (j->kind[j->depth] == '{' ? '}' : ']', j->f);
}

void
ox_json_string (struct ox_json *j, const char *key, const char *s)
{
  begin_value (j, key);
  put_string (j->f, s);
}

void
ox_json_uint (struct ox_json *j, const char *key, uint64_t v)
{
  begin_value (j, key);
  fprintf (j->f, "%" PRIu64, v);
}

void
ox_json_double (struct ox_json *j, const char *key, double v)
{
  char buf[32];

  begin_value (j, key);
  if (!isfinite (v)) {
    fputs ("null", j->f);
    return;
  }
  /* The shortest of 15 or 17 digits that reads back as V. */
  snprintf (buf, sizeof buf, "%.15g", v);
  if (strtod (buf, NULL) != v)
    snprintf (buf, sizeof buf, "%.17g", v);
  fputs (buf, j->f);
}

void
ox_json_bool (struct ox_json *j, const char *key, int v)
{
  begin_value (j, key);
  fputs (v ? "true" : "false", j->f);
}

void
ox_json_null (struct ox_json *j, const char *key)
{
  begin_value (j, key);
  fputs ("null", j->f);
}

void
ox_json_id (struct ox_json *j, const char *key, uint64_t id)
{
  begin_value (j, key);
  fprintf (j->f, "\"%016" PRIx64 "\"", id);
}

int
ox_json_finish (struct ox_json *j)
{
  if (j->depth != 0 || !j->done)
    j->bad = 1;
  fputc ('\n', j->f);
  if (fflush (j->f) != 0 || ferror (j->f)) {
    ox_error ("writing JSON: %m");
    return -1;
  }
  if (j->bad) {
    ox_error ("internal error: malformed JSON document");
    return -1;
  }
  return 0;
}
