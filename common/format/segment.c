/* ox: sealed segment objects (docs/FORMAT.md, section 5). */
#include "le.h"
#include "segment.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "cleanup.h"
#include "hex.h"
#include "iszero.h"
#include "log.h"
#include "manifest.h"
#include "names.h"

#define SEG_MAGIC "OXSEG\0\0\1"
#define SEG_END_MAGIC "OXSEGEND"
#define MAGIC_LEN 8
#define FOOTER_CHECKED_LEN 56
/* Field offsets in the header (FORMAT.md 5.1). */
#define HDR_STORE_ID 8
#define HDR_SEGMENT_ID 24
#define HDR_SNAPSHOT_ID 40
#define HDR_NAME_LEN 48
#define HDR_RESERVED 50
/* Largest header: the fixed part and the longest volume name. */

void
ox_segment_key (const uint8_t seg_id[OX_SEGMENT_ID_LEN],
                char key[OX_SEGMENT_KEY_MAX])
{
  char hex[2 * OX_SEGMENT_ID_LEN + 1];

  ox_hex (seg_id, OX_SEGMENT_ID_LEN, hex);
  snprintf (key, OX_SEGMENT_KEY_MAX, "segments/%.2s/%s", hex, hex);
}

/* MAC(header || index), of which the index MAC is a prefix. */
static int
index_mac (const struct ox_keys *k, const uint8_t *header, size_t header_len,
           const uint8_t *index, size_t index_len, uint8_t mac[OX_ID_LEN])
{
  CLEANUP_FREE uint8_t *buf = malloc (header_len + index_len);

  if (buf == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  memcpy (buf, header, header_len);
  if (index_len)
    memcpy (buf + header_len, index, index_len);
  ox_mac (k, buf, header_len + index_len, mac);
  return 0;
}

/*----------------------------------------------------------------------
 * Writing.
 */

struct ox_segment_writer {
  struct ox_keys keys;
  uint8_t id[OX_SEGMENT_ID_LEN];
  uint8_t *buf; /* header, frames, then (when sealed) index and footer */
  size_t len, cap;
  int borrowed; /* buf belongs to the caller (ox_segw_new_in) */
  size_t header_len;
  struct ox_segment_frame *frames;
  size_t nframes, frames_cap;
  struct ox_segment_ref *refs;
  size_t nrefs, refs_cap;
  int sealed;
};

/* Make room for EXTRA more bytes in W's buffer. */
static int
segw_reserve (struct ox_segment_writer *w, size_t extra)
{
  size_t cap;
  uint8_t *p;

  if (extra > SIZE_MAX - w->len) {
    ox_error ("segment: too large");
    errno = EFBIG;
    return -1;
  }
  if (w->len + extra <= w->cap)
    return 0;
  cap = w->cap ? w->cap : 4096;
  while (cap < w->len + extra)
    cap = cap > SIZE_MAX / 2 ? w->len + extra : cap * 2;
  if (w->borrowed) {
    /* Outgrew the caller's buffer: continue in memory of our own. */
    p = malloc (cap);
    if (p && w->len)
      memcpy (p, w->buf, w->len);
  } else
    p = realloc (w->buf, cap);
  if (p == NULL) {
    ox_error ("realloc: %m");
    return -1;
  }
  w->buf = p;
  w->borrowed = 0;
  w->cap = cap;
  return 0;
}

/* Grow an array *ARR of *CAP elements of SIZE bytes to hold N + 1. */
static int
grow_array (void **arr, size_t *cap, size_t n, size_t size)
{
  size_t ncap;
  void *p;

  if (n < *cap)
    return 0;
  ncap = *cap ? *cap * 2 : 64;
  p = reallocarray (*arr, ncap, size);
  if (p == NULL) {
    ox_error ("realloc: %m");
    return -1;
  }
  *arr = p;
  *cap = ncap;
  return 0;
}

static uint64_t
segw_index_len (size_t nframes, size_t nrefs)
{
  return (uint64_t)nframes * OX_SEGMENT_FRAME_ENTRY_LEN
         + (uint64_t)nrefs * OX_SEGMENT_REF_ENTRY_LEN;
}

static void
segw_write_header (struct ox_segment_writer *w, uint64_t snap_id,
                   const char *volume, size_t name_len)
{
  uint8_t *h = w->buf;

  memset (h, 0, OX_SEGMENT_HEADER_FIXED);
  memcpy (h, SEG_MAGIC, MAGIC_LEN);
  memcpy (h + HDR_STORE_ID, w->keys.store_id, OX_STORE_ID_LEN);
  memcpy (h + HDR_SEGMENT_ID, w->id, OX_SEGMENT_ID_LEN);
  put_le64 (h + HDR_SNAPSHOT_ID, snap_id);
  put_le16 (h + HDR_NAME_LEN, (uint16_t)name_len);
  memcpy (h + OX_SEGMENT_HEADER_FIXED, volume, name_len);
}

struct ox_segment_writer *
ox_segw_new (const struct ox_keys *k, uint64_t snap_id, const char *volume)
{
  return ox_segw_new_in (k, snap_id, volume, NULL, 0);
}

struct ox_segment_writer *
ox_segw_new_in (const struct ox_keys *k, uint64_t snap_id, const char *volume,
                void *buf, size_t cap)
{
  struct ox_segment_writer *w;
  size_t name_len = strlen (volume);

  if (!ox_name_valid (volume)) {
    ox_error ("segment: invalid volume name \"%s\"", volume);
    errno = EINVAL;
    return NULL;
  }
  w = calloc (1, sizeof *w);
  if (w == NULL) {
    ox_error ("calloc: %m");
    return NULL;
  }
  w->keys = *k;
  if (buf && cap) {
    w->buf = buf;
    w->cap = cap;
    w->borrowed = 1;
  }
  if (ox_random_bytes (w->id, sizeof w->id) == -1
      || segw_reserve (w, OX_SEGMENT_HEADER_FIXED + name_len) == -1) {
    ox_segw_free (w);
    return NULL;
  }
  w->header_len = w->len = OX_SEGMENT_HEADER_FIXED + name_len;
  segw_write_header (w, snap_id, volume, name_len);
  return w;
}

const uint8_t *
ox_segw_id (const struct ox_segment_writer *w)
{
  return w->id;
}

size_t
ox_segw_size (const struct ox_segment_writer *w)
{
  if (w->sealed)
    return w->len;
  return w->len + segw_index_len (w->nframes, w->nrefs)
         + OX_SEGMENT_FOOTER_LEN;
}

uint32_t
ox_segw_nframes (const struct ox_segment_writer *w)
{
  return w->nframes;
}

/* True if an index of NFRAMES and NREFS entries overflows its u32 length. */
static int
segw_index_full (const struct ox_segment_writer *w, size_t nframes,
                 size_t nrefs)
{
  return segw_index_len (nframes, nrefs) > UINT32_MAX;
}

static int
segw_check_open (const struct ox_segment_writer *w)
{
  char key[OX_SEGMENT_KEY_MAX];

  if (!w->sealed)
    return 0;
  ox_segment_key (w->id, key);
  ox_error ("segment %s: already sealed", key);
  errno = EINVAL;
  return -1;
}

int
ox_segw_add_frame (struct ox_segment_writer *w, const uint8_t id[OX_ID_LEN],
                   const void *frame, size_t len, uint32_t plain_len,
                   uint32_t *offset)
{
  char key[OX_SEGMENT_KEY_MAX];
  struct ox_segment_frame *f;

  if (segw_check_open (w) == -1)
    return -1;
  if (len == 0 || len > UINT32_MAX - w->len
      || segw_index_full (w, w->nframes + 1, w->nrefs)) {
    ox_segment_key (w->id, key);
    ox_error ("segment %s: frame of %zu bytes does not fit (segment has "
              "%zu bytes, %zu frames)",
              key, len, w->len, w->nframes);
    errno = EFBIG;
    return -1;
  }
  if (segw_reserve (w, len) == -1
      || grow_array ((void **)&w->frames, &w->frames_cap, w->nframes,
                     sizeof *w->frames)
             == -1)
    return -1;
  f = &w->frames[w->nframes++];
  memcpy (f->id, id, OX_ID_LEN);
  f->offset = (uint32_t)w->len;
  f->length = (uint32_t)len;
  f->plain_len = plain_len;
  memcpy (w->buf + w->len, frame, len);
  w->len += len;
  if (offset)
    *offset = f->offset;
  return 0;
}

int
ox_segw_add_ref (struct ox_segment_writer *w, uint64_t chunk_index,
                 const uint8_t id[OX_ID_LEN])
{
  char key[OX_SEGMENT_KEY_MAX];
  struct ox_segment_ref *r;

  if (segw_check_open (w) == -1)
    return -1;
  if (segw_index_full (w, w->nframes, w->nrefs + 1)) {
    ox_segment_key (w->id, key);
    ox_error ("segment %s: too many references", key);
    errno = EFBIG;
    return -1;
  }
  if (grow_array ((void **)&w->refs, &w->refs_cap, w->nrefs, sizeof *w->refs)
      == -1)
    return -1;
  r = &w->refs[w->nrefs++];
  r->chunk_index = chunk_index;
  memcpy (r->id, id, OX_ID_LEN);
  return 0;
}

static void
segw_write_index (struct ox_segment_writer *w, uint8_t *p)
{
  for (size_t i = 0; i < w->nframes; i++, p += OX_SEGMENT_FRAME_ENTRY_LEN) {
    memcpy (p, w->frames[i].id, OX_ID_LEN);
    put_le32 (p + 32, w->frames[i].offset);
    put_le32 (p + 36, w->frames[i].length);
    put_le32 (p + 40, w->frames[i].plain_len);
    put_le32 (p + 44, 0);
  }
  for (size_t i = 0; i < w->nrefs; i++, p += OX_SEGMENT_REF_ENTRY_LEN) {
    put_le64 (p, w->refs[i].chunk_index);
    memcpy (p + 8, w->refs[i].id, OX_ID_LEN);
  }
}

static void
write_footer (uint8_t *f, uint64_t index_offset, uint32_t nframes,
              uint32_t nrefs, uint32_t index_len,
              const uint8_t mac[OX_SEGMENT_INDEX_MAC_LEN])
{
  memcpy (f, SEG_END_MAGIC, MAGIC_LEN);
  put_le64 (f + 8, index_offset);
  put_le32 (f + 16, nframes);
  put_le32 (f + 20, nrefs);
  put_le32 (f + 24, index_len);
  put_le32 (f + 28, 0);
  memcpy (f + 32, mac, OX_SEGMENT_INDEX_MAC_LEN);
  put_le64 (f + FOOTER_CHECKED_LEN, XXH3_64bits (f, FOOTER_CHECKED_LEN));
}

int
ox_segw_seal (struct ox_segment_writer *w, const void **data, size_t *len)
{
  uint64_t index_offset = w->len;
  uint32_t index_len = (uint32_t)segw_index_len (w->nframes, w->nrefs);
  uint8_t mac[OX_ID_LEN];

  if (!w->sealed) {
    if (segw_reserve (w, (size_t)index_len + OX_SEGMENT_FOOTER_LEN) == -1)
      return -1;
    segw_write_index (w, w->buf + index_offset);
    if (index_mac (&w->keys, w->buf, w->header_len, w->buf + index_offset,
                   index_len, mac)
        == -1)
      return -1;
    write_footer (w->buf + index_offset + index_len, index_offset,
                  (uint32_t)w->nframes, (uint32_t)w->nrefs, index_len, mac);
    w->len += (size_t)index_len + OX_SEGMENT_FOOTER_LEN;
    w->sealed = 1;
  }
  *data = w->buf;
  *len = w->len;
  return 0;
}

void
ox_segw_free (struct ox_segment_writer *w)
{
  if (w == NULL)
    return;
  ox_keys_wipe (&w->keys);
  if (!w->borrowed)
    free (w->buf);
  free (w->frames);
  free (w->refs);
  free (w);
}

/*----------------------------------------------------------------------
 * Reading.
 */

/* Parse and check the footer F of a segment object of SIZE bytes. */
int
ox_segment_footer_parse (const char *name, const uint8_t *f, uint64_t size,
                         struct ox_segment_footer *out)
{
  uint64_t want_len;

  if (memcmp (f, SEG_END_MAGIC, MAGIC_LEN) != 0) {
    ox_error ("segment %s: bad footer magic (not a segment, or truncated)",
              name);
    return -1;
  }
  if (get_le64 (f + FOOTER_CHECKED_LEN)
      != XXH3_64bits (f, FOOTER_CHECKED_LEN)) {
    ox_error ("segment %s: footer checksum mismatch (corrupt)", name);
    return -1;
  }
  out->index_offset = get_le64 (f + 8);
  out->nframes = get_le32 (f + 16);
  out->nrefs = get_le32 (f + 20);
  out->index_len = get_le32 (f + 24);
  memcpy (out->mac, f + 32, OX_SEGMENT_INDEX_MAC_LEN);
  want_len = segw_index_len (out->nframes, out->nrefs);
  if (get_le32 (f + 28) != 0 || want_len != out->index_len) {
    ox_error ("segment %s: invalid footer (index of %" PRIu32
              " bytes for %" PRIu32 " frames and %" PRIu32 " refs)",
              name, out->index_len, out->nframes, out->nrefs);
    return -1;
  }
  if (out->index_offset < OX_SEGMENT_HEADER_FIXED
      || out->index_offset > size - OX_SEGMENT_FOOTER_LEN
      || size - OX_SEGMENT_FOOTER_LEN - out->index_offset != out->index_len) {
    ox_error ("segment %s: invalid footer (index at %" PRIu64 " of %" PRIu32
              " bytes in an object of %" PRIu64 " bytes)",
              name, out->index_offset, out->index_len, size);
    return -1;
  }
  return 0;
}

/* Parse the header H (AVAIL bytes available) of a segment whose index
 * starts at INDEX_OFFSET. Sets the header fields of IDX and *HEADER_LEN. */
static int
parse_header (const struct ox_keys *k, const char *name, const uint8_t *h,
              size_t avail, uint64_t index_offset,
              struct ox_segment_index *idx, size_t *header_len)
{
  uint16_t name_len;

  if (memcmp (h, SEG_MAGIC, MAGIC_LEN) != 0) {
    ox_error ("segment %s: bad header magic (not a segment)", name);
    return -1;
  }
  if (memcmp (h + HDR_STORE_ID, k->store_id, OX_STORE_ID_LEN) != 0) {
    ox_error ("segment %s: belongs to another store (store id mismatch)",
              name);
    return -1;
  }
  name_len = get_le16 (h + HDR_NAME_LEN);
  if (!ox_is_zero (h + HDR_RESERVED, 6) || name_len < 1
      || name_len > OX_NAME_MAX
      || OX_SEGMENT_HEADER_FIXED + (size_t)name_len > avail
      || OX_SEGMENT_HEADER_FIXED + (uint64_t)name_len > index_offset) {
    ox_error ("segment %s: invalid header (volume name of %" PRIu16 " bytes)",
              name, name_len);
    return -1;
  }
  memcpy (idx->segment_id, h + HDR_SEGMENT_ID, OX_SEGMENT_ID_LEN);
  idx->snapshot_id = get_le64 (h + HDR_SNAPSHOT_ID);
  memcpy (idx->volume, h + OX_SEGMENT_HEADER_FIXED, name_len);
  idx->volume[name_len] = '\0';
  if (strlen (idx->volume) != name_len || !ox_name_valid (idx->volume)) {
    ox_error ("segment %s: invalid volume name in header", name);
    return -1;
  }
  *header_len = OX_SEGMENT_HEADER_FIXED + name_len;
  return 0;
}

static int
check_index_mac (const struct ox_keys *k, const char *name,
                 const uint8_t *header, size_t header_len,
                 const uint8_t *index, const struct ox_segment_footer *f)
{
  uint8_t mac[OX_ID_LEN];

  if (index_mac (k, header, header_len, index, f->index_len, mac) == -1)
    return -1;
  if (ox_memcmp_ct (mac, f->mac, OX_SEGMENT_INDEX_MAC_LEN) != 0) {
    ox_error ("segment %s: authentication failed (corrupt or wrong key)",
              name);
    return -1;
  }
  return 0;
}

/* Decode the frame entries of INDEX into IDX->frames, checking that each
 * frame lies between the header and the index. */
static int
parse_frames (const char *name, const uint8_t *p,
              const struct ox_segment_footer *f, size_t header_len,
              struct ox_segment_index *idx)
{
  idx->nframes = f->nframes;
  if (f->nframes == 0)
    return 0;
  idx->frames = calloc (f->nframes, sizeof *idx->frames);
  if (idx->frames == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  for (uint32_t i = 0; i < f->nframes; i++, p += OX_SEGMENT_FRAME_ENTRY_LEN) {
    struct ox_segment_frame *fr = &idx->frames[i];
    memcpy (fr->id, p, OX_ID_LEN);
    fr->offset = get_le32 (p + 32);
    fr->length = get_le32 (p + 36);
    fr->plain_len = get_le32 (p + 40);
    if (get_le32 (p + 44) != 0) {
      ox_error ("segment %s: frame entry %" PRIu32 ": reserved field is not "
                "zero",
                name, i);
      return -1;
    }
    if (fr->length == 0 || fr->offset < header_len
        || (uint64_t)fr->offset + fr->length > f->index_offset) {
      ox_error ("segment %s: frame entry %" PRIu32 " (offset %" PRIu32
                ", %" PRIu32 " bytes) is outside the frame area [%zu, %" PRIu64
                ")",
                name, i, fr->offset, fr->length, header_len, f->index_offset);
      return -1;
    }
  }
  return 0;
}

static int
parse_refs (const uint8_t *p, const struct ox_segment_footer *f,
            struct ox_segment_index *idx)
{
  idx->nrefs = f->nrefs;
  if (f->nrefs == 0)
    return 0;
  idx->refs = calloc (f->nrefs, sizeof *idx->refs);
  if (idx->refs == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  for (uint32_t i = 0; i < f->nrefs; i++, p += OX_SEGMENT_REF_ENTRY_LEN) {
    idx->refs[i].chunk_index = get_le64 (p);
    memcpy (idx->refs[i].id, p + 8, OX_ID_LEN);
  }
  return 0;
}

/* Verify the header (AVAIL bytes at HEADER) and INDEX of a segment whose
 * footer F has been checked, and build the parsed index. */
int
ox_segment_index_build (const struct ox_keys *k, const char *name,
                        const uint8_t *header, size_t avail,
                        const uint8_t *index,
                        const struct ox_segment_footer *f, uint64_t size,
                        struct ox_segment_index **out)
{
  struct ox_segment_index *idx;
  size_t header_len;

  idx = calloc (1, sizeof *idx);
  if (idx == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  idx->size = size;
  if (parse_header (k, name, header, avail, f->index_offset, idx, &header_len)
          == -1
      || check_index_mac (k, name, header, header_len, index, f) == -1
      || parse_frames (name, index, f, header_len, idx) == -1
      || parse_refs (index + (size_t)f->nframes * OX_SEGMENT_FRAME_ENTRY_LEN,
                     f, idx)
             == -1) {
    ox_segment_index_free (idx);
    return -1;
  }
  *out = idx;
  return 0;
}

int
ox_segment_too_small (const char *name, uint64_t size)
{
  if (size >= OX_SEGMENT_HEADER_FIXED + 1 + OX_SEGMENT_FOOTER_LEN)
    return 0;
  ox_error ("segment %s: object of %" PRIu64 " bytes is too small "
            "(truncated?)",
            name, size);
  return 1;
}

int
ox_segment_parse (const struct ox_keys *k, const char *name, const void *data,
                  size_t len, struct ox_segment_index **out)
{
  const uint8_t *p = data;
  struct ox_segment_footer f;

  *out = NULL;
  if (ox_segment_too_small (name, len)
      || ox_segment_footer_parse (name, p + len - OX_SEGMENT_FOOTER_LEN, len,
                                  &f)
             == -1
      || ox_segment_index_build (k, name, p, (size_t)f.index_offset,
                                 p + f.index_offset, &f, len, out)
             == -1) {
    errno = EINVAL;
    return -1;
  }
  return 0;
}

int
ox_segment_check_key (const char *key, const struct ox_segment_index *idx)
{
  char want[OX_SEGMENT_KEY_MAX];

  ox_segment_key (idx->segment_id, want);
  if (strcmp (want, key) == 0)
    return 0;
  ox_error ("segment %s: header names segment %s (object renamed?)", key,
            want);
  return -1;
}

void
ox_segment_index_free (struct ox_segment_index *idx)
{
  if (idx == NULL)
    return;
  free (idx->frames);
  free (idx->refs);
  free (idx);
}
