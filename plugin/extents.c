/* ox: the clone's block status: local holes and ZERO basis chunks as
 * holes, everything else as data (see clone.h). */
#include <errno.h>

#include "clone-int.h"
#include "log.h"

struct extent_acc {
  clone_extent_fn fn;
  void *opaque;
  uint64_t start, len;
  uint32_t type;
  int emitted, req_one;
};

/* Add an extent, merging it with the previous one of the same type.
 * Returns 1 when the walk can stop (REQ_ONE), 0, or -1. */
static int
extent_add (struct extent_acc *a, uint64_t off, uint64_t len, uint32_t type)
{
  if (a->len > 0 && a->type == type) {
    a->len += len;
    return 0;
  }
  if (a->len > 0) {
    if (a->fn (a->opaque, a->start, a->len, a->type) == -1)
      return -1;
    if (a->req_one)
      return 1;
  }
  a->start = off, a->len = len, a->type = type;
  return 0;
}

/* Describe the extent at OFF (below END, within one chunk): sets *LEN and
 * *TYPE. */
static int
extent_at (struct clone *c, uint64_t off, uint64_t end, uint64_t *len,
           uint32_t *type)
{
  uint64_t blk = off >> BSHIFT;
  uint64_t nblk = ((end - 1) >> BSHIFT) - blk + 1;
  uint64_t run = overlay_run (c->ov, blk, nblk, 1);
  struct ox_chunk_loc loc;

  if (run > 0) {
    uint64_t stop = (blk + run) << BSHIFT;
    int allocated;
    if (overlay_alloc_run (c->ov, off, stop < end ? stop : end, &allocated,
                           len)
        == -1)
      return -1;
    *type = allocated ? 0 : CLONE_EXTENT_HOLE | CLONE_EXTENT_ZERO;
    return 0;
  }
  run = overlay_run (c->ov, blk, nblk, 0);
  if (clone_lookup (c, chunk_of (c, off), &loc) == -1)
    return -1;
  *len = ((blk + run) << BSHIFT < end ? (blk + run) << BSHIFT : end) - off;
  *type = loc.zero ? CLONE_EXTENT_HOLE | CLONE_EXTENT_ZERO : 0;
  return 0;
}

int
clone_extents (struct clone *c, uint32_t count, uint64_t offset, int req_one,
               clone_extent_fn fn, void *opaque)
{
  struct extent_acc a = { .fn = fn, .opaque = opaque, .req_one = req_one };
  uint64_t end, off = offset;

  if (offset >= c->size || count == 0) {
    errno = EINVAL;
    ox_error ("extents request beyond the end of the volume");
    return -1;
  }
  end = count > c->size - offset ? c->size : offset + count;
  while (off < end) {
    uint64_t ch_end = chunk_start (c, chunk_of (c, off) + 1);
    uint64_t stop = ch_end < end ? ch_end : end, len;
    uint32_t type;
    int r;

    if (extent_at (c, off, stop, &len, &type) == -1)
      return -1;
    r = extent_add (&a, off, len, type);
    if (r == -1)
      return -1;
    if (r == 1)
      return 0;
    off += len;
  }
  return a.fn (a.opaque, a.start, a.len, a.type);
}
