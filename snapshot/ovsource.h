/* oxsnap: a clone's overlay directory (docs/FORMAT.md, section 8) as the
 * volume being snapshotted: the clone's blocks as the plugin serves them,
 * local blocks from the overlay's data file and the rest from its basis
 * snapshot. The change list is the blocks the client wrote (the written
 * map of format version 2; in version 1, every local block): a chunk with
 * none is the basis's chunk, unread. The overlay is locked shared while
 * open: a clone being served (the plugin holds the lock) is refused. */
#ifndef OXSNAP_OVSOURCE_H
#define OXSNAP_OVSOURCE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "basis.h"
#include "extents.h"
#include "ovformat.h"

struct ov_source {
  const char *dir;
  int dir_fd, data_fd;
  struct ox_ovheader h;
  char spec[OX_NAME_MAX + 18]; /* the basis as VOL@ID, for --parent */
  uint64_t size, nblocks;
  uint64_t *bits;           /* the map: 1 bit per block, host order */
  struct extent_list local; /* the byte ranges of changed blocks */
  struct ox_basis *basis;   /* set by ov_source_attach; not owned */
  pthread_mutex_t lock;     /* guards codec, chunk* (basis reads) */
  struct ox_codec *codec;
  uint8_t *chunk;       /* the basis chunk decoded last */
  uint64_t chunk_index; /* its index + 1; 0: none */
  size_t chunk_len;
};

/* True if PATH is a directory holding an overlay header. */
int ov_source_is_overlay (const char *path) __attribute__ ((__nonnull__));

/* Open the overlay in DIR: lock it shared (refused while a plugin serves
 * it), read its header and map. Returns 0, or -1 (reported; *S closed). */
int ov_source_open (struct ov_source *s, const char *dir)
    __attribute__ ((__nonnull__));

/* Attach the basis B (the snapshot the overlay is pinned to, opened from
 * the store with keys K) after checking it is that snapshot: same store
 * id, identity and root digest. Returns 0 or -1 (reported). */
int ov_source_attach (struct ov_source *s, const struct ox_keys *k,
                      struct ox_basis *b) __attribute__ ((__nonnull__));

/* Read LEN bytes at OFFSET as the clone serves them. Thread-safe. Returns
 * 0 or -1 (reported). */
int ov_source_read (struct ov_source *s, void *buf, size_t len,
                    uint64_t offset) __attribute__ ((__nonnull__));

/* The first offset at or after OFFSET in a changed block, or the size. */
uint64_t ov_source_next_local (const struct ov_source *s, uint64_t offset)
    __attribute__ ((__nonnull__));

/* Unlock and free (a zeroed or closed S is fine). */
void ov_source_close (struct ov_source *s) __attribute__ ((__nonnull__));

#endif
