/* ox: reading a snapshot's chunks through its lazily loaded manifest. */
#include "basis.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "objects.h"

enum page_state { PAGE_ABSENT, PAGE_LOADING, PAGE_LOADED };

struct ox_basis {
  struct ox_store *st;
  const struct ox_keys *k;
  struct ox_root *root;
  uint64_t nchunks;
  char name[OX_NAME_MAX + 18]; /* "VOLUME@ID" for messages */

  /* Pages: a pointer and a state per page, guarded by LOCK. A page is
   * loaded outside the lock by the first thread that needs it; others
   * wait on LOADED for it. A loaded page never changes until close. */
  pthread_mutex_t lock;
  pthread_cond_t loaded;
  struct ox_page **pages;
  uint8_t *state;

  _Atomic uint64_t fetches, fetched_bytes, pages_loaded, refetches;
};

int
ox_basis_open (struct ox_store *st, const struct ox_keys *k,
               struct ox_root *root, struct ox_basis **out)
{
  struct ox_basis *b = calloc (1, sizeof *b);

  *out = NULL;
  if (b == NULL) {
    ox_error ("calloc: %m");
    ox_root_free (root);
    return -1;
  }
  b->st = st;
  b->k = k;
  b->root = root;
  b->nchunks = ox_root_nchunks (root);
  snprintf (b->name, sizeof b->name, "%s@%016" PRIx64, root->volume,
            root->snapshot_id);
  pthread_mutex_init (&b->lock, NULL);
  pthread_cond_init (&b->loaded, NULL);
  b->pages = calloc (root->npages ? root->npages : 1, sizeof *b->pages);
  b->state = calloc (root->npages ? root->npages : 1, sizeof *b->state);
  if (b->pages == NULL || b->state == NULL) {
    ox_error ("snapshot %s: cannot allocate the page table: %m", b->name);
    ox_basis_close (b);
    return -1;
  }
  *out = b;
  return 0;
}

const struct ox_root *
ox_basis_root (const struct ox_basis *b)
{
  return b->root;
}

/* Fetch and check page PAGE_NO (without holding the page lock). Pages
 * load rarely (one per chunks_per_page chunks), so each load uses a codec
 * of its own and loads of different pages run in parallel. */
static struct ox_page *
fetch_page (struct ox_basis *b, uint32_t page_no)
{
  struct ox_page *page = NULL;
  struct ox_codec *c = ox_codec_new (0);
  char key[OX_KEY_MAX];
  uint32_t want
      = ox_page_nentries (b->nchunks, b->root->chunks_per_page, page_no);
  int r;

  if (c == NULL)
    return NULL;
  r = ox_page_get (b->st, b->k, c, b->root->pages[page_no], page_no, &page);
  ox_codec_free (c);
  if (r == -1)
    return NULL;
  if (page->nentries != want) {
    ox_page_key (b->root->pages[page_no], key);
    ox_error ("page %s of snapshot %s: has %" PRIu32
              " entries, expected %" PRIu32,
              key, b->name, page->nentries, want);
    ox_page_free (page);
    errno = EINVAL;
    return NULL;
  }
  return page;
}

/* The page PAGE_NO, loading it if this is the first use. Concurrent
 * callers missing the same page load it once. */
static const struct ox_page *
get_page (struct ox_basis *b, uint32_t page_no)
{
  struct ox_page *page;

  pthread_mutex_lock (&b->lock);
  while (b->state[page_no] == PAGE_LOADING)
    pthread_cond_wait (&b->loaded, &b->lock);
  if (b->state[page_no] == PAGE_LOADED) {
    page = b->pages[page_no];
    pthread_mutex_unlock (&b->lock);
    return page;
  }
  b->state[page_no] = PAGE_LOADING;
  pthread_mutex_unlock (&b->lock);

  page = fetch_page (b, page_no);

  pthread_mutex_lock (&b->lock);
  if (page) {
    b->pages[page_no] = page;
    b->state[page_no] = PAGE_LOADED;
    atomic_fetch_add (&b->pages_loaded, 1);
  } else
    b->state[page_no] = PAGE_ABSENT; /* a later call retries */
  pthread_cond_broadcast (&b->loaded);
  pthread_mutex_unlock (&b->lock);
  return page;
}

int
ox_basis_lookup (struct ox_basis *b, uint64_t chunk_index,
                 struct ox_chunk_loc *loc)
{
  const struct ox_page *page;
  const struct ox_page_entry *e;
  uint32_t entry;

  memset (loc, 0, sizeof *loc);
  if (chunk_index >= b->nchunks) {
    ox_error ("snapshot %s: chunk %" PRIu64
              " out of range (the volume has %" PRIu64 " chunks)",
              b->name, chunk_index, b->nchunks);
    errno = EINVAL;
    return -1;
  }
  page = get_page (b, (uint32_t)ox_chunk_page (
                          chunk_index, b->root->chunks_per_page, &entry));
  if (page == NULL)
    return -1;
  e = &page->entries[entry];
  loc->plain_len = (uint32_t)ox_chunk_len (b->root->volume_size,
                                           b->root->chunk_size, chunk_index);
  if (e->flags & OX_CHUNK_ZERO) {
    loc->zero = 1;
    return 0;
  }
  memcpy (loc->id, e->id, OX_ID_LEN);
  memcpy (loc->segment_id, page->segments[e->segment], OX_SEGMENT_ID_LEN);
  ox_segment_key (loc->segment_id, loc->key);
  loc->offset = e->offset;
  loc->length = e->length;
  /* Readers allocate and fetch LENGTH bytes before the frame is checked:
   * a page naming a 4 GiB frame for a 256 KiB chunk must fail here. */
  if (loc->length > ox_frame_bound (loc->plain_len)) {
    ox_error ("snapshot %s: chunk %" PRIu64 " (segment %s, frame at offset "
              "%" PRIu32 ", %" PRIu32 " bytes): frame larger than a chunk of "
              "%" PRIu32 " bytes can be (corrupt page)",
              b->name, chunk_index, loc->key, loc->offset, loc->length,
              loc->plain_len);
    memset (loc, 0, sizeof *loc);
    errno = EIO;
    return -1;
  }
  return 0;
}

/* Fetch exactly the frame of LOC into a malloc'd buffer. */
static void *
fetch_frame (struct ox_basis *b, uint64_t chunk_index,
             const struct ox_chunk_loc *loc)
{
  void *frame = malloc (loc->length);

  if (frame == NULL) {
    ox_error ("malloc: %m");
    return NULL;
  }
  if (ox_store_get_range (b->st, loc->key, loc->offset, frame, loc->length)
      == -1) {
    if (errno == ENOENT)
      ox_error ("segment %s: not found in %s (needed for chunk %" PRIu64
                " of snapshot %s)",
                loc->key, b->st->url, chunk_index, b->name);
    else
      ox_error ("segment %s: chunk %" PRIu64 " of snapshot %s (frame at "
                "offset %" PRIu32 ", %" PRIu32 " bytes) could not be read",
                loc->key, chunk_index, b->name, loc->offset, loc->length);
    errno = EIO;
    free (frame);
    return NULL;
  }
  atomic_fetch_add (&b->fetches, 1);
  atomic_fetch_add (&b->fetched_bytes, loc->length);
  return frame;
}

/* Decode FRAME for LOC into BUF; on failure sets *WHY and reports nothing. */
static int
decode_frame (struct ox_basis *b, struct ox_codec *c,
              const struct ox_chunk_loc *loc, const void *frame, void *buf,
              const char **why)
{
  size_t got = 0;

  *why = "invalid frame";
  if (ox_frame_decode (c, b->k, loc->id, frame, loc->length, buf,
                       loc->plain_len, &got, why)
      == -1)
    return -1;
  if (got != loc->plain_len) {
    *why = "chunk has the wrong length";
    return -1;
  }
  return 0;
}

int
ox_basis_decode (struct ox_basis *b, struct ox_codec *c, uint64_t chunk_index,
                 const struct ox_chunk_loc *loc, const void *frame, void *buf)
{
  const char *why;
  void *again;
  int r;

  if (loc->zero) {
    memset (buf, 0, loc->plain_len);
    return 0;
  }
  if (decode_frame (b, c, loc, frame, buf, &why) == 0)
    return 0;
  /* Every check that failed (authentication, XXH3, id, decompression,
   * length) can fail because of a fault on the way (a flipped bit that TCP
   * missed, a bad proxy or NIC): fetch the frame once more before giving
   * up. A frame corrupt in the store fails again. */
  ox_warning ("segment %s: chunk %" PRIu64 " (frame at offset %" PRIu32
              ", %" PRIu32 " bytes): %s; fetching it once more",
              loc->key, chunk_index, loc->offset, loc->length, why);
  atomic_fetch_add (&b->refetches, 1);
  again = fetch_frame (b, chunk_index, loc);
  if (again == NULL)
    return -1;
  r = decode_frame (b, c, loc, again, buf, &why);
  free (again);
  if (r == 0) {
    ox_warning ("segment %s: chunk %" PRIu64
                " was good when fetched again (a fault on the way)",
                loc->key, chunk_index);
    return 0;
  }
  ox_error ("segment %s: chunk %" PRIu64 " (frame at offset %" PRIu32
            ", %" PRIu32 " bytes): %s (fetched twice: corrupt in the store)",
            loc->key, chunk_index, loc->offset, loc->length, why);
  errno = EIO;
  return -1;
}

int
ox_basis_read_frames (struct ox_basis *b, uint64_t first_chunk,
                      const struct ox_chunk_loc *locs, unsigned n, void *buf,
                      uint64_t total)
{
  if (ox_store_get_range (b->st, locs[0].key, locs[0].offset, buf, total)
      == -1) {
    int err = errno;
    ox_error ("segment %s: chunks %" PRIu64 "-%" PRIu64 " of snapshot %s "
              "(frames at offset %" PRIu32 ", %" PRIu64 " bytes) could not "
              "be read%s",
              locs[0].key, first_chunk, first_chunk + n - 1, b->name,
              locs[0].offset, total, err == ENOENT ? ": not found" : "");
    errno = EIO;
    return -1;
  }
  atomic_fetch_add (&b->fetches, 1);
  atomic_fetch_add (&b->fetched_bytes, total);
  return 0;
}

int
ox_basis_read_chunk (struct ox_basis *b, struct ox_codec *c,
                     uint64_t chunk_index, void *buf, size_t *len)
{
  struct ox_chunk_loc loc;
  CLEANUP_FREE void *frame = NULL;

  if (ox_basis_lookup (b, chunk_index, &loc) == -1)
    return -1;
  if (!loc.zero) {
    frame = fetch_frame (b, chunk_index, &loc);
    if (frame == NULL)
      return -1;
  }
  if (ox_basis_decode (b, c, chunk_index, &loc, frame, buf) == -1)
    return -1;
  *len = loc.plain_len;
  return 0;
}

void
ox_basis_stats (struct ox_basis *b, struct ox_basis_stats *s)
{
  s->fetches = atomic_load (&b->fetches);
  s->fetched_bytes = atomic_load (&b->fetched_bytes);
  s->pages_loaded = atomic_load (&b->pages_loaded);
  s->refetches = atomic_load (&b->refetches);
}

void
ox_basis_close (struct ox_basis *b)
{
  if (b == NULL)
    return;
  if (b->pages)
    for (uint32_t i = 0; i < b->root->npages; i++)
      ox_page_free (b->pages[i]);
  free (b->pages);
  free (b->state);
  ox_root_free (b->root);
  pthread_cond_destroy (&b->loaded);
  pthread_mutex_destroy (&b->lock);
  free (b);
}

size_t
ox_basis_frame_run (const struct ox_chunk_loc *locs, size_t n,
                    uint64_t max_bytes, uint64_t *bytes)
{
  size_t j;

  *bytes = 0;
  if (n == 0 || locs[0].zero)
    return 0;
  *bytes = locs[0].length;
  for (j = 1; j < n; j++) {
    if (locs[j].zero
        || memcmp (locs[j].segment_id, locs[0].segment_id, OX_SEGMENT_ID_LEN)
               != 0
        || locs[j].offset != (uint64_t)locs[j - 1].offset + locs[j - 1].length
        || *bytes + locs[j].length > max_bytes)
      break;
    *bytes += locs[j].length;
  }
  return j;
}
