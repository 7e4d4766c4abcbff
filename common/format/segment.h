/* ox: sealed segment objects (docs/FORMAT.md, section 5): building one in
 * memory, and parsing and verifying its index (bytes only; reading one
 * from a store is ox_segment_read_index in repo/objects.h). */
#ifndef OX_SEGMENT_H
#define OX_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "names.h"

#define OX_SEGMENT_FOOTER_LEN 64
/* The fixed header fields of FORMAT.md 5.1 (8+16+16+8+2+6). */
#define OX_SEGMENT_HEADER_FIXED 56
#define OX_SEGMENT_FRAME_ENTRY_LEN 48
#define OX_SEGMENT_REF_ENTRY_LEN 40
/* "segments/HH/" + 32 hex + NUL */
#define OX_SEGMENT_KEY_MAX 48
/* The most header bytes a segment can have (its volume name at the most). */
#define OX_SEGMENT_HEADER_MAX (OX_SEGMENT_HEADER_FIXED + OX_NAME_MAX)
#define OX_SEGMENT_INDEX_MAC_LEN 24

/* Object key of the segment with id SEG_ID. */
void ox_segment_key (const uint8_t seg_id[OX_SEGMENT_ID_LEN],
                     char key[OX_SEGMENT_KEY_MAX]);

/* A segment being built. */
struct ox_segment_writer;

/* Start a segment with a fresh random id for snapshot SNAP_ID of VOLUME. */
struct ox_segment_writer *ox_segw_new (const struct ox_keys *k,
                                       uint64_t snap_id, const char *volume)
    __attribute__ ((__nonnull__ (1, 3)));

/* Like ox_segw_new, but build the segment in BUF (CAP bytes), which the
 * caller owns and may reuse after ox_segw_free; saves allocating and
 * faulting in fresh memory per segment. A segment that outgrows CAP moves
 * to memory of the writer's own (so BUF must not be assumed to hold it). */
struct ox_segment_writer *ox_segw_new_in (const struct ox_keys *k,
                                          uint64_t snap_id, const char *volume,
                                          void *buf, size_t cap)
    __attribute__ ((__nonnull__ (1, 3)));

/* The segment's id. */
const uint8_t *ox_segw_id (const struct ox_segment_writer *w);

/* Bytes the segment would have if sealed now. */
size_t ox_segw_size (const struct ox_segment_writer *w);

/* Number of frames added so far. */
uint32_t ox_segw_nframes (const struct ox_segment_writer *w);

/* Append FRAME (LEN bytes) holding chunk ID of PLAIN_LEN bytes. Sets
 * *OFFSET to the frame's offset in the segment. Returns 0 or -1. */
int ox_segw_add_frame (struct ox_segment_writer *w,
                       const uint8_t id[OX_ID_LEN], const void *frame,
                       size_t len, uint32_t plain_len, uint32_t *offset);

/* Record that chunk CHUNK_INDEX of the snapshot has id ID. */
int ox_segw_add_ref (struct ox_segment_writer *w, uint64_t chunk_index,
                     const uint8_t id[OX_ID_LEN]);

/* Seal: append index and footer. *DATA stays owned by the writer and is
 * valid until ox_segw_free. No frame may be added afterwards. */
int ox_segw_seal (struct ox_segment_writer *w, const void **data, size_t *len);

/* Free the writer (NULL is fine). */
void ox_segw_free (struct ox_segment_writer *w);

struct ox_segment_frame {
  uint8_t id[OX_ID_LEN];
  uint32_t offset, length, plain_len;
};
struct ox_segment_ref {
  uint64_t chunk_index;
  uint8_t id[OX_ID_LEN];
};

/* A segment's parsed header and index. */
struct ox_segment_index {
  uint8_t segment_id[OX_SEGMENT_ID_LEN];
  uint64_t snapshot_id;
  char volume[129];
  uint64_t size; /* of the whole object */
  uint32_t nframes, nrefs;
  struct ox_segment_frame *frames;
  struct ox_segment_ref *refs;
};

/* Parse and verify a complete segment object DATA of LEN bytes (header,
 * footer, index MAC, frame bounds). NAME is used in error messages.
 * Returns 0 and sets *OUT, or -1 with an error naming NAME. */
int ox_segment_parse (const struct ox_keys *k, const char *name,
                      const void *data, size_t len,
                      struct ox_segment_index **out);

/* The footer of a segment (FORMAT.md 5.3), as parsed. */
struct ox_segment_footer {
  uint64_t index_offset;
  uint32_t nframes, nrefs, index_len;
  uint8_t mac[OX_SEGMENT_INDEX_MAC_LEN];
};

/* True (after reporting) if a segment object NAME of SIZE bytes is too
 * small to hold a header, a frame and a footer. */
int ox_segment_too_small (const char *name, uint64_t size)
    __attribute__ ((__nonnull__ (1)));

/* Parse and check the footer bytes F (OX_SEGMENT_FOOTER_LEN) of segment
 * NAME, an object of SIZE bytes, into *OUT. Returns 0 or -1 reported. */
int ox_segment_footer_parse (const char *name, const uint8_t *f, uint64_t size,
                             struct ox_segment_footer *out)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* Verify the header (AVAIL bytes at HEADER) and the INDEX bytes of segment
 * NAME of SIZE bytes whose footer F was parsed, and build *OUT. Returns 0
 * or -1 reported. */
int ox_segment_index_build (const struct ox_keys *k, const char *name,
                            const uint8_t *header, size_t avail,
                            const uint8_t *index,
                            const struct ox_segment_footer *f, uint64_t size,
                            struct ox_segment_index **out)
    __attribute__ ((__nonnull__ (1, 2, 3, 5, 6, 8)));

/* A parsed index must name the segment stored under KEY: 0, or -1 reported
 * (an object renamed or copied under another key). */
int ox_segment_check_key (const char *key, const struct ox_segment_index *idx)
    __attribute__ ((__nonnull__ (1, 2)));

/* Free a parsed index (NULL is fine). */
void ox_segment_index_free (struct ox_segment_index *idx);

#endif
