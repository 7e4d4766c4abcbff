/* Unit tests for ox_basis_frame_run (basis.c): which adjacent frames one
 * ranged read fetches. */
#include <stdint.h>
#include <string.h>

#include "basis.h"
#include "test.h"

/* A data chunk whose frame is LEN bytes at OFF of segment SEG. */
static struct ox_chunk_loc
frame (uint8_t seg, uint32_t off, uint32_t len)
{
  struct ox_chunk_loc l;

  memset (&l, 0, sizeof l);
  memset (l.segment_id, seg, sizeof l.segment_id);
  l.offset = off;
  l.length = len;
  l.plain_len = 65536;
  return l;
}

int
main (void)
{
  struct ox_chunk_loc z, locs[8] = { 0 };
  uint64_t bytes = 99;

  memset (&z, 0, sizeof z);
  z.zero = 1;

  /* Nothing, or a ZERO chunk first: no run. */
  CHECK_EQ_INT (ox_basis_frame_run (locs, 0, 1000, &bytes), 0);
  CHECK_EQ_INT (bytes, 0);
  locs[0] = z;
  CHECK_EQ_INT (ox_basis_frame_run (locs, 1, 1000, &bytes), 0);

  /* Back to back in one segment: one run, up to a ZERO chunk. */
  locs[0] = frame (1, 100, 10);
  locs[1] = frame (1, 110, 20);
  locs[2] = frame (1, 130, 30);
  locs[3] = z;
  locs[4] = frame (1, 160, 5);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 5, 1000, &bytes), 3);
  CHECK_EQ_INT (bytes, 60);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 2, 1000, &bytes), 2);
  CHECK_EQ_INT (bytes, 30);

  /* A gap, a frame before the previous one, another segment: breaks. */
  locs[1] = frame (1, 111, 20);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 3, 1000, &bytes), 1);
  CHECK_EQ_INT (bytes, 10);
  locs[1] = frame (1, 90, 10);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 3, 1000, &bytes), 1);
  locs[1] = frame (2, 110, 20);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 3, 1000, &bytes), 1);

  /* The byte limit: inclusive; the first frame alone may exceed it. */
  locs[1] = frame (1, 110, 20);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 3, 60, &bytes), 3);
  CHECK_EQ_INT (bytes, 60);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 3, 59, &bytes), 2);
  CHECK_EQ_INT (bytes, 30);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 3, 5, &bytes), 1);
  CHECK_EQ_INT (bytes, 10);

  /* Offsets near 4 GiB do not wrap. */
  locs[0] = frame (3, UINT32_MAX - 9, 10);
  locs[1] = frame (3, 0, 10);
  CHECK_EQ_INT (ox_basis_frame_run (locs, 2, 1000, &bytes), 1);
  return 0;
}
