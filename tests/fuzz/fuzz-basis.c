/* Fuzz the basis, the reader that combines a manifest page with the frames
 * of a segment (common/basis.c): a store holds a fixed snapshot root of 4
 * chunks of 4 KiB (the last one short) with one page, the page, and one
 * segment. Input: mode byte (bit 0: encrypted keys), a little-endian u16
 * N, N bytes of page plaintext (framed and stored under its id, as
 * ox_page_put does), then the segment object, stored under the first
 * segment id of the page's table. Every chunk that reads must be exactly
 * the chunk its page entry names (its id) and have the chunk's length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "fuzz.h"
#include "le.h"
#include "objects.h"

#define CHUNK 4096u
#define NCHUNKS 4
#define VOLUME_SIZE (NCHUNKS * CHUNK - 100)

static struct ox_codec *codec;

/* A snapshot as oxsnap writes it: chunk 2 is zeros, the others data. */
static void
seed (const char *dir, const char *name, int enc)
{
  const struct ox_keys *k = fuzz_keys (enc);
  struct ox_segment_writer *w = ox_segw_new (k, 0x1234, "vol");
  struct ox_page page
      = { .page_index = 0, .nentries = NCHUNKS, .nsegments = 1 };
  struct ox_page_entry entries[NCHUNKS] = { 0 };
  uint8_t segs[1][OX_SEGMENT_ID_LEN], chunk[CHUNK], frame[2 * CHUNK];
  uint8_t *in;
  const void *seg;
  void *plain;
  size_t seg_len, plain_len, flen;

  memcpy (segs[0], ox_segw_id (w), OX_SEGMENT_ID_LEN);
  page.segments = segs;
  page.entries = entries;
  for (int i = 0; i < NCHUNKS; i++) {
    size_t len
        = i == NCHUNKS - 1 ? VOLUME_SIZE - (NCHUNKS - 1) * CHUNK : CHUNK;
    if (i == 2) {
      entries[i].flags = OX_CHUNK_ZERO;
      continue;
    }
    memset (chunk, 'a' + i, len);
    chunk[i] = (uint8_t)i;
    ox_chunk_id (k, chunk, len, entries[i].id);
    if (ox_frame_encode (codec, k, entries[i].id, chunk, len, frame,
                         sizeof frame, &flen)
            == -1
        || ox_segw_add_frame (w, entries[i].id, frame, flen, len,
                              &entries[i].offset)
               == -1
        || ox_segw_add_ref (w, i, entries[i].id) == -1)
      abort ();
    entries[i].length = flen;
  }
  if (ox_segw_seal (w, &seg, &seg_len) == -1
      || ox_page_encode (&page, &plain, &plain_len) == -1)
    abort ();
  in = malloc (2 + plain_len + seg_len);
  put_le16 (in, plain_len);
  memcpy (in + 2, plain, plain_len);
  memcpy (in + 2 + plain_len, seg, seg_len);
  fuzz_write_seed (dir, name, enc, in, 2 + plain_len + seg_len);
  free (in);
  free (plain);
  ox_segw_free (w);
}

static void
write_seeds (const char *dir)
{
  seed (dir, "plain", 0);
  seed (dir, "encrypted", 1);
}

FUZZ_INITIALIZE_CODEC (write_seeds, codec)

static struct ox_root *
make_root (const uint8_t page_id[OX_ID_LEN])
{
  struct ox_root *r = calloc (1, sizeof *r);

  r->snapshot_id = 0x1234;
  r->volume_size = VOLUME_SIZE;
  r->chunk_size = CHUNK;
  r->chunks_per_page = NCHUNKS;
  r->npages = 1;
  strcpy (r->volume, "vol");
  r->pages = malloc (OX_ID_LEN);
  memcpy (r->pages[0], page_id, OX_ID_LEN);
  return r;
}

/* Read every chunk; what reads must be right. */
static void
read_all (struct ox_basis *b, const struct ox_keys *k)
{
  uint8_t *buf = malloc (CHUNK), id[OX_ID_LEN];
  struct ox_chunk_loc loc;
  size_t len;

  for (uint64_t i = 0; i < NCHUNKS; i++) {
    size_t want
        = i == NCHUNKS - 1 ? VOLUME_SIZE - (NCHUNKS - 1) * CHUNK : CHUNK;
    if (ox_basis_read_chunk (b, codec, i, buf, &len) == -1)
      continue;
    if (len != want || ox_basis_lookup (b, i, &loc) == -1)
      abort ();
    if (loc.zero) {
      for (size_t j = 0; j < len; j++)
        if (buf[j])
          abort ();
      continue;
    }
    ox_chunk_id (k, buf, len, id);
    if (memcmp (id, loc.id, OX_ID_LEN) != 0)
      abort ();
  }
  free (buf);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const struct ox_keys *k;
  struct ox_store *st;
  struct ox_basis *b;
  uint8_t page_id[OX_ID_LEN], *frame;
  char key[OX_KEY_MAX], seg_key[OX_SEGMENT_KEY_MAX];
  size_t page_len, flen, cap;
  const uint8_t *page;

  if (size < 3)
    return 0;
  k = fuzz_keys (data[0] & FUZZ_ENCRYPTED);
  page_len = get_le16 (data + 1);
  if (page_len == 0 || page_len > size - 3)
    return 0;
  page = data + 3;
  st = fuzz_memstore_new ();
  ox_chunk_id (k, page, page_len, page_id);
  cap = ox_frame_bound (page_len);
  frame = malloc (cap);
  if (ox_frame_encode (codec, k, page_id, page, page_len, frame, cap, &flen)
      == -1)
    abort ();
  ox_page_key (page_id, key);
  fuzz_memstore_set (st, key, frame, flen);
  free (frame);
  if (page_len >= 24 + OX_SEGMENT_ID_LEN) {
    ox_segment_key (page + 24, seg_key);
    fuzz_memstore_set (st, seg_key, data + 3 + page_len, size - 3 - page_len);
  }
  if (ox_basis_open (st, k, make_root (page_id), &b) == 0) {
    read_all (b, k);
    ox_basis_close (b);
  }
  ox_store_close (st);
  return 0;
}
