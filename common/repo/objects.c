/* ox: the store's objects of a snapshot: pages, roots and segment indexes,
 * put and fetched (docs/FORMAT.md, sections 5 and 6). The bytes are made
 * and checked by format/; this file adds the store I/O. */
#include "objects.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "names.h"

/*----------------------------------------------------------------------
 * Pages.
 */

int
ox_page_put (struct ox_store *st, const struct ox_keys *k, struct ox_codec *c,
             const struct ox_page *page, uint8_t id[OX_ID_LEN])
{
  CLEANUP_FREE void *frame = NULL;
  char key[OX_KEY_MAX];
  size_t frame_len;

  if (ox_page_seal (k, c, page, &frame, &frame_len, id) == -1)
    return -1;
  ox_page_key (id, key);
  return ox_store_put (st, key, frame, frame_len);
}

/* Fetch page KEY (ID) and unframe it; a frame that fails its checks is
 * fetched once more (a fault on the way) before it is an error. */
static int
page_fetch (struct ox_store *st, struct ox_codec *c, const struct ox_keys *k,
            const char *key, const uint8_t id[OX_ID_LEN], void **plain,
            size_t *plain_len)
{
  const char *why = "invalid frame";
  int attempt;

  for (attempt = 0; attempt < 2; attempt++) {
    CLEANUP_FREE void *frame = NULL;
    size_t frame_len;

    if (ox_store_get (st, key, &frame, &frame_len) == -1) {
      if (errno == ENOENT)
        ox_error ("page %s: not found in %s", key, st->url);
      return -1;
    }
    if (ox_page_unseal (c, k, id, frame, frame_len, plain, plain_len, &why)
        == 0) {
      if (attempt > 0)
        ox_warning ("page %s was good when fetched again (a fault on the "
                    "way)",
                    key);
      return 0;
    }
    if (why == NULL)
      return -1; /* reported */
    if (attempt == 0)
      ox_warning ("page %s: %s; fetching it once more", key, why);
  }
  ox_error ("page %s: %s (fetched twice: corrupt in the store)", key, why);
  errno = EINVAL;
  return -1;
}

int
ox_page_get (struct ox_store *st, const struct ox_keys *k, struct ox_codec *c,
             const uint8_t id[OX_ID_LEN], uint32_t page_index,
             struct ox_page **out)
{
  CLEANUP_FREE void *plain = NULL;
  char key[OX_KEY_MAX];
  size_t plain_len;

  *out = NULL;
  ox_page_key (id, key);
  if (page_fetch (st, c, k, key, id, &plain, &plain_len) == -1
      || ox_page_decode (key, plain, plain_len, out) == -1)
    return -1;
  if ((*out)->page_index != page_index) {
    ox_error ("page %s: is page %" PRIu32
              " of its manifest, expected %" PRIu32,
              key, (*out)->page_index, page_index);
    ox_page_free (*out);
    *out = NULL;
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/*----------------------------------------------------------------------
 * Roots.
 */

int
ox_root_put (struct ox_store *st, const struct ox_keys *k,
             const struct ox_root *r)
{
  CLEANUP_FREE void *data = NULL;
  char key[OX_KEY_MAX];
  size_t len;

  if (ox_root_encode (k, r, &data, &len) == -1)
    return -1;
  ox_root_key (r->volume, r->snapshot_id, key);
  return ox_store_put_new (st, key, data, len);
}

/* A root loaded from KEY must name the volume and snapshot of its key. */
static int
root_check_identity (const char *key, const struct ox_root *r,
                     const char *volume, uint64_t snap_id)
{
  if (strcmp (r->volume, volume) != 0) {
    ox_error ("snapshot root %s: belongs to volume %s", key, r->volume);
    return -1;
  }
  if (r->snapshot_id != snap_id) {
    ox_error ("snapshot root %s: holds snapshot %016" PRIx64, key,
              r->snapshot_id);
    return -1;
  }
  return 0;
}

int
ox_root_get (struct ox_store *st, const struct ox_keys *k, const char *volume,
             uint64_t snap_id, struct ox_root **out)
{
  CLEANUP_FREE void *data = NULL;
  char key[OX_KEY_MAX];
  size_t len;

  *out = NULL;
  if (!ox_name_valid (volume)) {
    ox_error ("invalid volume name \"%s\"", volume);
    errno = EINVAL;
    return -1;
  }
  ox_root_key (volume, snap_id, key);
  if (ox_store_get (st, key, &data, &len) == -1) {
    if (errno == ENOENT)
      ox_error ("snapshot %s@%016" PRIx64 " not found in %s", volume, snap_id,
                st->url);
    return -1;
  }
  if (ox_root_decode (k, key, data, len, out) == -1)
    return -1;
  if (root_check_identity (key, *out, volume, snap_id) == -1) {
    ox_root_free (*out);
    *out = NULL;
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/*----------------------------------------------------------------------
 * Segment indexes.
 */

/* Ranged read that reports a missing object (the store does not). */
static int
read_range (struct ox_store *st, const char *key, uint64_t off, void *buf,
            size_t len)
{
  if (ox_store_get_range (st, key, off, buf, len) == -1) {
    if (errno == ENOENT)
      ox_error ("segment %s: not found in %s", key, st->url);
    return -1;
  }
  return 0;
}

int
ox_segment_read_index (const struct ox_keys *k, struct ox_store *st,
                       const char *key, struct ox_segment_index **out)
{
  uint8_t footer[OX_SEGMENT_FOOTER_LEN];
  uint8_t header[OX_SEGMENT_HEADER_MAX];
  CLEANUP_FREE uint8_t *index = NULL;
  size_t header_avail;
  uint64_t size;
  struct ox_segment_footer f;

  *out = NULL;
  if (ox_store_stat (st, key, &size) == -1) {
    if (errno == ENOENT)
      ox_error ("segment %s: not found in %s", key, st->url);
    return -1;
  }
  if (ox_segment_too_small (key, size)
      || read_range (st, key, size - OX_SEGMENT_FOOTER_LEN, footer,
                     sizeof footer)
             == -1
      || ox_segment_footer_parse (key, footer, size, &f) == -1)
    return -1;
  header_avail = f.index_offset < OX_SEGMENT_HEADER_MAX
                     ? f.index_offset
                     : OX_SEGMENT_HEADER_MAX;
  index = malloc (f.index_len ? f.index_len : 1);
  if (index == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  if (read_range (st, key, 0, header, header_avail) == -1
      || (f.index_len
          && read_range (st, key, f.index_offset, index, f.index_len) == -1)
      || ox_segment_index_build (k, key, header, header_avail, index, &f, size,
                                 out)
             == -1)
    return -1;
  if (ox_segment_check_key (key, *out) == -1) {
    ox_segment_index_free (*out);
    *out = NULL;
    return -1;
  }
  return 0;
}
