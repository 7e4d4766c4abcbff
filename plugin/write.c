/* ox: the clone's write path: writes and zeroes block by block under
 * the chunk's stripe lock, read-modify-write of partial blocks (see
 * clone.h). */
#include <errno.h>
#include <string.h>

#include "cleanup.h"
#include "clone-int.h"
#include "log.h"

/* Write block BLK with its bytes in [OFF, OFF+LEN) replaced by DATA (NULL:
 * zeros) and the rest kept: from the overlay when local, else from F
 * (NULL: a ZERO chunk). Called with the chunk's lock held. */
static int
rmw_block (struct clone *c, uint64_t blk, const char *data, uint64_t off,
           uint64_t len, const struct flight *f, uint64_t base)
{
  char tmp[BS];
  uint64_t bstart = blk << BSHIFT, blen = block_len (c, blk);
  uint64_t from = off > bstart ? off : bstart;
  uint64_t to = off + len < bstart + blen ? off + len : bstart + blen;

  if (overlay_is_local (c->ov, blk)) {
    if (overlay_pread (c->ov, tmp, blen, bstart) == -1)
      return -1;
  } else if (f)
    memcpy (tmp, f->buf + (bstart - base), blen);
  else
    memset (tmp, 0, blen);
  if (data)
    memcpy (tmp + (from - bstart), data + (from - off), to - from);
  else
    memset (tmp + (from - bstart), 0, to - from);
  if (overlay_pwrite (c->ov, tmp, blen, bstart) == -1)
    return -1;
  overlay_mark_written (c->ov, blk, 1);
  return 0;
}

/* True if block BLK is only partly covered by [OFF, OFF+LEN). */
static int
block_partial (const struct clone *c, uint64_t blk, uint64_t off, uint64_t len)
{
  uint64_t bstart = blk << BSHIFT;
  return off > bstart || off + len < bstart + block_len (c, blk);
}

/* The locked part of write_piece. */
static int
write_locked (struct clone *c, uint64_t ch, const char *data, uint64_t off,
              uint64_t len, const struct flight *f)
{
  uint64_t b0 = off >> BSHIFT, b1 = (off + len - 1) >> BSHIFT;
  uint64_t base = chunk_start (c, ch);
  uint64_t full0 = b0, full1 = b1 + 1; /* whole blocks [full0, full1) */
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (stripe (c, ch));

  if (block_partial (c, b0, off, len)) {
    if (rmw_block (c, b0, data, off, len, f, base) == -1)
      return -1;
    full0 = b0 + 1;
  }
  if (b1 >= full0 && block_partial (c, b1, off, len)) {
    if (rmw_block (c, b1, data, off, len, f, base) == -1)
      return -1;
    full1 = b1;
  }
  if (full0 < full1) {
    uint64_t s = full0 << BSHIFT;
    uint64_t e = (full1 << BSHIFT) < c->size ? full1 << BSHIFT : c->size;
    int r = data ? overlay_pwrite (c->ov, data + (s - off), e - s, s)
                 : overlay_punch (c->ov, s, e - s);
    if (r == -1)
      return -1;
    overlay_mark_written (c->ov, full0, full1 - full0);
  }
  return 0;
}

/* Write DATA (NULL: zeros) to LEN bytes at OFF within chunk CH. Only a
 * partial block that is not local needs the basis chunk. */
static int
write_piece (struct clone *c, uint64_t ch, const char *data, uint64_t off,
             uint64_t len)
{
  uint64_t b0 = off >> BSHIFT, b1 = (off + len - 1) >> BSHIFT;
  struct flight *f = NULL;
  int r;

  if ((block_partial (c, b0, off, len) && !overlay_is_local (c->ov, b0))
      || (block_partial (c, b1, off, len) && !overlay_is_local (c->ov, b1))) {
    if (clone_get_chunk (c, ch, CLONE_DEMAND, &f) == -1)
      return -1;
  }
  r = write_locked (c, ch, data, off, len, f);
  if (f)
    clone_flight_put (c, f);
  return r;
}

/* Write or zero COUNT bytes at OFFSET chunk by chunk. */
static int
write_range (struct clone *c, const char *data, uint32_t count,
             uint64_t offset, int fua)
{
  uint64_t end = offset + count;

  if (count == 0)
    return fua ? clone_flush (c) : 0;
  if (offset > c->size || count > c->size - offset) {
    errno = EINVAL;
    ox_error ("write beyond the end of the volume");
    return -1;
  }
  for (uint64_t ch = chunk_of (c, offset); ch <= chunk_of (c, end - 1); ch++) {
    uint64_t s = chunk_start (c, ch), e = s + chunk_len (c, ch);
    uint64_t from = offset > s ? offset : s, to = end < e ? end : e;
    if (write_piece (c, ch, data ? data + (from - offset) : NULL, from,
                     to - from)
        == -1)
      return -1;
  }
  return fua ? clone_flush (c) : 0;
}

int
clone_pwrite (struct clone *c, const void *buf, uint32_t count,
              uint64_t offset, int fua)
{
  return write_range (c, buf, count, offset, fua);
}

int
clone_zero (struct clone *c, uint32_t count, uint64_t offset, int fua)
{
  return write_range (c, NULL, count, offset, fua);
}
