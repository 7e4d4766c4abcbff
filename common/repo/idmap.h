/* ox: a hash map from chunk id to where its frame is stored, used to
 * deduplicate chunks while a snapshot is written. Not thread-safe. */
#ifndef OX_IDMAP_H
#define OX_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

struct ox_idmap_value {
  uint32_t segment; /* index into the snapshot's table of segment ids */
  uint32_t offset, length;
};

struct ox_idmap;

/* Create an empty map. Returns NULL (with an error) on allocation failure. */
struct ox_idmap *ox_idmap_new (void);

/* Free the map (NULL is fine). */
void ox_idmap_free (struct ox_idmap *m);

/* Find ID; returns a pointer to its value, or NULL. */
const struct ox_idmap_value *ox_idmap_find (const struct ox_idmap *m,
                                            const uint8_t id[OX_ID_LEN]);

/* Insert ID -> V (replacing an existing value). Returns 0 or -1. */
int ox_idmap_insert (struct ox_idmap *m, const uint8_t id[OX_ID_LEN],
                     const struct ox_idmap_value *v);

/* Number of ids in the map. */
size_t ox_idmap_count (const struct ox_idmap *m);

#endif
