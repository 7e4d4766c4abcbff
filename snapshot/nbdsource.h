/* oxsnap: an NBD export as the volume being snapshotted, read with
 * libnbd: its holes (base:allocation) are skipped unread, and with a
 * dirty bitmap (qemu:dirty-bitmap:NAME, qemu's NBD server) so is every
 * range the bitmap does not mark dirty. One connection, read-only use;
 * libnbd serializes the workers' reads on it. */
#ifndef OXSNAP_NBDSOURCE_H
#define OXSNAP_NBDSOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "extents.h"

struct nbd_handle;

struct nbd_source {
  const char *uri;
  struct nbd_handle *h;
  uint64_t size;
  uint64_t max_request;     /* bytes of one read at most */
  int mapped;               /* DATA is known (base:allocation) */
  struct extent_list data;  /* ranges that may hold data (not zero) */
  const char *bitmap;       /* the dirty bitmap's name, or NULL */
  struct extent_list dirty; /* ranges the bitmap marks dirty */
};

/* True if S is an NBD URI (nbd://, nbds://, nbd+unix://, nbds+unix://,
 * nbd+vsock://, nbds+vsock://). */
int nbd_source_is_uri (const char *s) __attribute__ ((__nonnull__));

/* Connect to URI and map it: its data ranges, and with BITMAP (NULL:
 * none) the ranges that qemu:dirty-bitmap:BITMAP marks dirty; an export
 * without that bitmap is refused. Returns 0, or -1 (reported; *S is
 * closed). */
int nbd_source_open (struct nbd_source *s, const char *uri, const char *bitmap)
    __attribute__ ((__nonnull__ (1, 2)));

/* Read LEN bytes at OFFSET. Thread-safe. Returns 0 or -1 (reported). */
int nbd_source_read (struct nbd_source *s, void *buf, size_t len,
                     uint64_t offset) __attribute__ ((__nonnull__));

/* The first offset at or after OFFSET that may hold data, or the size. */
uint64_t nbd_source_next_data (const struct nbd_source *s, uint64_t offset)
    __attribute__ ((__nonnull__));

/* The first offset at or after OFFSET that the bitmap marks dirty, or the
 * size (only with a bitmap). */
uint64_t nbd_source_next_dirty (const struct nbd_source *s, uint64_t offset)
    __attribute__ ((__nonnull__));

/* Disconnect and free (a closed or zeroed S is fine). */
void nbd_source_close (struct nbd_source *s) __attribute__ ((__nonnull__));

#endif
