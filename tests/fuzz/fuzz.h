/* ox fuzzing: fuzz-format.h (the mode byte, fixed keys, seeds) and a
 * minimal in-memory store, for the harnesses of parsers that read through
 * struct ox_store (ox_fuzz, which links the repository library).
 */
#ifndef OX_FUZZ_H
#define OX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz-format.h"
#include "store.h"

/* A minimal in-memory store of up to 8 objects, for parsers that read
 * through struct ox_store (ranged reads included). Not thread-safe. */
struct ox_store *fuzz_memstore_new (void);

/* Set object KEY of a memstore to a copy of LEN bytes of DATA. */
void fuzz_memstore_set (struct ox_store *st, const char *key, const void *data,
                        size_t len);

/* Fetch object KEY of a memstore (NULL if absent), without copying. */
const uint8_t *fuzz_memstore_peek (struct ox_store *st, const char *key,
                                   size_t *len);

#endif
