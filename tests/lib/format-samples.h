/* ox unit tests: sample manifest pages, roots and segments, and the
 * little-endian helpers that check their bytes: shared by the tests of the
 * format (tests/unit/format) and of its store I/O (tests/unit/repo). */
#ifndef OX_FORMAT_SAMPLES_H
#define OX_FORMAT_SAMPLES_H

#include <stdint.h>
#include <string.h>

#include <xxhash.h>

#include "frame.h"
#include "keys.h"
#include "manifest.h"
#include "segment.h"
#include "test.h"

static inline uint16_t
le16 (const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
le32 (const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16
         | (uint32_t)p[3] << 24;
}

static inline uint64_t
le64 (const uint8_t *p)
{
  return (uint64_t)le32 (p) | (uint64_t)le32 (p + 4) << 32;
}

static inline void
set_le32 (uint8_t *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = v >> (8 * i);
}

static inline void
set_le64 (uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = v >> (8 * i);
}

/*----------------------------------------------------------------------
 * Pages and roots (manifest.c).
 */

#define NSEG 2
#define NENT 5

static uint8_t segs[NSEG][OX_SEGMENT_ID_LEN];
static struct ox_page_entry ents[NENT];

/* A page: entries 1 and 3 are ZERO, the others in segments 0 and 1. */
static inline struct ox_page
sample_page (uint32_t page_index)
{
  struct ox_page p = {
    .page_index = page_index,
    .nentries = NENT,
    .nsegments = NSEG,
    .segments = segs,
    .entries = ents,
  };

  for (int s = 0; s < NSEG; s++)
    memset (segs[s], 0x10 + s, OX_SEGMENT_ID_LEN);
  memset (ents, 0, sizeof ents);
  for (int i = 0; i < NENT; i++) {
    if (i == 1 || i == 3) {
      ents[i].flags = OX_CHUNK_ZERO;
      continue;
    }
    memset (ents[i].id, 0xa0 + i, OX_ID_LEN);
    ents[i].segment = i % NSEG;
    ents[i].offset = 59 + 1000 * i;
    ents[i].length = 900 + i;
  }
  ents[4].offset = UINT32_MAX - ents[4].length; /* ends exactly at 2^32-1 */
  return p;
}

static inline void
check_pages_equal (const struct ox_page *a, const struct ox_page *b)
{
  CHECK_EQ_INT (a->page_index, b->page_index);
  CHECK_EQ_INT (a->nentries, b->nentries);
  CHECK_EQ_INT (a->nsegments, b->nsegments);
  CHECK_MEM (a->segments, b->segments,
             (size_t)a->nsegments * OX_SEGMENT_ID_LEN);
  for (uint32_t i = 0; i < a->nentries; i++) {
    CHECK_MEM (a->entries[i].id, b->entries[i].id, OX_ID_LEN);
    CHECK_EQ_INT (a->entries[i].segment, b->entries[i].segment);
    CHECK_EQ_INT (a->entries[i].offset, b->entries[i].offset);
    CHECK_EQ_INT (a->entries[i].length, b->entries[i].length);
    CHECK_EQ_INT (a->entries[i].flags, b->entries[i].flags);
  }
}

#define NPAGES 3

static uint8_t root_pages[NPAGES][OX_ID_LEN];

static inline struct ox_root
sample_root (void)
{
  struct ox_root r = {
    .snapshot_id = UINT64_C (0x00006553f1abcdef),
    .created = 1700000000,
    .parent_id = UINT64_C (0x00006553f0000001),
    .volume_size = 9 * 65536 + 100, /* 10 chunks */
    .chunk_size = 65536,
    .chunks_per_page = 4, /* 3 pages */
    .npages = NPAGES,
    .data_chunks = 7,
    .stored_bytes = 123456789,
    .new_chunks = 5,
    .reused_chunks = 1,
    .volume = "vm1",
    .pages = root_pages,
  };

  for (int i = 0; i < NPAGES; i++)
    memset (root_pages[i], 0xc0 + i, OX_ID_LEN);
  return r;
}

static inline void
check_roots_equal (const struct ox_root *a, const struct ox_root *b)
{
  CHECK (a->snapshot_id == b->snapshot_id);
  CHECK (a->created == b->created);
  CHECK (a->parent_id == b->parent_id);
  CHECK (a->volume_size == b->volume_size);
  CHECK_EQ_INT (a->chunk_size, b->chunk_size);
  CHECK_EQ_INT (a->chunks_per_page, b->chunks_per_page);
  CHECK_EQ_INT (a->npages, b->npages);
  CHECK (a->data_chunks == b->data_chunks);
  CHECK (a->stored_bytes == b->stored_bytes);
  CHECK (a->new_chunks == b->new_chunks);
  CHECK (a->reused_chunks == b->reused_chunks);
  CHECK (strcmp (a->volume, b->volume) == 0);
  CHECK (strcmp (a->parent_volume, b->parent_volume) == 0);
  CHECK_MEM (a->pages, b->pages, (size_t)a->npages * OX_ID_LEN);
}

/*----------------------------------------------------------------------
 * Segments (segment.c).
 */

#define NFRAMES 3
#define SNAP UINT64_C (0x00006553f1abcdef)

struct built {
  struct ox_segment_writer *w;
  const uint8_t *data;
  size_t len;
  uint8_t plain[NFRAMES][5000];
  size_t plain_len[NFRAMES];
  uint8_t ids[NFRAMES][OX_ID_LEN];
  uint32_t offsets[NFRAMES];
};

/* Build a segment of NF real frames (random-ish plaintexts, one of them
 * compressible) and NF + 1 refs. */
static inline void
build (const struct ox_keys *k, struct ox_codec *c, int nf, struct built *b)
{
  uint8_t frame[8192];
  size_t flen, predicted;

  b->w = ox_segw_new (k, SNAP, "vm1");
  CHECK (b->w != NULL);
  CHECK_EQ_INT (ox_segw_nframes (b->w), 0);
  for (int i = 0; i < nf; i++) {
    b->plain_len[i] = 1000 + 1500 * i;
    CHECK (ox_random_bytes (b->plain[i], b->plain_len[i]) == 0);
    if (i == 1)
      memset (b->plain[i], 'z', b->plain_len[i] / 2);
    ox_chunk_id (k, b->plain[i], b->plain_len[i], b->ids[i]);
    CHECK (ox_frame_bound (b->plain_len[i]) <= sizeof frame);
    CHECK (ox_frame_encode (c, k, b->ids[i], b->plain[i], b->plain_len[i],
                            frame, sizeof frame, &flen)
           == 0);
    CHECK (ox_segw_add_frame (b->w, b->ids[i], frame, flen, b->plain_len[i],
                              &b->offsets[i])
           == 0);
    CHECK (ox_segw_add_ref (b->w, 10 * i, b->ids[i]) == 0);
  }
  if (nf > 0)
    CHECK (ox_segw_add_ref (b->w, UINT64_MAX, b->ids[0]) == 0);
  CHECK_EQ_INT (ox_segw_nframes (b->w), nf);
  predicted = ox_segw_size (b->w);
  CHECK (ox_segw_seal (b->w, (const void **)&b->data, &b->len) == 0);
  CHECK_EQ_INT (b->len, predicted);
  CHECK_EQ_INT (ox_segw_size (b->w), b->len);
}

/* Check IDX against what B built, and decode every frame from DATA. */
static inline void
check_index (const struct ox_keys *k, struct ox_codec *c,
             const struct built *b, int nf, const struct ox_segment_index *idx)
{
  uint8_t plain[5000];
  size_t plain_len;
  const char *why;

  CHECK_MEM (idx->segment_id, ox_segw_id (b->w), OX_SEGMENT_ID_LEN);
  CHECK (idx->snapshot_id == SNAP);
  CHECK (strcmp (idx->volume, "vm1") == 0);
  CHECK (idx->size == b->len);
  CHECK_EQ_INT (idx->nframes, nf);
  CHECK_EQ_INT (idx->nrefs, nf ? nf + 1 : 0);
  for (int i = 0; i < nf; i++) {
    const struct ox_segment_frame *f = &idx->frames[i];
    CHECK_MEM (f->id, b->ids[i], OX_ID_LEN);
    CHECK_EQ_INT (f->offset, b->offsets[i]);
    CHECK_EQ_INT (f->plain_len, b->plain_len[i]);
    CHECK (ox_frame_decode (c, k, f->id, b->data + f->offset, f->length, plain,
                            sizeof plain, &plain_len, &why)
           == 0);
    CHECK_EQ_INT (plain_len, b->plain_len[i]);
    CHECK_MEM (plain, b->plain[i], plain_len);
    CHECK (idx->refs[i].chunk_index == (uint64_t)10 * i);
    CHECK_MEM (idx->refs[i].id, b->ids[i], OX_ID_LEN);
  }
  if (nf > 0) {
    CHECK (idx->refs[nf].chunk_index == UINT64_MAX);
    CHECK_MEM (idx->refs[nf].id, b->ids[0], OX_ID_LEN);
  }
}

/* Rewrite the footer's check after modifying it. */
static inline void
recheck_footer (uint8_t *f)
{
  set_le64 (f + 56, XXH3_64bits (f, 56));
}

#endif
