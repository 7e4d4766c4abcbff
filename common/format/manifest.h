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
#define OX_CHUNK_SIZE_MIN 4096u
#define OX_CHUNK_SIZE_MAX (64u << 20)

/* Chunk geometry (FORMAT.md section 6): a volume of SIZE bytes is cut into
 * chunks of CHUNK_SIZE bytes (> 0), the last one short when SIZE is not a
 * multiple; chunk I is entry I % CPP of manifest page I / CPP. */

/* True if CHUNK_SIZE is a power of two from 4 KiB to 64 MiB. */
static inline int
ox_chunk_size_valid (uint64_t chunk_size)
{
  return chunk_size >= OX_CHUNK_SIZE_MIN && chunk_size <= OX_CHUNK_SIZE_MAX
         && (chunk_size & (chunk_size - 1)) == 0;
}

/* Number of chunks of a volume of SIZE bytes. */
static inline uint64_t
ox_chunk_count (uint64_t size, uint64_t chunk_size)
{
  return size / chunk_size + (size % chunk_size != 0);
}

/* First byte of chunk I. */
static inline uint64_t
ox_chunk_start (uint64_t chunk_size, uint64_t i)
{
  return i * chunk_size;
}

/* The chunk that holds byte OFF. */
static inline uint64_t
ox_chunk_index (uint64_t chunk_size, uint64_t off)
{
  return off / chunk_size;
}

/* Bytes of chunk I of a volume of SIZE bytes: CHUNK_SIZE, fewer for the
 * last chunk, 0 past the end. */
static inline uint64_t
ox_chunk_len (uint64_t size, uint64_t chunk_size, uint64_t i)
{
  uint64_t start = i * chunk_size;

  if (start >= size)
    return 0;
  return size - start < chunk_size ? size - start : chunk_size;
}

/* The byte range [*START, *START + *LEN) of chunk I. */
static inline void
ox_chunk_range (uint64_t size, uint64_t chunk_size, uint64_t i,
                uint64_t *start, uint64_t *len)
{
  *start = ox_chunk_start (chunk_size, i);
  *len = ox_chunk_len (size, chunk_size, i);
}

/* Number of pages of CPP entries (> 0) that NCHUNKS chunks fill. */
static inline uint64_t
ox_page_count (uint64_t nchunks, uint32_t cpp)
{
  return nchunks / cpp + (nchunks % cpp != 0);
}

/* The page that holds chunk I, and in *ENTRY its entry in that page. */
static inline uint64_t
ox_chunk_page (uint64_t i, uint32_t cpp, uint32_t *entry)
{
  *entry = (uint32_t)(i % cpp);
  return i / cpp;
}

/* The chunk of entry ENTRY of page P (the inverse of ox_chunk_page). */
static inline uint64_t
ox_page_chunk (uint64_t p, uint32_t cpp, uint32_t entry)
{
  return p * cpp + entry;
}

/* Entries of page P of a manifest of NCHUNKS chunks: CPP, fewer for the
 * last page, 0 past the end. */
static inline uint32_t
ox_page_nentries (uint64_t nchunks, uint32_t cpp, uint64_t p)
{
  uint64_t first = p * cpp;

  if (first >= nchunks)
    return 0;
  return nchunks - first < cpp ? (uint32_t)(nchunks - first) : cpp;
}

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
  uint64_t reused_chunks; /* data chunks whose frames earlier snapshots
                             stored (version 2; 0 in version 1) */
  char volume[OX_NAME_MAX + 1];
  /* The parent's volume when it is not VOLUME (FORMAT.md 6.2: a parent of
   * another volume, a golden image say); "" for the same volume or none. */
  char parent_volume[OX_NAME_MAX + 1];
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
