/* ox: reading and writing little-endian integers in byte buffers, for the
 * on-disk and in-store formats (docs/FORMAT.md: all integers little-endian).
 */
#ifndef OX_LE_H
#define OX_LE_H

#include <stdint.h>

/* Store V at P as 2 little-endian bytes. */
static inline void
put_le16 (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

/* Store V at P as 4 little-endian bytes. */
static inline void
put_le32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* Store V at P as 8 little-endian bytes. */
static inline void
put_le64 (uint8_t *p, uint64_t v)
{
  put_le32 (p, (uint32_t)v);
  put_le32 (p + 4, (uint32_t)(v >> 32));
}

/* Load 2 little-endian bytes at P. */
static inline uint16_t
get_le16 (const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

/* Load 4 little-endian bytes at P. */
static inline uint32_t
get_le32 (const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
         | (uint32_t)p[3] << 24;
}

/* Load 8 little-endian bytes at P. */
static inline uint64_t
get_le64 (const uint8_t *p)
{
  return (uint64_t)get_le32 (p) | (uint64_t)get_le32 (p + 4) << 32;
}

#endif
