/* Test the snapshot assembler (assemble.c) without the writer's threads:
 * frames encoded here are given in chunk order, the segments and pages it
 * hands over are sealed and stored by the test, and the result is checked
 * object by object (segment frames and references, page entries and
 * segment tables, the root) and read back through the basis reader. Also
 * each hand-off that fails, with everything freed (ASan). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assemble.h"
#include "basis.h"
#include "fixture.h"
#include "frame.h"
#include "log.h"
#include "objects.h"
#include "testlib.h"

#define CHUNK 4096u

static char *tmp;
static int nstores;

/* The test's side of ox_assembler_ops: a store to put things in, what was
 * handed over, and a hand-off to refuse (-1: none). */
struct sink {
  struct ox_store *st;
  const struct ox_keys *k;
  size_t cap;
  struct ox_segment_index *segs[64];
  int nsegs, npages;
  int fail_buffer, fail_segment, fail_page; /* at the Nth call (0 = first) */
  int nbuffers;
  uint64_t chunks_at_page[8]; /* ox_asm_stats ()->chunks at each page */
  struct ox_assembler *a;
  struct ox_assembler_ops ops; /* what asm_start gives the assembler */
};

static uint8_t *
sink_buffer (void *opaque)
{
  struct sink *s = opaque;

  if (s->nbuffers++ == s->fail_buffer) {
    ox_error ("test: no buffer");
    return NULL;
  }
  return malloc (s->cap);
}

static int
sink_segment (void *opaque, struct ox_segment_writer *w, uint8_t *buf)
{
  struct sink *s = opaque;
  char key[OX_SEGMENT_KEY_MAX];
  const void *data;
  size_t len;

  if (s->nsegs == s->fail_segment) {
    s->fail_segment = -1;
    ox_error ("test: segment refused");
    return -1;
  }
  CHECK (s->nsegs < 64);
  CHECK_EQ_INT (ox_segw_seal (w, &data, &len), 0);
  ox_segment_key (ox_segw_id (w), key);
  CHECK_EQ_INT (ox_store_put (s->st, key, data, len), 0);
  CHECK_EQ_INT (ox_segment_parse (s->k, key, data, len, &s->segs[s->nsegs]),
                0);
  s->nsegs++;
  ox_segw_free (w);
  free (buf);
  return 0;
}

static int
sink_page (void *opaque, const char *key, void *obj, size_t len)
{
  struct sink *s = opaque;

  if (s->npages == s->fail_page) {
    s->fail_page = -1;
    ox_error ("test: page refused");
    return -1;
  }
  CHECK (s->npages < 8);
  s->chunks_at_page[s->npages++] = ox_asm_stats (s->a)->chunks;
  CHECK_EQ_INT (ox_store_put (s->st, key, obj, len), 0);
  free (obj);
  return 0;
}

static const struct ox_assembler_ops sink_ops
    = { .segment_buffer = sink_buffer,
        .segment_done = sink_segment,
        .page_done = sink_page };

/* A chunk as the writer's workers make it. */
struct chunk {
  uint8_t id[OX_ID_LEN];
  uint8_t *frame;
  size_t frame_len;
  uint32_t plain_len;
};

static void
encode (const struct ox_keys *k, const unsigned char *data, uint32_t len,
        struct chunk *c)
{
  struct ox_codec *codec = ox_codec_new (1);

  CHECK (codec != NULL);
  c->plain_len = len;
  c->frame = malloc (ox_frame_bound (CHUNK));
  CHECK (c->frame != NULL);
  ox_chunk_id (k, data, len, c->id);
  CHECK_EQ_INT (ox_frame_encode (codec, k, c->id, data, len, c->frame,
                                 ox_frame_bound (CHUNK), &c->frame_len),
                0);
  ox_codec_free (codec);
}

static int
add (struct ox_assembler *a, const struct chunk *c)
{
  return ox_asm_add_chunk (a, c->id, c->frame, c->frame_len, c->plain_len);
}

/* A fresh store (ENCRYPTED or not) in the sink; the keys in *K. */
static void
sink_open (struct sink *s, int encrypted, struct ox_keys *k)
{
  char *dir = strdup (ox_test_path (tmp, "store"));
  char name[1100];

  snprintf (name, sizeof name, "%s%d", dir, nstores++);
  free (dir);
  memset (s, 0, sizeof *s);
  fixture_store (name, encrypted, &s->st, k);
  s->k = k;
  s->fail_buffer = s->fail_segment = s->fail_page = -1;
}

static void
sink_close (struct sink *s, struct ox_keys *k)
{
  for (int i = 0; i < s->nsegs; i++)
    ox_segment_index_free (s->segs[i]);
  ox_store_close (s->st);
  ox_keys_wipe (k);
}

/* Publish A's root and read every chunk back through the basis: it must
 * be DATA (SIZE bytes). */
static void
check_readback (struct sink *s, struct ox_assembler *a,
                const unsigned char *data, uint64_t size)
{
  struct ox_root r, *got;
  struct ox_basis *b;
  struct ox_codec *c = ox_codec_new (0);
  unsigned char *buf = malloc (CHUNK);
  uint64_t n = ox_chunk_count (size, CHUNK);

  ox_asm_root (a, &r);
  CHECK_EQ_INT (ox_root_put (s->st, s->k, &r), 0);
  CHECK_EQ_INT (ox_root_get (s->st, s->k, "vol", r.snapshot_id, &got), 0);
  CHECK_EQ_INT (ox_basis_open (s->st, s->k, got, &b), 0);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t start, want;
    size_t len = 0;
    ox_chunk_range (size, CHUNK, i, &start, &want);
    CHECK_EQ_INT (ox_basis_read_chunk (b, c, i, buf, &len), 0);
    CHECK_EQ_INT (len, want);
    CHECK_MEM (buf, data + start, len);
  }
  ox_basis_close (b);
  ox_codec_free (c);
  free (buf);
}

/* The segment (of those handed over) with id SEG. */
static const struct ox_segment_index *
find_segment (const struct sink *s, const uint8_t *seg)
{
  for (int i = 0; i < s->nsegs; i++)
    if (memcmp (s->segs[i]->segment_id, seg, OX_SEGMENT_ID_LEN) == 0)
      return s->segs[i];
  return NULL;
}

/* Ten chunks, the last short: 2 and 5 zero, 7 repeating 0; in segments of
 * SEGMENT_SIZE bytes. */
static void
test_small (int encrypted, uint64_t segment_size)
{
  uint64_t size = 9 * CHUNK + 1000, snap_id = 0x00aabbcc00112233ull;
  unsigned char *data = ox_test_pattern (size, 3);
  const struct ox_asm_stats *st;
  struct chunk c[10];
  struct ox_keys k;
  struct sink s;
  struct ox_assembler *a;
  struct ox_root r;
  struct ox_page *pg;
  struct ox_codec *codec = ox_codec_new (0);
  uint64_t stored = 0;
  uint32_t nrefs = 0, nframes = 0, first_frames = 0;

  memset (data + 2 * CHUNK, 0, CHUNK);
  memset (data + 5 * CHUNK, 0, CHUNK);
  memcpy (data + 7 * CHUNK, data, CHUNK);
  sink_open (&s, encrypted, &k);
  s.cap = segment_size + (1u << 20);
  a = ox_asm_new (&k, snap_id, "vol", size, CHUNK, segment_size, s.cap,
                  &(struct ox_assembler_ops){ .opaque = &s,
                                              .segment_buffer = sink_buffer,
                                              .segment_done = sink_segment,
                                              .page_done = sink_page });
  CHECK (a != NULL);
  s.a = a;
  for (int i = 0; i < 10; i++) {
    if (i == 2 || i == 5) {
      CHECK_EQ_INT (ox_asm_add_zero (a), 0);
      continue;
    }
    encode (&k, data + i * CHUNK, i == 9 ? 1000 : CHUNK, &c[i]);
    CHECK_EQ_INT (add (a, &c[i]), 0);
    if (i != 7)
      stored += c[i].frame_len;
  }
  CHECK_EQ_INT (s.npages, 0); /* the page is not full */
  CHECK_EQ_INT (ox_asm_finish (a), 0);
  st = ox_asm_stats (a);
  CHECK_EQ_INT (st->chunks, 10);
  CHECK_EQ_INT (st->data_chunks, 8);
  CHECK_EQ_INT (st->dedup_chunks, 1);
  CHECK_EQ_INT (st->new_chunks, 7);
  CHECK_EQ_INT (st->stored_bytes, stored);
  CHECK_EQ_INT (st->npages, 1);
  CHECK_EQ_INT (s.npages, 1);
  CHECK_EQ_INT ((int)st->nsegments, s.nsegs);

  /* Segments: within the size, frames once, a reference per data chunk
   * (in the segment current when the chunk came). */
  for (int i = 0; i < s.nsegs; i++) {
    const struct ox_segment_index *x = s.segs[i];
    CHECK (x->size <= segment_size);
    CHECK (x->nframes >= 1);
    CHECK_EQ_INT (x->snapshot_id, snap_id);
    CHECK (strcmp (x->volume, "vol") == 0);
    for (uint32_t j = 0; j < x->nrefs; j++) {
      uint64_t ci = x->refs[j].chunk_index;
      CHECK (ci < 10 && ci != 2 && ci != 5);
      CHECK_MEM (x->refs[j].id, c[ci].id, OX_ID_LEN);
    }
    for (uint32_t j = 0; j < x->nframes; j++)
      first_frames += memcmp (x->frames[j].id, c[0].id, OX_ID_LEN) == 0;
    nrefs += x->nrefs;
    nframes += x->nframes;
  }
  CHECK_EQ_INT (nrefs, 8);
  CHECK_EQ_INT (nframes, 7);
  CHECK_EQ_INT (first_frames, 1); /* chunk 7 repeats it: stored once */
  if (segment_size == 2 * CHUNK)
    CHECK_EQ_INT (s.nsegs,
                  6); /* two whole frames never fit; the short last one does */

  /* The root, and the page it names. */
  ox_asm_root (a, &r);
  CHECK_EQ_INT (r.snapshot_id, snap_id);
  CHECK_EQ_INT (r.created, snap_id >> 24);
  CHECK_EQ_INT (r.volume_size, size);
  CHECK_EQ_INT (r.chunk_size, CHUNK);
  CHECK_EQ_INT (r.chunks_per_page, OX_DEFAULT_CHUNKS_PER_PAGE);
  CHECK_EQ_INT (r.npages, 1);
  CHECK_EQ_INT (r.data_chunks, 8);
  CHECK_EQ_INT (r.new_chunks, 7);
  CHECK_EQ_INT (r.stored_bytes, stored);
  CHECK_EQ_INT (r.parent_id, 0);
  CHECK (strcmp (r.volume, "vol") == 0);
  CHECK_EQ_INT (ox_page_get (s.st, &k, codec, r.pages[0], 0, &pg), 0);
  CHECK_EQ_INT (pg->nentries, 10);
  CHECK_EQ_INT (pg->nsegments, s.nsegs);
  for (uint32_t i = 0; i < 10; i++) {
    const struct ox_page_entry *e = &pg->entries[i];
    const struct ox_segment_index *x;
    if (i == 2 || i == 5) {
      CHECK_EQ_INT (e->flags, OX_CHUNK_ZERO);
      continue;
    }
    CHECK_EQ_INT (e->flags, 0);
    CHECK_MEM (e->id, c[i].id, OX_ID_LEN);
    CHECK (e->segment < pg->nsegments);
    x = find_segment (&s, pg->segments[e->segment]);
    CHECK (x != NULL);
    CHECK_EQ_INT (e->length, c[i == 7 ? 0 : i].frame_len);
    /* The frame is where the entry says. */
    {
      int hit = 0;
      for (uint32_t j = 0; j < x->nframes; j++)
        hit |= x->frames[j].offset == e->offset
               && x->frames[j].length == e->length
               && memcmp (x->frames[j].id, e->id, OX_ID_LEN) == 0;
      CHECK (hit);
    }
  }
  CHECK_EQ_INT (pg->entries[7].offset, pg->entries[0].offset);
  CHECK_EQ_INT (pg->entries[7].segment, pg->entries[0].segment);
  ox_page_free (pg);
  ox_codec_free (codec);
  check_readback (&s, a, data, size);
  ox_asm_free (a);
  for (int i = 0; i < 10; i++)
    if (i != 2 && i != 5)
      free (c[i].frame);
  sink_close (&s, &k);
  free (data);
}

/* More chunks than a page holds: the first page goes out when full, and
 * the second lists in its own table the segment of a frame that the first
 * page's chunks stored. */
static void
test_pages (void)
{
  uint64_t n = OX_DEFAULT_CHUNKS_PER_PAGE + 5, size = n * CHUNK;
  unsigned char *data = calloc (1, size);
  const struct ox_asm_stats *st;
  struct chunk ca, cb;
  struct ox_keys k;
  struct sink s;
  struct ox_assembler *a;
  struct ox_root r;
  struct ox_page *pg;
  struct ox_codec *codec = ox_codec_new (0);

  CHECK (data != NULL);
  ox_test_fill (data, CHUNK, 1);
  memcpy (data + (n - 3) * CHUNK, data, CHUNK);
  ox_test_fill (data + (n - 1) * CHUNK, CHUNK, 2);
  sink_open (&s, 0, &k);
  s.cap = (32u << 20) + (1u << 20);
  a = ox_asm_new (&k, 0x0011223344556677ull, "vol", size, CHUNK, 32u << 20,
                  s.cap,
                  &(struct ox_assembler_ops){ .opaque = &s,
                                              .segment_buffer = sink_buffer,
                                              .segment_done = sink_segment,
                                              .page_done = sink_page });
  CHECK (a != NULL);
  s.a = a;
  encode (&k, data, CHUNK, &ca);
  encode (&k, data + (n - 1) * CHUNK, CHUNK, &cb);
  CHECK_EQ_INT (add (a, &ca), 0);
  for (uint64_t i = 1; i < n - 3; i++)
    CHECK_EQ_INT (ox_asm_add_zero (a), 0);
  CHECK_EQ_INT (s.npages, 1);
  CHECK_EQ_INT (s.chunks_at_page[0], OX_DEFAULT_CHUNKS_PER_PAGE);
  CHECK_EQ_INT (add (a, &ca), 0); /* chunk n-3: a repeat */
  CHECK_EQ_INT (ox_asm_add_zero (a), 0);
  CHECK_EQ_INT (add (a, &cb), 0);
  CHECK_EQ_INT (ox_asm_finish (a), 0);
  st = ox_asm_stats (a);
  CHECK_EQ_INT (st->chunks, n);
  CHECK_EQ_INT (st->data_chunks, 3);
  CHECK_EQ_INT (st->dedup_chunks, 1);
  CHECK_EQ_INT (st->new_chunks, 2);
  CHECK_EQ_INT (st->npages, 2);
  CHECK_EQ_INT (s.nsegs, 1);
  CHECK_EQ_INT (s.segs[0]->nrefs, 3);
  CHECK_EQ_INT (s.segs[0]->refs[1].chunk_index, n - 3);

  ox_asm_root (a, &r);
  CHECK_EQ_INT (r.npages, 2);
  CHECK_EQ_INT (ox_page_get (s.st, &k, codec, r.pages[0], 0, &pg), 0);
  CHECK_EQ_INT (pg->nentries, OX_DEFAULT_CHUNKS_PER_PAGE);
  CHECK_EQ_INT (pg->nsegments, 1);
  ox_page_free (pg);
  CHECK_EQ_INT (ox_page_get (s.st, &k, codec, r.pages[1], 1, &pg), 0);
  CHECK_EQ_INT (pg->page_index, 1);
  CHECK_EQ_INT (pg->nentries, 5);
  CHECK_EQ_INT (pg->nsegments, 1);
  CHECK_MEM (pg->segments[0], s.segs[0]->segment_id, OX_SEGMENT_ID_LEN);
  /* Chunks n-5 .. n-1: zero, zero, the repeat, zero, the new one. */
  CHECK_EQ_INT (pg->entries[1].flags, OX_CHUNK_ZERO);
  CHECK_MEM (pg->entries[2].id, ca.id, OX_ID_LEN);
  CHECK_EQ_INT (pg->entries[3].flags, OX_CHUNK_ZERO);
  CHECK_MEM (pg->entries[4].id, cb.id, OX_ID_LEN);
  ox_page_free (pg);
  ox_codec_free (codec);
  check_readback (&s, a, data, size);
  ox_asm_free (a);
  free (ca.frame);
  free (cb.frame);
  sink_close (&s, &k);
  free (data);
}

/* Start assembling snapshot SNAP of "vol" (SIZE bytes) into sink S. */
static struct ox_assembler *
asm_start (struct sink *s, const struct ox_keys *k, uint64_t snap,
           uint64_t size)
{
  struct ox_assembler *a;

  s->cap = (32u << 20) + (1u << 20);
  s->ops = sink_ops;
  s->ops.opaque = s;
  a = ox_asm_new (k, snap, "vol", size, CHUNK, 32u << 20, s->cap, &s->ops);
  CHECK (a != NULL);
  s->a = a;
  return a;
}

/* Teach A every frame of the segments handed to S so far, and page
 * PAGE_ID. */
static void
learn (struct ox_assembler *a, const struct sink *s, const uint8_t *page_id)
{
  for (int i = 0; i < s->nsegs; i++)
    for (uint32_t f = 0; f < s->segs[i]->nframes; f++)
      CHECK_EQ_INT (ox_asm_add_known (a, s->segs[i]->segment_id,
                                      s->segs[i]->frames[f].id,
                                      s->segs[i]->frames[f].offset,
                                      s->segs[i]->frames[f].length),
                    0);
  CHECK_EQ_INT (ox_asm_add_known_page (a, page_id), 0);
}

/* An incremental snapshot: chunks known from a parent are referenced where
 * the parent stored them (no frame given, none stored), its segment joins
 * the page's table, every data chunk still gets a reference entry in the
 * child's own segment, and a page equal to the parent's is not handed
 * over again. */
static void
test_incremental (void)
{
  uint64_t size = 6 * CHUNK;
  unsigned char *data = ox_test_pattern (size, 7);
  const struct ox_asm_stats *st;
  struct chunk c[6], changed;
  struct ox_keys k;
  struct sink s;
  struct ox_assembler *p, *a;
  struct ox_root pr, r;
  struct ox_page *pg;
  struct ox_codec *codec = ox_codec_new (0);
  uint8_t parent_page[OX_ID_LEN], parent_seg[OX_SEGMENT_ID_LEN];

  sink_open (&s, 1, &k);
  p = asm_start (&s, &k, 0x00aa000000000001ull, size);
  for (int i = 0; i < 6; i++) {
    encode (&k, data + i * CHUNK, CHUNK, &c[i]);
    CHECK_EQ_INT (add (p, &c[i]), 0);
  }
  CHECK_EQ_INT (ox_asm_finish (p), 0);
  ox_asm_root (p, &pr);
  memcpy (parent_page, pr.pages[0], OX_ID_LEN);
  memcpy (parent_seg, s.segs[0]->segment_id, OX_SEGMENT_ID_LEN);
  check_readback (&s, p, data, size);
  ox_asm_free (p);

  /* The child: chunk 4 changed, chunk 5 now zero. */
  a = asm_start (&s, &k, 0x00aa000000000002ull, size);
  learn (a, &s, parent_page);
  CHECK (ox_asm_is_known (a, c[0].id));
  ox_asm_set_parent (a, "vol", 0x00aa000000000001ull);
  for (int i = 0; i < 4; i++)
    CHECK_EQ_INT (ox_asm_add_chunk (a, c[i].id, NULL, 0, CHUNK), 0);
  ox_test_fill (data + 4 * CHUNK, CHUNK, 99);
  memset (data + 5 * CHUNK, 0, CHUNK);
  encode (&k, data + 4 * CHUNK, CHUNK, &changed);
  CHECK (!ox_asm_is_known (a, changed.id));
  CHECK_EQ_INT (add (a, &changed), 0);
  CHECK_EQ_INT (ox_asm_add_zero (a), 0);
  /* A known frame comes before the first chunk only. */
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_asm_add_known (a, parent_seg, changed.id, 0, 1), -1);
  CHECK (strcmp (ox_test_last_error (),
                 "internal error: a known frame after the first chunk")
         == 0);
  CHECK_EQ_INT (ox_asm_finish (a), 0);
  st = ox_asm_stats (a);
  CHECK_EQ_INT (st->data_chunks, 5);
  CHECK_EQ_INT (st->reused_chunks, 4);
  CHECK_EQ_INT (st->known_chunks, 6);
  CHECK_EQ_INT (st->new_chunks, 1);
  CHECK_EQ_INT (st->stored_bytes, changed.frame_len);
  CHECK_EQ_INT (st->nsegments, 1);
  CHECK_EQ_INT (st->reused_pages, 0);
  CHECK_EQ_INT (s.nsegs, 2);
  CHECK_EQ_INT (s.segs[1]->nframes, 1);
  CHECK_EQ_INT (s.segs[1]->nrefs, 5);
  CHECK_MEM (s.segs[1]->refs[3].id, c[3].id, OX_ID_LEN);
  CHECK_EQ_INT (s.segs[1]->refs[4].chunk_index, 4);
  ox_asm_root (a, &r);
  CHECK (r.parent_id == 0x00aa000000000001ull);
  CHECK (strcmp (r.parent_volume, "") == 0);
  CHECK_EQ_INT (r.reused_chunks, 4);
  CHECK_EQ_INT (ox_page_get (s.st, &k, codec, r.pages[0], 0, &pg), 0);
  CHECK_EQ_INT (pg->nsegments, 2);
  CHECK_MEM (pg->segments[0], parent_seg, OX_SEGMENT_ID_LEN);
  CHECK_MEM (pg->segments[1], s.segs[1]->segment_id, OX_SEGMENT_ID_LEN);
  CHECK_EQ_INT (pg->entries[2].segment, 0);
  CHECK_EQ_INT (pg->entries[4].segment, 1);
  CHECK_EQ_INT (pg->entries[5].flags, OX_CHUNK_ZERO);
  ox_page_free (pg);
  check_readback (&s, a, data, size);
  ox_asm_free (a);

  /* Nothing changed since the parent: no frame, and the page (the same
   * entries, so the same id) is not handed over again. */
  a = asm_start (&s, &k, 0x00aa000000000003ull, size);
  s.nsegs = 1; /* learn the parent's segment only */
  learn (a, &s, parent_page);
  s.nsegs = 2;
  ox_asm_set_parent (a, "golden", 0x00aa000000000001ull);
  s.npages = 0;
  for (int i = 0; i < 6; i++)
    CHECK_EQ_INT (ox_asm_add_chunk (a, c[i].id, NULL, 0, CHUNK), 0);
  CHECK_EQ_INT (ox_asm_finish (a), 0);
  st = ox_asm_stats (a);
  CHECK_EQ_INT (st->new_chunks, 0);
  CHECK_EQ_INT (st->reused_chunks, 6);
  CHECK_EQ_INT (st->reused_pages, 1);
  CHECK_EQ_INT (s.npages, 0);
  CHECK_EQ_INT (s.segs[2]->nframes, 0);
  CHECK_EQ_INT (s.segs[2]->nrefs, 6);
  ox_asm_root (a, &r);
  CHECK_MEM (r.pages[0], parent_page, OX_ID_LEN);
  CHECK (strcmp (r.parent_volume, "golden") == 0);
  ox_asm_free (a);

  /* A chunk without a frame must be known. */
  a = asm_start (&s, &k, 0x00aa000000000004ull, size);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_asm_add_chunk (a, changed.id, NULL, 0, CHUNK), -1);
  CHECK (strcmp (ox_test_last_error (), "internal error: chunk 0 has no frame")
         == 0);
  ox_asm_free (a);

  for (int i = 0; i < 6; i++)
    free (c[i].frame);
  free (changed.frame);
  ox_codec_free (codec);
  sink_close (&s, &k);
  free (data);
}

/* A refused hand-off fails the call and leaves nothing behind: what was
 * not taken is freed by ox_asm_free (ASan and LeakSanitizer check). */
static void
test_failures (void)
{
  unsigned char *data = ox_test_pattern (3 * CHUNK, 4);
  struct ox_assembler_ops ops = sink_ops;
  struct chunk c[3];
  struct ox_keys k;
  struct sink s;
  struct ox_assembler *a;

  sink_open (&s, 0, &k);
  ops.opaque = &s;
  s.cap = 2 * CHUNK + (1u << 20);
  for (int i = 0; i < 3; i++)
    encode (&k, data + i * CHUNK, CHUNK, &c[i]);

  /* No buffer for the first segment. */
  s.fail_buffer = 0;
  a = ox_asm_new (&k, 1u << 24, "vol", 3 * CHUNK, CHUNK, 2 * CHUNK, s.cap,
                  &ops);
  s.a = a;
  ox_test_reset_log ();
  CHECK_EQ_INT (add (a, &c[0]), -1);
  CHECK_ERROR ("test: no buffer");
  ox_asm_free (a);

  /* The full first segment refused, when the second chunk needs room. */
  s.fail_buffer = -1;
  s.fail_segment = 0;
  a = ox_asm_new (&k, 1u << 24, "vol", 3 * CHUNK, CHUNK, 2 * CHUNK, s.cap,
                  &ops);
  s.a = a;
  CHECK_EQ_INT (add (a, &c[0]), 0);
  ox_test_reset_log ();
  CHECK_EQ_INT (add (a, &c[1]), -1);
  CHECK_ERROR ("test: segment refused");
  CHECK_EQ_INT (s.nsegs, 0);
  ox_asm_free (a);

  /* The last page refused at the end, then (a new assembler) the last
   * segment. */
  s.fail_page = 0;
  a = ox_asm_new (&k, 1u << 24, "vol", 3 * CHUNK, CHUNK, 4 * CHUNK, s.cap,
                  &ops);
  s.a = a;
  for (int i = 0; i < 3; i++)
    CHECK_EQ_INT (add (a, &c[i]), 0);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_asm_finish (a), -1);
  CHECK_ERROR ("test: page refused");
  CHECK_EQ_INT (ox_asm_stats (a)->npages, 0);
  ox_asm_free (a);
  s.fail_segment = s.nsegs;
  a = ox_asm_new (&k, 1u << 24, "vol", 3 * CHUNK, CHUNK, 4 * CHUNK, s.cap,
                  &ops);
  s.a = a;
  for (int i = 0; i < 3; i++)
    CHECK_EQ_INT (add (a, &c[i]), 0);
  ox_test_reset_log ();
  CHECK_EQ_INT (ox_asm_finish (a), -1);
  CHECK_ERROR ("test: segment refused");
  CHECK_EQ_INT (s.npages, 1); /* the page went first */
  ox_asm_free (a);
  ox_asm_free (NULL);

  for (int i = 0; i < 3; i++)
    free (c[i].frame);
  sink_close (&s, &k);
  free (data);
}

int
main (void)
{
  tmp = ox_test_tmpdir ("test-assemble");
  ox_test_capture (0);
  test_small (0, 3 * CHUNK);
  test_small (1, 3 * CHUNK);
  test_small (0, 2 * CHUNK);
  test_small (0, 32u << 20);
  test_pages ();
  test_incremental ();
  test_failures ();
  ox_test_rmtree (tmp);
  free (tmp);
  return 0;
}
