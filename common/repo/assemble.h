/* ox: snapshot assembly: from the encoded frames of a snapshot's chunks,
 * given in chunk order, build its segments (docs/FORMAT.md 5: the frames,
 * each chunk id stored once, and a reference entry for every data chunk),
 * its manifest pages (6.1: one entry per chunk, a segment table per page)
 * and its root (6.2). No threads and no store I/O: the writer's packer
 * (writer.c) drives it, and the finished segments and pages go to its
 * uploaders through struct ox_assembler_ops. */
#ifndef OX_ASSEMBLE_H
#define OX_ASSEMBLE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "manifest.h"
#include "segment.h"

/* Where the assembler gets segment buffers and sends what it finished.
 * Each function returns 0 when it took over what it was given; on -1 (the
 * error reported, or the writer failing) the assembler keeps it. */
struct ox_assembler_ops {
  void *opaque;
  /* A buffer of the capacity given to ox_asm_new to build a segment in
   * (aligned as the caller likes, released with free()), or NULL with the
   * error reported. */
  uint8_t *(*segment_buffer) (void *opaque);
  /* Take over the full segment W (frames and references added, not yet
   * sealed) and the buffer BUF it was built in. */
  int (*segment_done) (void *opaque, struct ox_segment_writer *w,
                       uint8_t *buf);
  /* Take over the sealed page frame OBJ (LEN bytes, malloc'd), to be
   * stored as KEY. */
  int (*page_done) (void *opaque, const char *key, void *obj, size_t len);
};

/* The counts of a snapshot so far (all of it after ox_asm_finish). */
struct ox_asm_stats {
  uint64_t chunks;        /* added so far */
  uint64_t data_chunks;   /* chunks that are not ZERO */
  uint64_t dedup_chunks;  /* data chunks whose id this snapshot stored */
  uint64_t reused_chunks; /* data chunks referencing a known frame */
  uint64_t known_chunks;  /* known frames (distinct ids) */
  uint64_t new_chunks;    /* frames stored */
  uint64_t stored_bytes;  /* bytes of those frames */
  size_t nsegments;       /* segments started */
  uint32_t npages;        /* pages finished */
  uint32_t reused_pages;  /* of those, pages known (not handed to OPS) */
};

struct ox_assembler;

/* Start assembling snapshot SNAP_ID of VOLUME (VOLUME_SIZE bytes in chunks
 * of CHUNK_SIZE) under keys K: segments of at most SEGMENT_SIZE bytes
 * (unless one frame is larger), built in buffers of SEG_BUF_CAP bytes
 * from OPS. K, VOLUME and OPS must outlive the assembler. Returns NULL
 * with the error reported. */
struct ox_assembler *
ox_asm_new (const struct ox_keys *k, uint64_t snap_id, const char *volume,
            uint64_t volume_size, uint32_t chunk_size, uint64_t segment_size,
            size_t seg_buf_cap, const struct ox_assembler_ops *ops)
    __attribute__ ((__nonnull__ (1, 3, 8)));

/* Before the first chunk: frame ID lies in segment SEG_ID (of an earlier
 * snapshot) at OFFSET, LENGTH bytes; a chunk of this id will reference it
 * and not be stored again. The first location given for an id is kept.
 * Returns 0 or -1. */
int ox_asm_add_known (struct ox_assembler *a,
                      const uint8_t seg_id[OX_SEGMENT_ID_LEN],
                      const uint8_t id[OX_ID_LEN], uint32_t offset,
                      uint32_t length) __attribute__ ((__nonnull__ (1, 2, 3)));
/* Page ID is stored already (an earlier snapshot's): a finished page of
 * this id is not handed to OPS. Returns 0 or -1. */
int ox_asm_add_known_page (struct ox_assembler *a, const uint8_t id[OX_ID_LEN])
    __attribute__ ((__nonnull__));
/* Whether chunk ID was given to ox_asm_add_known (then the chunk needs no
 * frame). Safe from any thread once no more known frames are added. */
int ox_asm_is_known (const struct ox_assembler *a, const uint8_t id[OX_ID_LEN])
    __attribute__ ((__nonnull__));
/* Record the snapshot's parent, PARENT_ID of VOLUME (0: none), in its
 * root. */
void ox_asm_set_parent (struct ox_assembler *a, const char *volume,
                        uint64_t parent_id) __attribute__ ((__nonnull__));
/* Add the next chunk: id ID, its encoded FRAME of FRAME_LEN bytes and
 * PLAIN_LEN bytes of data. A frame whose id was added before, or is known,
 * is not stored again (FRAME may then be NULL); a full segment or page is
 * handed to OPS. Returns 0 or -1. */
int ox_asm_add_chunk (struct ox_assembler *a, const uint8_t id[OX_ID_LEN],
                      const void *frame, size_t frame_len, uint32_t plain_len)
    __attribute__ ((__nonnull__ (1, 2)));

/* Add the next chunk as ZERO (all zeros, stored nowhere). Returns 0 or
 * -1 (handing a full page to OPS failed). */
int ox_asm_add_zero (struct ox_assembler *a) __attribute__ ((__nonnull__));

/* After the last chunk: hand the last page and the last segment to OPS.
 * Returns 0 or -1. */
int ox_asm_finish (struct ox_assembler *a) __attribute__ ((__nonnull__));

/* Fill R with the root of the finished snapshot; R->pages points into the
 * assembler (valid until ox_asm_free). Publish it only once every segment
 * and page handed to OPS is durable. */
void ox_asm_root (const struct ox_assembler *a, struct ox_root *r)
    __attribute__ ((__nonnull__));

/* The counts so far. */
const struct ox_asm_stats *ox_asm_stats (const struct ox_assembler *a)
    __attribute__ ((__nonnull__));

/* Free the assembler and whatever it still holds (NULL is fine). */
void ox_asm_free (struct ox_assembler *a);

#endif
