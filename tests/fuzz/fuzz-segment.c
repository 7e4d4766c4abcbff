/* Fuzz sealed segments: ox_segment_parse of a whole object, and
 * ox_segment_read_index of the same bytes through ranged reads of a store
 * (docs/FORMAT.md 5). The two readers must agree. FUZZ_FIXUP rewrites the
 * index MAC and the footer checksum with the fixed keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "frame.h"
#include "fuzz.h"
#include "le.h"
#include "segment.h"
#include "objects.h"

#define FOOTER OX_SEGMENT_FOOTER_LEN

static struct ox_codec *codec;

/* One sealed segment with NFRAMES frames and NREFS references. */
static void
seed_segment (const char *dir, const char *name, int enc, const char *volume,
              int nframes, int nrefs)
{
  const struct ox_keys *k = fuzz_keys (enc);
  struct ox_segment_writer *w = ox_segw_new (k, 0x1234, volume);
  uint8_t plain[3000], id[OX_ID_LEN], frame[4096];
  const void *data;
  size_t len;

  if (w == NULL)
    abort ();
  for (int i = 0; i < nframes; i++) {
    memset (plain, 'a' + i, sizeof plain);
    plain[i] = 0;
    ox_chunk_id (k, plain, sizeof plain, id);
    if (ox_frame_encode (codec, k, id, plain, sizeof plain, frame,
                         sizeof frame, &len)
            == -1
        || ox_segw_add_frame (w, id, frame, len, sizeof plain, NULL) == -1)
      abort ();
  }
  for (int i = 0; i < nrefs; i++) {
    memset (id, i, sizeof id);
    if (ox_segw_add_ref (w, 7 * i, id) == -1)
      abort ();
  }
  if (ox_segw_seal (w, &data, &len) == -1)
    abort ();
  fuzz_write_seed (dir, name, enc | FUZZ_FIXUP, data, len);
  ox_segw_free (w);
}

static void
write_seeds (const char *dir)
{
  char longname[129], name[64];

  memset (longname, 'v', 128);
  longname[128] = '\0';
  for (int enc = 0; enc < 2; enc++) {
    snprintf (name, sizeof name, "empty-%d", enc);
    seed_segment (dir, name, enc, "a", 0, 0);
    snprintf (name, sizeof name, "small-%d", enc);
    seed_segment (dir, name, enc, "vol", 3, 5);
    snprintf (name, sizeof name, "refs-%d", enc);
    seed_segment (dir, name, enc, longname, 1, 40);
  }
}

FUZZ_INITIALIZE_CODEC (write_seeds, codec)

/* Make the footer's checksum and the index MAC right for the keys K, where
 * the footer's fields make that possible. */
static void
fixup (const struct ox_keys *k, uint8_t *p, size_t len)
{
  uint8_t *f = p + len - FOOTER, mac[OX_ID_LEN];
  uint64_t index_offset;
  uint32_t index_len;
  size_t header_len;

  if (len < OX_SEGMENT_HEADER_FIXED + FOOTER)
    return;
  index_offset = get_le64 (f + 8);
  index_len = get_le32 (f + 24);
  header_len = OX_SEGMENT_HEADER_FIXED + get_le16 (p + 48);
  if (index_offset <= len - FOOTER && index_len <= len - FOOTER - index_offset
      && header_len <= index_offset) {
    uint8_t *buf = malloc (header_len + index_len + 1);
    memcpy (buf, p, header_len);
    memcpy (buf + header_len, p + index_offset, index_len);
    ox_mac (k, buf, header_len + index_len, mac);
    memcpy (f + 32, mac, 24);
    free (buf);
  }
  put_le64 (f + 56, XXH3_64bits (f, 56));
}

static int
same_index (const struct ox_segment_index *a, const struct ox_segment_index *b)
{
  return memcmp (a->segment_id, b->segment_id, OX_SEGMENT_ID_LEN) == 0
         && a->snapshot_id == b->snapshot_id
         && strcmp (a->volume, b->volume) == 0 && a->size == b->size
         && a->nframes == b->nframes && a->nrefs == b->nrefs
         && (a->nframes == 0
             || memcmp (a->frames, b->frames, a->nframes * sizeof *a->frames)
                    == 0)
         && (a->nrefs == 0
             || memcmp (a->refs, b->refs, a->nrefs * sizeof *a->refs) == 0);
}

/* Every frame entry lies between the header and the index. */
static void
check_bounds (const struct ox_segment_index *idx, size_t len)
{
  for (uint32_t i = 0; i < idx->nframes; i++)
    if (idx->frames[i].length == 0
        || (uint64_t)idx->frames[i].offset + idx->frames[i].length
               > len - FOOTER)
      abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const struct ox_keys *k;
  struct ox_segment_index *a = NULL, *b = NULL;
  struct ox_store *st;
  char key[OX_SEGMENT_KEY_MAX];
  uint8_t *p;
  size_t len;
  int ra, rb;

  if (size < 1)
    return 0;
  k = fuzz_keys (data[0] & FUZZ_ENCRYPTED);
  len = size - 1;
  p = fuzz_dup (data + 1, len);
  if (data[0] & FUZZ_FIXUP)
    fixup (k, p, len);
  ra = ox_segment_parse (k, "fuzz", p, len, &a);
  if (ra == 0)
    check_bounds (a, len);

  /* The same object read as oxsnap and the plugin do, under the key its
   * header names (else the readers rightly disagree). */
  st = fuzz_memstore_new ();
  ox_segment_key (len >= 40 ? p + 24 : (const uint8_t *)"0123456789abcdef",
                  key);
  fuzz_memstore_set (st, key, p, len);
  rb = ox_segment_read_index (k, st, key, &b);
  if (ra != rb || (ra == 0 && !same_index (a, b)))
    abort ();
  ox_segment_index_free (a);
  ox_segment_index_free (b);
  ox_store_close (st);
  free (p);
  return 0;
}
