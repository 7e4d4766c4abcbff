/* ox: resuming interrupted snapshots (docs/FORMAT.md 6.4). A writer marks
 * each segment once it is durable with a small object under
 * volumes/VOL/partial/ID/; a later snapshot of the volume finds the marked
 * segments of snapshots that never published a root and references their
 * frames instead of uploading them again. Markers are removed once their
 * snapshot is published, or once a later snapshot has taken their frames
 * over. */
#ifndef OX_RESUME_H
#define OX_RESUME_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "segment.h"
#include "store.h"

/* Mark segment SEG_ID of snapshot SNAP_ID of VOLUME as durable (call only
 * after the segment's put returned). Returns 0 or -1. */
int ox_resume_mark (struct ox_store *st, const char *volume, uint64_t snap_id,
                    const uint8_t seg_id[OX_SEGMENT_ID_LEN])
    __attribute__ ((__nonnull__));

/* Called for each usable segment index found; return 0 or -1 (stop). */
typedef int ox_resume_fn (void *opaque, const struct ox_segment_index *idx);

/* What ox_resume_find found: the ids of the interrupted snapshots whose
 * segments it handed over, and how many segments. */
struct ox_resume_set {
  uint64_t *ids;
  size_t nids;
  size_t nsegments; /* segments handed to the callback */
};

/* Find the interrupted snapshots of VOLUME (not SELF) and hand the index
 * of each of their marked segments to FN. A marked segment that is
 * missing, damaged or not of that snapshot and volume is passed over with a
 * warning (resuming is an optimisation; it never fails a snapshot). Sets
 * SET (free with ox_resume_set_free). Returns 0, or -1 when listing the
 * markers fails or FN fails. */
int ox_resume_find (struct ox_store *st, const struct ox_keys *k,
                    const char *volume, uint64_t self, ox_resume_fn *fn,
                    void *opaque, struct ox_resume_set *set)
    __attribute__ ((__nonnull__ (1, 2, 3, 5, 7)));

/* Remove the markers of snapshot SNAP_ID of VOLUME (best effort: a failure
 * is a warning; stale markers only cost a later snapshot a lookup). */
void ox_resume_forget (struct ox_store *st, const char *volume,
                       uint64_t snap_id) __attribute__ ((__nonnull__));

/* Free what SET holds. */
void ox_resume_set_free (struct ox_resume_set *set)
    __attribute__ ((__nonnull__));

#endif
