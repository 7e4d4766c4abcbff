/* ox: volume names, tags, snapshot ids and snapshot specs
 * "VOLUME[@ID|:TAG]" (docs/FORMAT.md, sections 2 and 7). */
#ifndef OX_NAMES_H
#define OX_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "manifest.h"
#include "store.h"

/* True if NAME is a valid volume or tag name. */
int ox_name_valid (const char *name);

/* A new snapshot id for the current time (40 bits seconds, 24 random). */
uint64_t ox_snapshot_id_new (void);

/* Format ID as 16 hex digits into OUT[17]. */
void ox_snapshot_id_format (uint64_t id, char out[17]);

/* Parse 16 hex digits. Returns 0 or -1 (no error reported). */
int ox_snapshot_id_parse (const char *s, uint64_t *id);

/* Split SPEC "VOLUME[@ID|:TAG]" into its parts. Reports an error for bad
 * syntax. *TAG is NULL, or points into a malloc'd copy returned in
 * *VOLUME; *ID is 0 when absent. Returns 0 or -1. */
int ox_spec_parse (const char *spec, char **volume, uint64_t *id,
                   const char **tag);

/* List the snapshot ids of VOLUME in ascending order into a malloc'd array.
 * Returns 0 or -1. */
int ox_snapshot_list (struct ox_store *st, const char *volume, uint64_t **ids,
                      size_t *n);

/* The id for a new snapshot given CANDIDATE (from ox_snapshot_id_new) and
 * NEWEST, the volume's greatest id (0 if none): CANDIDATE if it is greater,
 * else CANDIDATE's random low 24 bits under a time part one second after
 * NEWEST's, so that the new snapshot is the newest. 0 if the time part
 * would overflow. */
uint64_t ox_snapshot_id_after (uint64_t candidate, uint64_t newest);

/* Choose and reserve an id for a new snapshot of VOLUME: the id follows the
 * volume's newest snapshot (ox_snapshot_id_after) and is claimed by a
 * create-only marker volumes/VOL/ids/ID holding a random writer nonce, so
 * that no other writer uses it for segments or a root (docs/FORMAT.md,
 * section 6.3). A taken id is replaced by a fresh one a few times before
 * giving up. Returns 0 and sets *ID, or -1 with an error. */
int ox_snapshot_id_reserve (struct ox_store *st, const char *volume,
                            uint64_t *id)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Resolve SPEC to a snapshot root: VOLUME alone means the newest snapshot,
 * VOLUME@ID that one, VOLUME:TAG the one the tag names. Clear errors for a
 * volume with no snapshots, an unknown id or tag. Returns 0 or -1. */
int ox_snapshot_resolve (struct ox_store *st, const struct ox_keys *k,
                         const char *spec, struct ox_root **out);

/* Point tag TAG of VOLUME at SNAP_ID (creates or replaces). */
int ox_tag_put (struct ox_store *st, const char *volume, const char *tag,
                uint64_t snap_id);

/* Parse the content of a tag object (LEN bytes, not NUL-terminated) into
 * *SNAP_ID. Returns 0, or -1 for invalid content (not reported). */
int ox_tag_parse (const void *content, size_t len, uint64_t *snap_id)
    __attribute__ ((__nonnull__ (1, 3)));

/* Read tag TAG of VOLUME. Returns 0, or -1 (errno ENOENT if absent). */
int ox_tag_get (struct ox_store *st, const char *volume, const char *tag,
                uint64_t *snap_id);

#endif
