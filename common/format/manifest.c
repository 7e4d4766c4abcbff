/* ox: manifest pages and snapshot roots (docs/FORMAT.md, section 6). */
#include "le.h"
#include "manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "hex.h"
#include "iszero.h"
#include "log.h"
#include "names.h"

#define PAGE_MAGIC "OXPAGE\0\1"
#define ROOT_MAGIC "OXROOT\0\1"
#define MAGIC_LEN 8
#define PAGE_HEADER_LEN 24
/* Roots are written as version 2; version 1 roots (no parent volume, no
 * reused count: both zero) are read as they are. */
#define ROOT_VERSION 2
#define ROOT_VERSION_MIN 1
#define ROOT_FIXED_LEN 120
#define ROOT_MAC_LEN OX_ID_LEN

/*----------------------------------------------------------------------
 * Pages.
 */

void
ox_page_key (const uint8_t id[OX_ID_LEN], char key[OX_KEY_MAX])
{
  char hex[2 * OX_ID_LEN + 1];

  ox_hex (id, OX_ID_LEN, hex);
  snprintf (key, OX_KEY_MAX, "pages/%.2s/%s", hex, hex);
}

static uint64_t
page_len (uint32_t nsegments, uint32_t nentries)
{
  return PAGE_HEADER_LEN + (uint64_t)nsegments * OX_SEGMENT_ID_LEN
         + (uint64_t)nentries * OX_PAGE_ENTRY_LEN;
}

/* Check entry I of a page with NSEGMENTS segments. Returns 0, or -1 with
 * *WHY set. */
static int
check_entry (const struct ox_page_entry *e, uint32_t nsegments,
             const char **why)
{
  if (e->flags & OX_CHUNK_ZERO) {
    if (e->flags != OX_CHUNK_ZERO || e->segment || e->offset || e->length
        || !ox_is_zero (e->id, OX_ID_LEN)) {
      *why = "ZERO entry with non-zero fields";
      return -1;
    }
    return 0;
  }
  if (e->flags != 0) {
    *why = "unknown flags";
    return -1;
  }
  if (e->segment >= nsegments) {
    *why = "segment index out of range";
    return -1;
  }
  if (e->length == 0 || (uint64_t)e->offset + e->length > UINT32_MAX) {
    *why = "invalid frame offset or length";
    return -1;
  }
  return 0;
}

/* Validate the counts and entries of PAGE (NAME for messages). */
static int
page_validate (const char *name, const struct ox_page *page)
{
  const char *why;

  if (page->nentries == 0) {
    ox_error ("page %s: has no entries", name);
    return -1;
  }
  for (uint32_t i = 0; i < page->nentries; i++)
    if (check_entry (&page->entries[i], page->nsegments, &why) == -1) {
      ox_error ("page %s (index %" PRIu32 "): entry %" PRIu32 ": %s", name,
                page->page_index, i, why);
      return -1;
    }
  return 0;
}

static void
page_write_entry (uint8_t *p, const struct ox_page_entry *e)
{
  memcpy (p, e->id, OX_ID_LEN);
  put_le32 (p + 32, e->segment);
  put_le32 (p + 36, e->offset);
  put_le32 (p + 40, e->length);
  put_le32 (p + 44, e->flags);
}

int
ox_page_encode (const struct ox_page *page, void **data, size_t *len)
{
  uint64_t n = page_len (page->nsegments, page->nentries);
  uint8_t *buf, *p;

  *data = NULL;
  if (page_validate ("(being written)", page) == -1) {
    errno = EINVAL;
    return -1;
  }
  if (n > OX_FRAME_MAX_PLAIN) {
    ox_error ("page %" PRIu32 ": too large (%" PRIu64 " bytes)",
              page->page_index, n);
    errno = EFBIG;
    return -1;
  }
  buf = malloc (n);
  if (buf == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  memcpy (buf, PAGE_MAGIC, MAGIC_LEN);
  put_le32 (buf + 8, page->page_index);
  put_le32 (buf + 12, page->nentries);
  put_le32 (buf + 16, page->nsegments);
  put_le32 (buf + 20, 0);
  p = buf + PAGE_HEADER_LEN;
  if (page->nsegments)
    memcpy (p, page->segments, (size_t)page->nsegments * OX_SEGMENT_ID_LEN);
  p += (size_t)page->nsegments * OX_SEGMENT_ID_LEN;
  for (uint32_t i = 0; i < page->nentries; i++, p += OX_PAGE_ENTRY_LEN)
    page_write_entry (p, &page->entries[i]);
  *data = buf;
  *len = n;
  return 0;
}

/* Allocate a page with room for NSEGMENTS and NENTRIES. */
static struct ox_page *
page_alloc (uint32_t nsegments, uint32_t nentries)
{
  struct ox_page *page = calloc (1, sizeof *page);

  if (page == NULL)
    goto nomem;
  page->nsegments = nsegments;
  page->nentries = nentries;
  if (nsegments) {
    page->segments = calloc (nsegments, OX_SEGMENT_ID_LEN);
    if (page->segments == NULL)
      goto nomem;
  }
  page->entries = calloc (nentries, sizeof *page->entries);
  if (page->entries == NULL)
    goto nomem;
  return page;

nomem:
  ox_error ("calloc: %m");
  ox_page_free (page);
  return NULL;
}

int
ox_page_decode (const char *name, const void *data, size_t len,
                struct ox_page **out)
{
  const uint8_t *p = data;
  uint32_t nentries, nsegments;
  struct ox_page *page;

  *out = NULL;
  if (len < PAGE_HEADER_LEN || memcmp (p, PAGE_MAGIC, MAGIC_LEN) != 0) {
    ox_error ("page %s: bad magic (not a manifest page)", name);
    goto inval;
  }
  nentries = get_le32 (p + 12);
  nsegments = get_le32 (p + 16);
  if (get_le32 (p + 20) != 0 || nentries == 0
      || page_len (nsegments, nentries) != len) {
    ox_error ("page %s: invalid header (%" PRIu32 " entries, %" PRIu32
              " segments in %zu bytes)",
              name, nentries, nsegments, len);
    goto inval;
  }
  page = page_alloc (nsegments, nentries);
  if (page == NULL)
    return -1;
  page->page_index = get_le32 (p + 8);
  p += PAGE_HEADER_LEN;
  if (nsegments)
    memcpy (page->segments, p, (size_t)nsegments * OX_SEGMENT_ID_LEN);
  p += (size_t)nsegments * OX_SEGMENT_ID_LEN;
  for (uint32_t i = 0; i < nentries; i++, p += OX_PAGE_ENTRY_LEN) {
    struct ox_page_entry *e = &page->entries[i];
    memcpy (e->id, p, OX_ID_LEN);
    e->segment = get_le32 (p + 32);
    e->offset = get_le32 (p + 36);
    e->length = get_le32 (p + 40);
    e->flags = get_le32 (p + 44);
  }
  if (page_validate (name, page) == -1) {
    ox_page_free (page);
    goto inval;
  }
  *out = page;
  return 0;

inval:
  errno = EINVAL;
  return -1;
}

int
ox_page_seal (const struct ox_keys *k, struct ox_codec *c,
              const struct ox_page *page, void **frame, size_t *frame_len,
              uint8_t id[OX_ID_LEN])
{
  CLEANUP_FREE void *plain = NULL;
  void *buf;
  size_t plain_len, cap;

  *frame = NULL;
  if (ox_page_encode (page, &plain, &plain_len) == -1)
    return -1;
  ox_chunk_id (k, plain, plain_len, id);
  cap = ox_frame_bound (plain_len);
  buf = malloc (cap);
  if (buf == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  if (ox_frame_encode (c, k, id, plain, plain_len, buf, cap, frame_len)
      == -1) {
    free (buf);
    return -1;
  }
  *frame = buf;
  return 0;
}

/* Verify and decode the frame of page KEY into a malloc'd plaintext. A
 * frame that fails its checks sets *WHY and reports nothing (the caller
 * fetches it once more); other errors are reported. */
int
ox_page_unseal (struct ox_codec *c, const struct ox_keys *k,
                const uint8_t id[OX_ID_LEN], const void *frame,
                size_t frame_len, void **plain, size_t *plain_len,
                const char **why)
{
  int64_t n = ox_frame_plain_len (frame, frame_len, why);
  void *buf;

  if (n <= 0) {
    errno = EINVAL;
    return -1;
  }
  buf = malloc (n);
  if (buf == NULL) {
    ox_error ("malloc: %m");
    *why = NULL;
    return -1;
  }
  if (ox_frame_decode (c, k, id, frame, frame_len, buf, n, plain_len, why)
      == -1) {
    free (buf);
    errno = EINVAL;
    return -1;
  }
  *plain = buf;
  return 0;
}

void
ox_page_free (struct ox_page *page)
{
  if (page == NULL)
    return;
  free (page->segments);
  free (page->entries);
  free (page);
}

/*----------------------------------------------------------------------
 * Roots.
 */

uint64_t
ox_root_nchunks (const struct ox_root *r)
{
  if (r->chunk_size == 0)
    return 0;
  return ox_chunk_count (r->volume_size, r->chunk_size);
}

static uint64_t
root_npages (const struct ox_root *r)
{
  if (r->chunks_per_page == 0)
    return 0;
  return ox_page_count (ox_root_nchunks (r), r->chunks_per_page);
}

static uint64_t
root_len (size_t name_len, size_t parent_len, uint32_t npages)
{
  return ROOT_FIXED_LEN + name_len + parent_len + (uint64_t)npages * OX_ID_LEN
         + ROOT_MAC_LEN;
}

/* Validate the fields of R (NAME for messages). */
static int
root_validate (const char *name, const struct ox_root *r)
{
  uint32_t cs = r->chunk_size;

  if (!ox_chunk_size_valid (cs)) {
    ox_error ("snapshot root %s: invalid chunk size %" PRIu32
              " (a power of two from 4 KiB to 64 MiB)",
              name, cs);
    return -1;
  }
  if (r->chunks_per_page == 0 || root_npages (r) != r->npages) {
    ox_error ("snapshot root %s: %" PRIu32 " pages of %" PRIu32
              " chunks do not match a volume of %" PRIu64
              " bytes in chunks of %" PRIu32,
              name, r->npages, r->chunks_per_page, r->volume_size, cs);
    return -1;
  }
  if (r->data_chunks > ox_root_nchunks (r) || r->new_chunks > r->data_chunks
      || r->reused_chunks > r->data_chunks - r->new_chunks) {
    ox_error ("snapshot root %s: chunk counts are inconsistent", name);
    return -1;
  }
  if (r->snapshot_id == 0) {
    ox_error ("snapshot root %s: snapshot id is zero", name);
    return -1;
  }
  if (!ox_name_valid (r->volume)) {
    ox_error ("snapshot root %s: invalid volume name", name);
    return -1;
  }
  /* A parent volume is named only for a parent, and only if it differs. */
  if (r->parent_volume[0]
      && (!ox_name_valid (r->parent_volume) || r->parent_id == 0
          || strcmp (r->parent_volume, r->volume) == 0)) {
    ox_error ("snapshot root %s: invalid parent volume", name);
    return -1;
  }
  return 0;
}

static void
root_write_fixed (uint8_t *p, const struct ox_root *r, size_t name_len,
                  size_t parent_len)
{
  memset (p, 0, ROOT_FIXED_LEN);
  memcpy (p, ROOT_MAGIC, MAGIC_LEN);
  put_le32 (p + 8, ROOT_VERSION);
  put_le32 (p + 12, 0);
  put_le64 (p + 16, r->snapshot_id);
  put_le64 (p + 24, r->created);
  put_le64 (p + 32, r->parent_id);
  put_le64 (p + 40, r->volume_size);
  put_le32 (p + 48, r->chunk_size);
  put_le32 (p + 52, r->chunks_per_page);
  put_le32 (p + 56, r->npages);
  put_le16 (p + 60, (uint16_t)name_len);
  put_le16 (p + 62, (uint16_t)parent_len);
  put_le64 (p + 64, r->data_chunks);
  put_le64 (p + 72, r->stored_bytes);
  put_le64 (p + 80, r->new_chunks);
  put_le64 (p + 88, r->reused_chunks);
  /* 96..120 reserved, zero */
}

int
ox_root_encode (const struct ox_keys *k, const struct ox_root *r, void **data,
                size_t *len)
{
  char key[OX_KEY_MAX];
  size_t name_len = strnlen (r->volume, sizeof r->volume);
  size_t parent_len = strnlen (r->parent_volume, sizeof r->parent_volume);
  uint64_t n;
  uint8_t *buf, *p;

  *data = NULL;
  ox_root_key (r->volume, r->snapshot_id, key);
  if (root_validate (key, r) == -1) {
    errno = EINVAL;
    return -1;
  }
  n = root_len (name_len, parent_len, r->npages);
  buf = malloc (n);
  if (buf == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  root_write_fixed (buf, r, name_len, parent_len);
  p = buf + ROOT_FIXED_LEN;
  memcpy (p, r->volume, name_len);
  p += name_len;
  memcpy (p, r->parent_volume, parent_len);
  p += parent_len;
  if (r->npages)
    memcpy (p, r->pages, (size_t)r->npages * OX_ID_LEN);
  p += (size_t)r->npages * OX_ID_LEN;
  ox_mac (k, buf, n - ROOT_MAC_LEN, p);
  *data = buf;
  *len = n;
  return 0;
}

/* Read the fixed fields of a root into R; *NAME_LEN and *PARENT_LEN from
 * the header. */
static int
root_read_fixed (const char *name, const uint8_t *p, struct ox_root *r,
                 uint16_t *name_len, uint16_t *parent_len)
{
  uint32_t version = get_le32 (p + 8);

  if (memcmp (p, ROOT_MAGIC, MAGIC_LEN) != 0) {
    ox_error ("snapshot root %s: bad magic (not a snapshot root)", name);
    return -1;
  }
  if (version < ROOT_VERSION_MIN || version > ROOT_VERSION) {
    ox_error ("snapshot root %s: unknown format version %" PRIu32, name,
              version);
    return -1;
  }
  /* Version 1 had reserved zero bytes where version 2 has the parent
   * volume's length (62) and the reused count (88). */
  if (get_le32 (p + 12) != 0 || !ox_is_zero (p + 96, ROOT_FIXED_LEN - 96)
      || (version == 1
          && (get_le16 (p + 62) != 0 || !ox_is_zero (p + 88, 8)))) {
    ox_error ("snapshot root %s: reserved fields are not zero", name);
    return -1;
  }
  r->snapshot_id = get_le64 (p + 16);
  r->created = get_le64 (p + 24);
  r->parent_id = get_le64 (p + 32);
  r->volume_size = get_le64 (p + 40);
  r->chunk_size = get_le32 (p + 48);
  r->chunks_per_page = get_le32 (p + 52);
  r->npages = get_le32 (p + 56);
  *name_len = get_le16 (p + 60);
  *parent_len = get_le16 (p + 62);
  r->data_chunks = get_le64 (p + 64);
  r->stored_bytes = get_le64 (p + 72);
  r->new_chunks = get_le64 (p + 80);
  r->reused_chunks = get_le64 (p + 88);
  return 0;
}

/* Check the MAC of the root DATA (LEN >= ROOT_MAC_LEN bytes). */
static int
root_check_mac (const struct ox_keys *k, const char *name, const uint8_t *p,
                size_t len)
{
  uint8_t mac[OX_ID_LEN];

  ox_mac (k, p, len - ROOT_MAC_LEN, mac);
  if (ox_memcmp_ct (mac, p + len - ROOT_MAC_LEN, ROOT_MAC_LEN) != 0) {
    ox_error ("snapshot root %s: authentication failed (corrupt or wrong "
              "key)",
              name);
    return -1;
  }
  return 0;
}

/* Parse the authenticated root P of LEN bytes into R. */
static int
root_parse (const char *name, const uint8_t *p, size_t len, struct ox_root *r)
{
  uint16_t name_len, parent_len;

  if (root_read_fixed (name, p, r, &name_len, &parent_len) == -1)
    return -1;
  if (name_len > OX_NAME_MAX || parent_len > OX_NAME_MAX
      || root_len (name_len, parent_len, r->npages) != len) {
    ox_error ("snapshot root %s: invalid length (%zu bytes for names of "
              "%" PRIu16 " and %" PRIu16 " bytes and %" PRIu32 " pages)",
              name, len, name_len, parent_len, r->npages);
    return -1;
  }
  memcpy (r->volume, p + ROOT_FIXED_LEN, name_len);
  r->volume[name_len] = '\0';
  memcpy (r->parent_volume, p + ROOT_FIXED_LEN + name_len, parent_len);
  r->parent_volume[parent_len] = '\0';
  if (strlen (r->volume) != name_len
      || strlen (r->parent_volume) != parent_len) {
    ox_error ("snapshot root %s: invalid volume name", name);
    return -1;
  }
  if (root_validate (name, r) == -1)
    return -1;
  if (r->npages) {
    r->pages = calloc (r->npages, OX_ID_LEN);
    if (r->pages == NULL) {
      ox_error ("calloc: %m");
      return -1;
    }
    memcpy (r->pages, p + ROOT_FIXED_LEN + name_len + parent_len,
            (size_t)r->npages * OX_ID_LEN);
  }
  return 0;
}

int
ox_root_decode (const struct ox_keys *k, const char *name, const void *data,
                size_t len, struct ox_root **out)
{
  struct ox_root *r;

  *out = NULL;
  if (len < ROOT_FIXED_LEN + 1 + ROOT_MAC_LEN) {
    ox_error ("snapshot root %s: too short (%zu bytes; truncated?)", name,
              len);
    errno = EINVAL;
    return -1;
  }
  if (root_check_mac (k, name, data, len) == -1) {
    errno = EINVAL;
    return -1;
  }
  r = calloc (1, sizeof *r);
  if (r == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  if (root_parse (name, data, len, r) == -1) {
    ox_root_free (r);
    errno = EINVAL;
    return -1;
  }
  *out = r;
  return 0;
}

void
ox_root_free (struct ox_root *r)
{
  if (r == NULL)
    return;
  free (r->pages);
  free (r);
}

void
ox_root_key (const char *volume, uint64_t snap_id, char key[OX_KEY_MAX])
{
  snprintf (key, OX_KEY_MAX, "volumes/%.*s/snapshots/%016" PRIx64, OX_NAME_MAX,
            volume, snap_id);
}
