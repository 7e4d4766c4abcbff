/* ox: reading a snapshot's chunks, the read-only basis of a restore or a
 * clone. Pages load lazily on first use; all functions are thread-safe. */
#ifndef OX_BASIS_H
#define OX_BASIS_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "keys.h"
#include "manifest.h"
#include "segment.h"
#include "store.h"

struct ox_basis;

/* Where a chunk lives. */
struct ox_chunk_loc {
  int zero; /* chunk reads as zeros; nothing else is set */
  uint8_t id[OX_ID_LEN];
  uint8_t segment_id[OX_SEGMENT_ID_LEN];
  char key[OX_SEGMENT_KEY_MAX]; /* segment object key */
  uint32_t offset, length;      /* of the frame in the segment */
  uint32_t plain_len;           /* bytes of the chunk (last may be short) */
};

/* Open the basis for ROOT, which the basis takes over and frees (also when
 * opening fails). ST and K must outlive the basis. Returns 0 or -1. */
int ox_basis_open (struct ox_store *st, const struct ox_keys *k,
                   struct ox_root *root, struct ox_basis **out)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

/* The snapshot root. */
const struct ox_root *ox_basis_root (const struct ox_basis *b);

/* Look up chunk CHUNK_INDEX (loading its page if needed). Returns 0 or -1. */
int ox_basis_lookup (struct ox_basis *b, uint64_t chunk_index,
                     struct ox_chunk_loc *loc);

/* Fetch, verify and decode chunk CHUNK_INDEX into BUF (chunk_size bytes),
 * fetching it once more if it fails a check; a ZERO chunk is memset. Sets *LEN
 * to the chunk's length. Errors name the segment object and chunk index.
 * Returns 0 or -1. */
int ox_basis_read_chunk (struct ox_basis *b, struct ox_codec *c,
                         uint64_t chunk_index, void *buf, size_t *len);

/* Read the N frames of LOCS, which lie back to back in one segment
 * (TOTAL bytes from LOCS[0].offset), with one ranged read into BUF; they
 * are chunks FIRST_CHUNK onwards (for messages). Returns 0 or -1. */
int ox_basis_read_frames (struct ox_basis *b, uint64_t first_chunk,
                          const struct ox_chunk_loc *locs, unsigned n,
                          void *buf, uint64_t total);

/* The number of chunks from LOCS[0] (of the N in LOCS) whose frames one
 * ranged read fetches: LOCS[0] and each next one whose frame lies in the
 * same segment right after the previous frame, while their bytes stay
 * within MAX_BYTES (LOCS[0] alone may exceed it); 0 when LOCS[0] is a
 * ZERO chunk or N is 0. Sets *BYTES to the bytes of the run. */
size_t ox_basis_frame_run (const struct ox_chunk_loc *locs, size_t n,
                           uint64_t max_bytes, uint64_t *bytes)
    __attribute__ ((__nonnull__ (1, 4)));

/* Decode FRAME (fetched by the caller for LOC, e.g. in a coalesced read)
 * into BUF. A frame that fails any check is fetched once more on its own
 * and decoded again (a fault on the way), with a warning; errors name the
 * object and chunk. Returns 0 or -1. */
int ox_basis_decode (struct ox_basis *b, struct ox_codec *c,
                     uint64_t chunk_index, const struct ox_chunk_loc *loc,
                     const void *frame, void *buf);

/* Counters since open. */
struct ox_basis_stats {
  uint64_t fetches, fetched_bytes, pages_loaded;
  uint64_t refetches; /* frames fetched again after failing a check */
};
void ox_basis_stats (struct ox_basis *b, struct ox_basis_stats *s);

/* Close the basis (NULL is fine); frees the root and loaded pages. */
void ox_basis_close (struct ox_basis *b);

#endif
