/* oxsnap: a sorted list of byte ranges of a source (where it holds data,
 * or what changed), and the question the writer asks of it: where is the
 * next range at or after an offset. */
#ifndef OXSNAP_EXTENTS_H
#define OXSNAP_EXTENTS_H

#include <stddef.h>
#include <stdint.h>

struct extent {
  uint64_t start, end; /* [start, end), start < end */
};

struct extent_list {
  struct extent *v; /* ascending, disjoint, not adjacent */
  size_t n, cap;
};

/* Append [START, END) to L (an empty range is ignored); it must not start
 * before the end of the last range, and is merged with it when they touch.
 * Returns 0, or -1 when out of memory (reported). */
int extent_list_add (struct extent_list *l, uint64_t start, uint64_t end)
    __attribute__ ((__nonnull__));

/* The first offset at or after OFFSET that lies in a range of L, or LIMIT
 * when none does before LIMIT. Thread-safe (read only). */
uint64_t extent_list_next (const struct extent_list *l, uint64_t offset,
                           uint64_t limit) __attribute__ ((__nonnull__));

/* True if [OFFSET, OFFSET+LEN) touches a range of L. */
int extent_list_touches (const struct extent_list *l, uint64_t offset,
                         uint64_t len) __attribute__ ((__nonnull__));

/* The bytes in all ranges of L. */
uint64_t extent_list_bytes (const struct extent_list *l)
    __attribute__ ((__nonnull__));

/* Free the ranges of L and empty it. */
void extent_list_free (struct extent_list *l) __attribute__ ((__nonnull__));

#endif
