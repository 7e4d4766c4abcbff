/* ox: test whether a buffer is all zero bytes. */
#ifndef OX_ISZERO_H
#define OX_ISZERO_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* True if the LEN bytes at BUF are all zero. Checks the first 16 bytes
 * directly, then compares the buffer with itself shifted by 16 bytes, which
 * memcmp does at memory speed. */
static inline bool
ox_is_zero (const void *buf, size_t len)
{
  const unsigned char *p = buf;
  size_t i, head = len < 16 ? len : 16;

  for (i = 0; i < head; i++)
    if (p[i])
      return false;
  return len <= 16 || memcmp (p, p + 16, len - 16) == 0;
}

#endif
