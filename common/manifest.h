/* ox: snapshot manifests, pages and roots (docs/FORMAT.md, section 6). */
#ifndef OX_MANIFEST_H
#define OX_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "keys.h"
#include "store.h"

#define OX_CHUNK_ZERO 1u /* entry flag: chunk reads as zeros */
#define OX_PAGE_ENTRY_LEN 48
#define OX_DEFAULT_CHUNKS_PER_PAGE 4096
#define OX_NAME_MAX 128
/* "volumes/" + name + "/snapshots/" + 16 hex + NUL, and "pages/HH/"+64 */
#define OX_KEY_MAX 256

struct ox_page_entry {
  uint8_t id[OX_ID_LEN];
  uint32_t segment; /* index into the page's segment table */
  uint32_t offset, length, flags;
};

/* One page of a manifest, decoded. */
struct ox_page {
  uint32_t page_index;
  uint32_t nentries;
  uint32_t nsegments;
  uint8_t (*segments)[OX_SEGMENT_ID_LEN];
  struct ox_page_entry *entries;
};

/* Serialise PAGE into a malloc'd buffer. Returns 0 or -1. */
int ox_page_encode (const struct ox_page *page, void **data, size_t *len);

/* Parse and validate a page's plaintext (NAME for messages). */
int ox_page_decode (const char *name, const void *data, size_t len,
                    struct ox_page **out);

/* Encode PAGE, frame it and store it as pages/HH/<id>; sets ID. */
int ox_page_put (struct ox_store *st, const struct ox_keys *k,
                 struct ox_codec *c, const struct ox_page *page,
                 uint8_t id[OX_ID_LEN]);

/* Fetch, verify and decode page ID, expected to have index PAGE_INDEX; a
 * frame that fails its checks is fetched once more, with a warning. */
int ox_page_get (struct ox_store *st, const struct ox_keys *k,
                 struct ox_codec *c, const uint8_t id[OX_ID_LEN],
                 uint32_t page_index, struct ox_page **out);

/* Free a page (NULL is fine). */
void ox_page_free (struct ox_page *page);

/* Object key of page ID. */
void ox_page_key (const uint8_t id[OX_ID_LEN], char key[OX_KEY_MAX]);

/* A snapshot root. */
struct ox_root {
  uint64_t snapshot_id;
  uint64_t created;
  uint64_t parent_id;
  uint64_t volume_size;
  uint32_t chunk_size;
  uint32_t chunks_per_page;
  uint32_t npages;
  uint64_t data_chunks, stored_bytes, new_chunks;
  char volume[OX_NAME_MAX + 1];
  uint8_t (*pages)[OX_ID_LEN]; /* npages page ids */
};

/* Number of chunks in the volume described by R. */
uint64_t ox_root_nchunks (const struct ox_root *r);

/* Serialise and MAC a root. Returns 0 or -1. */
int ox_root_encode (const struct ox_keys *k, const struct ox_root *r,
                    void **data, size_t *len);

/* Parse and authenticate a root (NAME for messages). */
int ox_root_decode (const struct ox_keys *k, const char *name,
                    const void *data, size_t len, struct ox_root **out);

/* Free a root (NULL is fine). */
void ox_root_free (struct ox_root *r);

/* Object key of a snapshot root. */
void ox_root_key (const char *volume, uint64_t snap_id, char key[OX_KEY_MAX]);

/* Publish root R as volumes/VOL/snapshots/ID, never replacing one: -1 with
 * errno EEXIST, reported by nothing, when a root of that id exists. */
int ox_root_put (struct ox_store *st, const struct ox_keys *k,
                 const struct ox_root *r);

/* Load and authenticate the root of VOLUME@SNAP_ID. */
int ox_root_get (struct ox_store *st, const struct ox_keys *k,
                 const char *volume, uint64_t snap_id, struct ox_root **out);

#endif
