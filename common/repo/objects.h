/* ox: a snapshot's objects in a store: manifest pages, roots and segment
 * indexes, put and fetched with their checks (docs/FORMAT.md, sections 5
 * and 6). */
#ifndef OX_OBJECTS_H
#define OX_OBJECTS_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "keys.h"
#include "manifest.h"
#include "segment.h"
#include "store.h"

/* Encode PAGE, frame it and store it as pages/HH/<id>; sets ID. */
int ox_page_put (struct ox_store *st, const struct ox_keys *k,
                 struct ox_codec *c, const struct ox_page *page,
                 uint8_t id[OX_ID_LEN]);

/* Fetch, verify and decode page ID, expected to have index PAGE_INDEX; a
 * frame that fails its checks is fetched once more, with a warning. */
int ox_page_get (struct ox_store *st, const struct ox_keys *k,
                 struct ox_codec *c, const uint8_t id[OX_ID_LEN],
                 uint32_t page_index, struct ox_page **out);

/* Publish root R as volumes/VOL/snapshots/ID, never replacing one: -1 with
 * errno EEXIST, reported by nothing, when a root of that id exists. */
int ox_root_put (struct ox_store *st, const struct ox_keys *k,
                 const struct ox_root *r);

/* Load and authenticate the root of VOLUME@SNAP_ID. */
int ox_root_get (struct ox_store *st, const struct ox_keys *k,
                 const char *volume, uint64_t snap_id, struct ox_root **out);

/* Read and verify only the header and index of segment KEY from ST
 * (three ranged reads; not the frames). Returns 0 or -1 with an error. */
int ox_segment_read_index (const struct ox_keys *k, struct ox_store *st,
                           const char *key, struct ox_segment_index **out);

#endif
