/* ox: the catalog of a store: a volume's snapshots, a new snapshot's id,
 * resolving snapshot specs, and tags (docs/FORMAT.md, sections 6.3 and
 * 7). */
#ifndef OX_CATALOG_H
#define OX_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "highwater.h"
#include "keys.h"
#include "manifest.h"
#include "names.h"
#include "store.h"

/* List the snapshot ids of VOLUME in ascending order into a malloc'd array.
 * Returns 0 or -1. */
int ox_snapshot_list (struct ox_store *st, const char *volume, uint64_t **ids,
                      size_t *n);

/* The names of all volumes of ST that have snapshots, ascending, into a
 * malloc'd array of malloc'd strings. Returns 0 or -1. */
int ox_volume_list (struct ox_store *st, char ***names, size_t *n)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Choose and reserve an id for a new snapshot of VOLUME: the id follows the
 * volume's newest snapshot (ox_snapshot_id_after) and is claimed by a
 * create-only marker volumes/VOL/ids/ID holding a random writer nonce, so
 * that no other writer uses it for segments or a root (docs/FORMAT.md,
 * section 6.3). A taken id is replaced by a fresh one a few times before
 * giving up. Returns 0 and sets *ID, or -1 with an error. */
int ox_snapshot_id_reserve (struct ox_store *st, const char *volume,
                            uint64_t *id)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Resolve SPEC to a snapshot root: VOLUME alone means the newest snapshot
 * (checked for rollback with ox_rollback_check under HW, unless HW is NULL),
 * VOLUME@ID that one, VOLUME:TAG the one the tag names. Clear errors for a
 * volume with no snapshots, an unknown id or tag. Returns 0 or -1. */
int ox_snapshot_resolve (struct ox_store *st, const struct ox_keys *k,
                         const struct ox_highwater *hw, const char *spec,
                         struct ox_root **out);

/* Check that NEWEST (0: none), the greatest snapshot id of VOLUME that ST
 * presents, is not a rollback: not below this host's high-water mark H
 * under HW->dir, unless forget records account for every snapshot from H
 * down to NEWEST (each names the one before it); then raise the mark to
 * NEWEST. With HW->allow_rollback a rollback is a warning and the mark is
 * lowered to NEWEST. Nothing with HW or HW->dir NULL. Returns 0, or -1
 * with an error naming the volume, both ids and --allow-rollback. */
int ox_rollback_check (struct ox_store *st, const struct ox_keys *k,
                       const struct ox_highwater *hw, const char *volume,
                       uint64_t newest)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* Set the high-water mark of VOLUME under HW (NULL or no dir: nothing) to
 * SNAP_ID, a snapshot just published to ST: raised, or lowered when SNAP_ID
 * is below the mark and forget records in ST account for the gap. Returns
 * 0 or -1. */
int ox_highwater_published (struct ox_store *st, const struct ox_keys *k,
                            const struct ox_highwater *hw, const char *volume,
                            uint64_t snap_id)
    __attribute__ ((__nonnull__ (1, 2, 4)));

/* Read the forget record of VOLUME@SNAP_ID and check its MAC under K into
 * *BEFORE. Returns 0, or -1 (errno ENOENT, unreported, if absent; a record
 * that does not authenticate is reported, errno EINVAL). */
int ox_forget_record_get (struct ox_store *st, const struct ox_keys *k,
                          const char *volume, uint64_t snap_id,
                          uint64_t *before) __attribute__ ((__nonnull__));

/* Point tag TAG of VOLUME at SNAP_ID (creates or replaces), with its MAC
 * under K (FORMAT.md 7). */
int ox_tag_put (struct ox_store *st, const struct ox_keys *k,
                const char *volume, const char *tag, uint64_t snap_id);

/* Read tag TAG of VOLUME and check its MAC under K: a tag that does not
 * authenticate, or has no MAC in an encrypted store, is an error. Returns
 * 0, or -1 (errno ENOENT if absent, not reported). */
int ox_tag_get (struct ox_store *st, const struct ox_keys *k,
                const char *volume, const char *tag, uint64_t *snap_id);

/* The tags of a volume: NAMES[i] names snapshot IDS[i]. */
struct ox_tag_list {
  char **names;
  uint64_t *ids;
  size_t n;
};

/* List the tags of VOLUME into *OUT (names ascending), skipping a damaged
 * one with a warning. Returns 0, or -1 with an error (*OUT then empty). */
int ox_tag_list (struct ox_store *st, const struct ox_keys *k,
                 const char *volume, struct ox_tag_list *out)
    __attribute__ ((__nonnull__));

/* Free what ox_tag_list put into L (and empty it). */
void ox_tag_list_free (struct ox_tag_list *l) __attribute__ ((__nonnull__));

/* Delete tag TAG of VOLUME. Returns 0, or -1 (errno ENOENT, unreported,
 * if absent). */
int ox_tag_del (struct ox_store *st, const char *volume, const char *tag)
    __attribute__ ((__nonnull__));

/* Forget snapshot VOLUME@SNAP_ID: write its forget record (MAC'd under K,
 * naming the newest snapshot below it, docs/FORMAT.md 7.1), then delete its
 * root, so that it is no longer listed or readable; its id reservation
 * stays (an id is never reused, docs/FORMAT.md 6.3) and its data is left
 * to garbage collection. Tags are the caller's (ox_tag_del). Returns 0, or
 * -1 (errno ENOENT, unreported, if there is no such root). */
int ox_snapshot_forget (struct ox_store *st, const struct ox_keys *k,
                        const char *volume, uint64_t snap_id)
    __attribute__ ((__nonnull__));

#endif
