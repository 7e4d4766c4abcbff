/* ox: a growable byte buffer for the S3 client. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3buf.h"

int
ox_s3buf_reserve (struct ox_s3buf *b, size_t n)
{
  size_t need, cap;
  char *p;

  if (b->failed)
    return -1;
  if (n > SIZE_MAX - b->len - 1)
    goto fail;
  need = b->len + n + 1;
  if (b->max && need - 1 > b->max)
    goto fail;
  if (need <= b->cap)
    return 0;
  cap = b->cap ? b->cap : 256;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  p = realloc (b->data, cap);
  if (p == NULL)
    goto fail;
  b->data = p;
  b->data[b->len] = '\0';
  b->cap = cap;
  return 0;

fail:
  b->failed = 1;
  errno = ENOMEM;
  return -1;
}

int
ox_s3buf_append (struct ox_s3buf *b, const void *p, size_t n)
{
  if (ox_s3buf_reserve (b, n) == -1)
    return -1;
  if (n)
    memcpy (b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int
ox_s3buf_puts (struct ox_s3buf *b, const char *s)
{
  return ox_s3buf_append (b, s, strlen (s));
}

int
ox_s3buf_printf (struct ox_s3buf *b, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  if (n < 0 || ox_s3buf_reserve (b, (size_t)n) == -1) {
    b->failed = 1;
    return -1;
  }
  va_start (ap, fmt);
  vsnprintf (b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end (ap);
  b->len += (size_t)n;
  return 0;
}

char *
ox_s3buf_steal (struct ox_s3buf *b)
{
  char *s;

  if (b->failed) {
    ox_s3buf_free (b);
    errno = ENOMEM;
    return NULL;
  }
  s = b->data ? b->data : strdup ("");
  b->data = NULL;
  b->len = b->cap = 0;
  return s;
}

void
ox_s3buf_free (struct ox_s3buf *b)
{
  free (b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = 0;
}
