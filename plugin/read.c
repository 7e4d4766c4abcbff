/* ox: the clone's read path: local blocks from the overlay, the others
 * from the chunk's flight (copy-on-read happens in fetch.c), and cache
 * requests (see clone.h). */
#include <errno.h>
#include <string.h>

#include "clone-int.h"
#include "log.h"

__thread int clone_thread_missed;

/* Serve LEN bytes at OFF (within one chunk) block run by block run: local
 * runs from the overlay, the others from F (NULL: zeros). */
static int
read_mixed (struct clone *c, char *buf, uint64_t off, uint64_t len,
            const struct flight *f, uint64_t base)
{
  uint64_t end = off + len;

  while (off < end) {
    uint64_t blk = off >> BSHIFT;
    uint64_t nblk = ((end - 1) >> BSHIFT) - blk + 1;
    int local = overlay_is_local (c->ov, blk);
    uint64_t run = overlay_run (c->ov, blk, nblk, local);
    uint64_t stop = (blk + run) << BSHIFT;
    uint64_t n = (stop < end ? stop : end) - off;

    if (local) {
      if (overlay_pread (c->ov, buf, n, off) == -1)
        return -1;
    } else if (f)
      memcpy (buf, f->buf + (off - base), n);
    else
      memset (buf, 0, n);
    buf += n, off += n;
  }
  return 0;
}

/* Read LEN bytes at OFF, all within chunk CH. */
static int
read_piece (struct clone *c, uint64_t ch, char *buf, uint64_t off,
            uint64_t len)
{
  uint64_t blk = off >> BSHIFT;
  uint64_t nblk = ((off + len - 1) >> BSHIFT) - blk + 1;
  struct flight *f;
  int r;

  if (overlay_run (c->ov, blk, nblk, 1) == nblk) {
    count (&c->local_reads, 1);
    return overlay_pread (c->ov, buf, len, off);
  }
  count (&c->basis_reads, 1);
  clone_thread_missed = 1;
  if (clone_get_chunk (c, ch, CLONE_DEMAND, &f) == -1)
    return -1;
  r = read_mixed (c, buf, off, len, f, chunk_start (c, ch));
  if (f)
    clone_flight_put (c, f);
  return r;
}

int
clone_pread (struct clone *c, struct clone_stream *stream, void *buf,
             uint32_t count, uint64_t offset)
{
  uint64_t end = offset + count, first, last;
  char *p = buf;

  if (count == 0)
    return 0;
  if (offset > c->size || count > c->size - offset) {
    errno = EINVAL;
    ox_error ("read beyond the end of the volume");
    return -1;
  }
  clone_ra_note (c, stream, offset, count);
  /* A request over several chunks fetches them in parallel. */
  first = chunk_of (c, offset);
  last = chunk_of (c, end - 1);
  for (uint64_t ch = first + 1; ch <= last; ch++)
    clone_ra_submit (c, ch);
  for (uint64_t ch = first; ch <= last; ch++) {
    uint64_t s = chunk_start (c, ch), e = s + chunk_len (c, ch);
    uint64_t from = offset > s ? offset : s, to = end < e ? end : e;
    if (read_piece (c, ch, p, from, to - from) == -1)
      return -1;
    p += to - from;
  }
  return 0;
}

int
clone_cache (struct clone *c, uint32_t count, uint64_t offset)
{
  uint64_t first, last;

  if (count == 0)
    return 0;
  if (offset > c->size || count > c->size - offset) {
    errno = EINVAL;
    ox_error ("cache request beyond the end of the volume");
    return -1;
  }
  first = chunk_of (c, offset);
  last = chunk_of (c, offset + count - 1);
  for (uint64_t ch = first + 1; ch <= last; ch++)
    clone_ra_submit (c, ch);
  for (uint64_t ch = first; ch <= last; ch++)
    if (clone_ensure_chunk (c, ch, CLONE_DEMAND) == -1)
      return -1;
  return 0;
}
