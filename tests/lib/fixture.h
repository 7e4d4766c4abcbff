/* ox test library: in-process fixtures made through the writer library
 * (repo/writer.h) instead of the oxsnap binary. */
#ifndef OX_FIXTURE_H
#define OX_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "store.h"

/* A snapshot's bytes in memory; the source reports [HOLE_START, HOLE_END)
 * as a hole (zeros in DATA; both 0: no hole), and fails a read of it. */
struct fixture_image {
  const unsigned char *data;
  uint64_t size;
  uint64_t hole_start, hole_end; /* [start, end) reported as a hole */
};

/* Create a store at DIR (a new directory; a key file DIR.key when
 * ENCRYPTED) and open it into *ST with *KEYS. Exits on failure. */
void fixture_store (const char *dir, int encrypted, struct ox_store **st,
                    struct ox_keys *keys) __attribute__ ((__nonnull__));

/* Write a snapshot of IMG as VOLUME in chunks of CHUNK_SIZE bytes into
 * ST with the writer's default segment size and two jobs; returns its id.
 * Exits on failure. */
uint64_t fixture_snapshot (struct ox_store *st, const struct ox_keys *keys,
                           const char *volume, const struct fixture_image *img,
                           uint32_t chunk_size) __attribute__ ((__nonnull__));

/* Make a store at DIR holding one snapshot of the SIZE bytes at DATA as
 * VOLUME (unencrypted), and close it. Exits on failure. */
void fixture_store_with (const char *dir, const char *volume, const void *data,
                         uint64_t size, uint32_t chunk_size)
    __attribute__ ((__nonnull__));

/* Read snapshot ID of VOLUME in ST back through the basis, chunk by chunk
 * (CHUNK_SIZE bytes), and compare it with the SIZE bytes at DATA: the
 * root's size and every chunk's length and bytes. Exits on a difference
 * or an error. */
void fixture_check (struct ox_store *st, const struct ox_keys *keys,
                    const char *volume, uint64_t id, const void *data,
                    uint64_t size, uint32_t chunk_size)
    __attribute__ ((__nonnull__));

#endif
