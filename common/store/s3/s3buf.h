/* ox: a growable, always NUL-terminated byte buffer for the S3 client
 * (canonical strings, URLs, response bodies). A failed allocation is
 * sticky: check ox_s3buf_ok() once after building. */
#ifndef OX_S3BUF_H
#define OX_S3BUF_H

#include <stddef.h>

struct ox_s3buf {
  char *data; /* NUL-terminated when non-NULL */
  size_t len; /* bytes, without the NUL */
  size_t cap; /* allocated bytes */
  size_t max; /* refuse to grow past this many bytes (0 = no limit) */
  int failed; /* an append failed (ENOMEM, or over max) */
};

#define OX_S3BUF_INIT                                                         \
  {                                                                           \
    NULL, 0, 0, 0, 0                                                          \
  }

/* Append N bytes at P. Returns 0 or -1 (and sets failed). */
int ox_s3buf_append (struct ox_s3buf *b, const void *p, size_t n)
    __attribute__ ((__nonnull__ (1)));

/* Append the string S. */
int ox_s3buf_puts (struct ox_s3buf *b, const char *s)
    __attribute__ ((__nonnull__ (1, 2)));

/* Append formatted text. */
int ox_s3buf_printf (struct ox_s3buf *b, const char *fmt, ...)
    __attribute__ ((__nonnull__ (1, 2), format (printf, 2, 3)));

/* Make room for at least N more bytes without changing the contents. */
int ox_s3buf_reserve (struct ox_s3buf *b, size_t n)
    __attribute__ ((__nonnull__ (1)));

/* 1 if every append so far succeeded. */
static inline int
ox_s3buf_ok (const struct ox_s3buf *b)
{
  return !b->failed;
}

/* Give the string to the caller (malloc'd; "" for an empty buffer), or
 * NULL if an append failed; the buffer is left empty either way. */
char *ox_s3buf_steal (struct ox_s3buf *b) __attribute__ ((__nonnull__ (1)));

/* Empty the buffer and free its memory. */
void ox_s3buf_free (struct ox_s3buf *b) __attribute__ ((__nonnull__ (1)));

#endif
