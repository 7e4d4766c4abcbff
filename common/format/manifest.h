/* ox: snapshot manifests, pages and roots (docs/FORMAT.md, section 6): the
 * bytes only (putting and fetching them is repo/objects.h). */
#ifndef OX_MANIFEST_H
#define OX_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "keys.h"
#include "names.h"

#define OX_CHUNK_ZERO 1u /* entry flag: chunk reads as zeros */
#define OX_PAGE_ENTRY_LEN 48
#define OX_DEFAULT_CHUNKS_PER_PAGE 4096

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

/* Seal PAGE for the store: encode it, take its id (the keyed hash of the
 * plaintext) into ID and frame it (FORMAT.md 6.1) into a malloc'd *FRAME
 * of *FRAME_LEN bytes. Returns 0 or -1 reported. */
int ox_page_seal (const struct ox_keys *k, struct ox_codec *c,
                  const struct ox_page *page, void **frame, size_t *frame_len,
                  uint8_t id[OX_ID_LEN])
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 5, 6)));

/* Verify the frame of page ID (FRAME_LEN bytes) and decode it into a
 * malloc'd *PLAIN of *PLAIN_LEN bytes. A frame that fails its checks sets
 * *WHY and reports nothing (the caller may fetch it again); other errors
 * are reported and leave *WHY NULL. Returns 0 or -1. */
int ox_page_unseal (struct ox_codec *c, const struct ox_keys *k,
                    const uint8_t id[OX_ID_LEN], const void *frame,
                    size_t frame_len, void **plain, size_t *plain_len,
                    const char **why)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 6, 7, 8)));

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

#endif
