/* oxsnap: the volume being snapshotted: a block device or a raw image,
 * with the map of its allocated ranges so holes are skipped unread. */
#ifndef OXSNAP_SOURCE_H
#define OXSNAP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "extents.h"

struct source {
  const char *path;
  int fd;
  uint64_t size;
  int mapped;              /* DATA is known; else all may hold data */
  struct extent_list data; /* allocated ranges */
};

/* Open PATH read-only, find its size and its allocated ranges
 * (SEEK_DATA/SEEK_HOLE; a block device counts as all data). */
int source_open (struct source *s, const char *path);

/* The first offset at or after OFFSET that may hold data (lies in an
 * allocated range), or the source size when only holes follow. */
/* Thread-safe after source_open. */
uint64_t source_next_data (const struct source *s, uint64_t offset);

/* Read LEN bytes at OFFSET (looping over short reads). Returns 0 or -1. */
int source_read (const struct source *s, void *buf, size_t len,
                 uint64_t offset);

/* Close the source. */
void source_close (struct source *s);

#endif
