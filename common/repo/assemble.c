/* ox: snapshot assembly (assemble.h): segments, pages and the root from
 * encoded frames, in chunk order.
 *
 * Every data chunk goes into the current segment as a reference entry,
 * and as a frame the first time its id is seen (the dedup map remembers
 * where: segment, offset, length). Each page lists the segments its
 * entries name in a table of its own; page_local maps a snapshot-wide
 * segment index to its place in the current page's table.
 *
 * An incremental snapshot first learns the frames of earlier snapshots
 * (ox_asm_add_known): their segments join the snapshot-wide table without
 * being this snapshot's, and a chunk with a known id is referenced where it
 * is, never stored again. Known ids live in a map of their own that is not
 * written once chunks are added, so the writer's workers may look ids up
 * in it (ox_asm_is_known) while the packer adds chunks.
 */
#include "assemble.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "idmap.h"
#include "log.h"
#include "names.h"

/* zstd level of the pages: small, written once, read by every clone. */
#define PAGE_COMPRESS_LEVEL 3

struct ox_assembler {
  const struct ox_keys *k;
  uint64_t snap_id;
  const char *volume;
  uint64_t volume_size;
  uint32_t chunk_size;
  uint64_t segment_size;
  size_t seg_buf_cap;
  const struct ox_assembler_ops *ops;

  struct ox_idmap *dedup;      /* chunk id -> where this snapshot stored it */
  struct ox_idmap *known;      /* chunk id -> a frame of an earlier snapshot */
  struct ox_idmap *known_segs; /* padded segment id -> index in segids */
  struct ox_idmap *known_pages; /* page ids of earlier snapshots */
  uint8_t (*segids)[OX_SEGMENT_ID_LEN];
  size_t nsegids, segcap; /* known segments and this snapshot's */
  uint64_t parent_id;
  char parent_volume[OX_NAME_MAX + 1];
  struct ox_segment_writer *cur; /* the segment being built, or NULL */
  uint8_t *cur_buf;              /* its buffer */
  uint32_t cur_seg;              /* its index in segids */
  struct ox_codec *page_codec;
  struct ox_page page;  /* the page being filled */
  uint32_t *page_local; /* segment index -> index in page + 1, or 0 */
  uint8_t (*page_ids)[OX_ID_LEN];
  struct ox_asm_stats stats;
};

struct ox_assembler *
ox_asm_new (const struct ox_keys *k, uint64_t snap_id, const char *volume,
            uint64_t volume_size, uint32_t chunk_size, uint64_t segment_size,
            size_t seg_buf_cap, const struct ox_assembler_ops *ops)
{
  uint64_t nchunks = ox_chunk_count (volume_size, chunk_size);
  uint64_t npages = ox_page_count (nchunks, OX_DEFAULT_CHUNKS_PER_PAGE);
  struct ox_assembler *a = calloc (1, sizeof *a);

  if (!a) {
    ox_error ("out of memory");
    return NULL;
  }
  a->k = k;
  a->snap_id = snap_id;
  a->volume = volume;
  a->volume_size = volume_size;
  a->chunk_size = chunk_size;
  a->segment_size = segment_size;
  a->seg_buf_cap = seg_buf_cap;
  a->ops = ops;
  a->dedup = ox_idmap_new ();
  a->known = ox_idmap_new ();
  a->known_segs = ox_idmap_new ();
  a->known_pages = ox_idmap_new ();
  a->page_codec = ox_codec_new (PAGE_COMPRESS_LEVEL);
  a->page.segments
      = calloc (OX_DEFAULT_CHUNKS_PER_PAGE, sizeof *a->page.segments);
  a->page.entries
      = calloc (OX_DEFAULT_CHUNKS_PER_PAGE, sizeof *a->page.entries);
  a->page_ids = calloc (npages ? npages : 1, sizeof *a->page_ids);
  if (!a->dedup || !a->known || !a->known_segs || !a->known_pages
      || !a->page_codec || !a->page.segments || !a->page.entries
      || !a->page_ids) {
    ox_error ("out of memory");
    ox_asm_free (a);
    return NULL;
  }
  return a;
}

void
ox_asm_free (struct ox_assembler *a)
{
  if (!a)
    return;
  ox_segw_free (a->cur);
  free (a->cur_buf);
  ox_idmap_free (a->dedup);
  ox_idmap_free (a->known);
  ox_idmap_free (a->known_segs);
  ox_idmap_free (a->known_pages);
  free (a->segids);
  free (a->page_local);
  free (a->page.segments);
  free (a->page.entries);
  free (a->page_ids);
  ox_codec_free (a->page_codec);
  free (a);
}

/* Append SEG_ID to the snapshot-wide segment table; returns its index in
 * *INDEX. Returns 0 or -1. */
static int
add_segment_id (struct ox_assembler *a, const uint8_t *seg_id, uint32_t *index)
{
  if (a->nsegids >= UINT32_MAX) {
    ox_error ("too many segments");
    return -1;
  }
  if (a->nsegids == a->segcap) {
    size_t ncap = a->segcap ? a->segcap * 2 : 64;
    void *n = realloc (a->segids, ncap * sizeof *a->segids);
    void *m = realloc (a->page_local, ncap * sizeof *a->page_local);
    if (n)
      a->segids = n;
    if (m)
      a->page_local = m;
    if (!n || !m) {
      ox_error ("out of memory");
      return -1;
    }
    memset (a->page_local + a->segcap, 0,
            (ncap - a->segcap) * sizeof *a->page_local);
    a->segcap = ncap;
  }
  memcpy (a->segids[a->nsegids], seg_id, OX_SEGMENT_ID_LEN);
  *index = (uint32_t)a->nsegids++;
  return 0;
}

/* Start a new current segment. */
static int
new_segment (struct ox_assembler *a)
{
  a->cur_buf = a->ops->segment_buffer (a->ops->opaque);
  if (!a->cur_buf)
    return -1;
  a->cur = ox_segw_new_in (a->k, a->snap_id, a->volume, a->cur_buf,
                           a->seg_buf_cap);
  if (!a->cur || add_segment_id (a, ox_segw_id (a->cur), &a->cur_seg) == -1)
    return -1;
  a->stats.nsegments++;
  return 0;
}

int
ox_asm_add_known (struct ox_assembler *a,
                  const uint8_t seg_id[OX_SEGMENT_ID_LEN],
                  const uint8_t id[OX_ID_LEN], uint32_t offset,
                  uint32_t length)
{
  uint8_t key[OX_ID_LEN] = { 0 };
  const struct ox_idmap_value *seg;
  struct ox_idmap_value v = { .offset = offset, .length = length };

  if (a->stats.chunks > 0) {
    ox_error ("internal error: a known frame after the first chunk");
    return -1;
  }
  if (ox_idmap_find (a->known, id))
    return 0; /* the first location of an id is the one referenced */
  /* Segment ids are 16 bytes; the map's keys 32 (the rest zero). */
  memcpy (key, seg_id, OX_SEGMENT_ID_LEN);
  seg = ox_idmap_find (a->known_segs, key);
  if (seg)
    v.segment = seg->segment;
  else {
    struct ox_idmap_value sv = { 0 };
    if (add_segment_id (a, seg_id, &sv.segment) == -1
        || ox_idmap_insert (a->known_segs, key, &sv) == -1)
      return -1;
    v.segment = sv.segment;
  }
  if (ox_idmap_insert (a->known, id, &v) == -1)
    return -1;
  a->stats.known_chunks++;
  return 0;
}

int
ox_asm_add_known_page (struct ox_assembler *a, const uint8_t id[OX_ID_LEN])
{
  struct ox_idmap_value v = { 0 };

  return ox_idmap_insert (a->known_pages, id, &v);
}

int
ox_asm_is_known (const struct ox_assembler *a, const uint8_t id[OX_ID_LEN])
{
  return ox_idmap_find (a->known, id) != NULL;
}

void
ox_asm_set_parent (struct ox_assembler *a, const char *volume,
                   uint64_t parent_id)
{
  a->parent_id = parent_id;
  a->parent_volume[0] = '\0';
  if (parent_id && strcmp (volume, a->volume) != 0)
    snprintf (a->parent_volume, sizeof a->parent_volume, "%s", volume);
}

/* Hand the current segment to OPS. */
static int
finish_segment (struct ox_assembler *a)
{
  if (a->ops->segment_done (a->ops->opaque, a->cur, a->cur_buf) == -1)
    return -1; /* still ours: ox_asm_free frees it */
  a->cur = NULL;
  a->cur_buf = NULL;
  return 0;
}

/* Index of segment SEG in the current page's segment table. */
static uint32_t
page_segment (struct ox_assembler *a, uint32_t seg)
{
  if (!a->page_local[seg]) {
    memcpy (a->page.segments[a->page.nsegments], a->segids[seg],
            OX_SEGMENT_ID_LEN);
    a->page_local[seg] = ++a->page.nsegments;
  }
  return a->page_local[seg] - 1;
}

/* Seal the current page, hand it to OPS and start the next. */
static int
flush_page (struct ox_assembler *a)
{
  uint8_t *id = a->page_ids[a->stats.npages];
  char key[OX_KEY_MAX];
  void *obj = NULL;
  size_t len = 0;

  if (ox_page_seal (a->k, a->page_codec, &a->page, &obj, &len, id) == -1)
    return -1;
  ox_page_key (id, key);
  if (ox_idmap_find (a->known_pages, id)) {
    /* Content-addressed: an earlier snapshot stored these very entries. */
    free (obj);
    a->stats.reused_pages++;
  } else if (a->ops->page_done (a->ops->opaque, key, obj, len) == -1) {
    free (obj);
    return -1;
  }
  a->stats.npages++;
  if (a->page_local)
    memset (a->page_local, 0, a->segcap * sizeof *a->page_local);
  a->page.page_index++;
  a->page.nentries = 0;
  a->page.nsegments = 0;
  return 0;
}

/* The entry of the next chunk in the current page. */
static struct ox_page_entry *
next_entry (struct ox_assembler *a)
{
  struct ox_page_entry *e = &a->page.entries[a->page.nentries++];

  memset (e, 0, sizeof *e);
  a->stats.chunks++;
  return e;
}

/* After an entry: a full page goes out. */
static int
entry_done (struct ox_assembler *a)
{
  if (a->page.nentries == OX_DEFAULT_CHUNKS_PER_PAGE)
    return flush_page (a);
  return 0;
}

int
ox_asm_add_zero (struct ox_assembler *a)
{
  next_entry (a)->flags = OX_CHUNK_ZERO;
  return entry_done (a);
}

int
ox_asm_add_chunk (struct ox_assembler *a, const uint8_t id[OX_ID_LEN],
                  const void *frame, size_t frame_len, uint32_t plain_len)
{
  uint64_t idx = a->stats.chunks;
  struct ox_page_entry *e = next_entry (a);
  const struct ox_idmap_value *found;
  struct ox_idmap_value v;

  a->stats.data_chunks++;
  if (!a->cur && new_segment (a) == -1)
    return -1;
  found = ox_idmap_find (a->dedup, id);
  if (found) {
    v = *found;
    a->stats.dedup_chunks++;
  } else if ((found = ox_idmap_find (a->known, id))) {
    v = *found;
    a->stats.reused_chunks++;
  } else if (!frame) {
    ox_error ("internal error: chunk %" PRIu64 " has no frame", idx);
    return -1;
  } else {
    size_t need
        = frame_len + OX_SEGMENT_FRAME_ENTRY_LEN + OX_SEGMENT_REF_ENTRY_LEN;
    if (ox_segw_nframes (a->cur) > 0
        && ox_segw_size (a->cur) + need > a->segment_size) {
      if (finish_segment (a) == -1 || new_segment (a) == -1)
        return -1;
    }
    v.segment = a->cur_seg;
    v.length = (uint32_t)frame_len;
    if (ox_segw_add_frame (a->cur, id, frame, frame_len, plain_len, &v.offset)
            == -1
        || ox_idmap_insert (a->dedup, id, &v) == -1)
      return -1;
    a->stats.new_chunks++;
    a->stats.stored_bytes += frame_len;
  }
  /* The reference goes into the current segment even for a repeated id:
   * every segment describes the chunks its snapshot wrote (FORMAT 5.2). */
  if (ox_segw_add_ref (a->cur, idx, id) == -1)
    return -1;
  memcpy (e->id, id, OX_ID_LEN);
  e->segment = page_segment (a, v.segment);
  e->offset = v.offset;
  e->length = v.length;
  return entry_done (a);
}

int
ox_asm_finish (struct ox_assembler *a)
{
  if (a->page.nentries > 0 && flush_page (a) == -1)
    return -1;
  if (a->cur && finish_segment (a) == -1)
    return -1;
  return 0;
}

void
ox_asm_root (const struct ox_assembler *a, struct ox_root *r)
{
  memset (r, 0, sizeof *r);
  r->snapshot_id = a->snap_id;
  r->created = a->snap_id >> 24;
  r->volume_size = a->volume_size;
  r->chunk_size = a->chunk_size;
  r->chunks_per_page = OX_DEFAULT_CHUNKS_PER_PAGE;
  r->npages = a->stats.npages;
  r->data_chunks = a->stats.data_chunks;
  r->stored_bytes = a->stats.stored_bytes;
  r->new_chunks = a->stats.new_chunks;
  r->reused_chunks = a->stats.reused_chunks;
  r->parent_id = a->parent_id;
  snprintf (r->volume, sizeof r->volume, "%s", a->volume);
  snprintf (r->parent_volume, sizeof r->parent_volume, "%s", a->parent_volume);
  r->pages = a->page_ids;
}

const struct ox_asm_stats *
ox_asm_stats (const struct ox_assembler *a)
{
  return &a->stats;
}
