/* ox: a set of fixed-width ids (page ids, segment ids) as a sorted array:
 * add in any order, seal once (sort and drop repeats), then look up by
 * binary search. 16 or 32 bytes per id and nothing else, which is what
 * garbage collection's mark needs per live object. Not thread-safe. */
#ifndef OX_IDSET_H
#define OX_IDSET_H

#include <stddef.h>
#include <stdint.h>

struct ox_idset {
  size_t width;  /* bytes per id */
  size_t n, cap; /* ids held, room for */
  uint8_t *v;    /* n * width bytes */
  int sealed;    /* sorted and without repeats since the last add */
};

/* An empty set of ids of WIDTH bytes. */
void ox_idset_init (struct ox_idset *s, size_t width)
    __attribute__ ((__nonnull__));

/* Add ID (WIDTH bytes). Returns 0, or -1 with an error (out of memory). */
int ox_idset_add (struct ox_idset *s, const void *id)
    __attribute__ ((__nonnull__));

/* Add every id of OTHER (of the same width). Returns 0 or -1. */
int ox_idset_add_all (struct ox_idset *s, const struct ox_idset *other)
    __attribute__ ((__nonnull__));

/* Sort S and drop repeated ids; lookups need it after adds. */
void ox_idset_seal (struct ox_idset *s) __attribute__ ((__nonnull__));

/* True if sealed S holds ID. */
int ox_idset_has (const struct ox_idset *s, const void *id)
    __attribute__ ((__nonnull__));

/* The I-th id of S (sorted order once sealed). */
static inline const uint8_t *
ox_idset_at (const struct ox_idset *s, size_t i)
{
  return s->v + i * s->width;
}

/* Free what S holds and make it empty. */
void ox_idset_free (struct ox_idset *s) __attribute__ ((__nonnull__));

#endif
