/* ox: the local copy-on-write overlay of a clone (docs/FORMAT.md, section 8):
 * its files and the in-memory bitmap; the bytes of the header and the map
 * are common/format/ovformat.h.
 *
 * An overlay directory holds three files:
 *   ox-overlay  a text header pinning the overlay to one snapshot
 *   data        a sparse file of the volume's size holding local blocks
 *   map         a bitmap, one bit per 4 KiB block: 1 = the block is local
 *               (its bytes are in data; a hole there reads as zeros),
 *               0 = the block reads from the snapshot (the basis).
 *
 * Bits only ever go from 0 to 1. The in-memory bitmap is authoritative; the
 * on-disk map is written only by overlay_flush, after the data file is
 * durable, so a bit on disk never points at data that was not synced.
 *
 * The bitmap is lock-free (atomic words): any thread may test bits; a
 * caller sets a block's bit only after its bytes are written, and callers
 * serialise writes of one block among themselves (clone.c does, per
 * chunk). Nothing here knows about nbdkit.
 */
#ifndef OX_OVERLAY_H
#define OX_OVERLAY_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "manifest.h"
#include "ovformat.h"

#define OVERLAY_BLOCK_SHIFT OX_OV_BLOCK_SHIFT
#define OVERLAY_BLOCK_SIZE OX_OV_BLOCK_SIZE

/* What an overlay is pinned to is its header (ovformat.h): struct
 * ox_ovheader, made from a snapshot's root by ox_ovheader_from_root. */

struct overlay;

/* Read the header of the overlay in DIR without opening it. Returns 1 and
 * sets *PIN when DIR holds an overlay, 0 when DIR is missing or holds no
 * overlay yet, -1 with an error (unreadable or corrupt header). */
int overlay_probe (const char *dir, struct ox_ovheader *pin)
    __attribute__ ((__nonnull__ (1, 2)));

/* Open the overlay in DIR pinned to PIN, creating DIR (if its parent
 * exists) and the overlay when absent. Refuses with a clear error: a
 * directory holding other files but no overlay, an overlay pinned to
 * another snapshot, store or geometry, an overlay in use by another
 * process, a corrupt overlay. Returns 0 or -1. */
int overlay_open (const char *dir, const struct ox_ovheader *pin,
                  struct overlay **out)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Close the overlay WITHOUT flushing (NULL is fine): bits set since the
 * last overlay_flush are lost, as after a crash. */
void overlay_close (struct overlay *ov);

/* The overlay's directory (for messages). */
const char *overlay_dir (const struct overlay *ov);

/* The pin the overlay was opened with (complete as in its header). */
const struct ox_ovheader *overlay_get_pin (const struct overlay *ov)
    __attribute__ ((__nonnull__ (1)));

/* True if the header records that every block is local (detached). */
int overlay_complete (const struct overlay *ov)
    __attribute__ ((__nonnull__ (1)));

/* Record in the header that every block is local, after making the data
 * and map durable; refuses (-1) while any block is not local. From then
 * on the overlay opens without the store. Returns 0 or -1. */
int overlay_set_complete (struct overlay *ov)
    __attribute__ ((__nonnull__ (1)));

/* Volume size in bytes and number of blocks (the last may be short). */
uint64_t overlay_size (const struct overlay *ov);
uint64_t overlay_nblocks (const struct overlay *ov);

/* True if block BLK is local. */
int overlay_is_local (const struct overlay *ov, uint64_t blk);

/* Length of the run of blocks starting at BLK, at most MAX, whose state
 * is LOCAL (1 = local, 0 = basis). */
uint64_t overlay_run (const struct overlay *ov, uint64_t blk, uint64_t max,
                      int local);

/* Number of local blocks. */
uint64_t overlay_count_local (const struct overlay *ov);

/* Mark N blocks from BLK local. Call only after their bytes are written
 * (or punched) in the data file. */
void overlay_mark_local (struct overlay *ov, uint64_t blk, uint64_t n);

/* Mark blocks [BLK, BLK+N) written by the client: local, and in the
 * written map (FORMAT.md 8). Call after their data is in the overlay. */
void overlay_mark_written (struct overlay *ov, uint64_t blk, uint64_t n)
    __attribute__ ((__nonnull__));

/* True if block BLK was written by the client (not only hydrated). */
int overlay_is_written (const struct overlay *ov, uint64_t blk)
    __attribute__ ((__nonnull__));

/* Read COUNT bytes at OFFSET of the data file. Returns 0 or -1 (errno). */
int overlay_pread (struct overlay *ov, void *buf, size_t count,
                   uint64_t offset);

/* Write COUNT bytes at OFFSET of the data file. Returns 0 or -1 (errno,
 * e.g. ENOSPC); on failure some of the bytes may have been written. */
int overlay_pwrite (struct overlay *ov, const void *buf, size_t count,
                    uint64_t offset);

/* Like overlay_pwrite, for bulk data not read again soon (hydration):
 * then writes the range back to disk, waits, and drops it from the page
 * cache, so that bulk data neither piles up dirty nor evicts what clients
 * use. A writeback error fails the call and poisons the overlay (every
 * later flush fails). Returns 0 or -1 (errno). */
int overlay_pwrite_bulk (struct overlay *ov, const void *buf, size_t count,
                         uint64_t offset);

/* Make COUNT bytes at OFFSET of the data file read as zeros, punching a
 * hole where the file system can. Returns 0 or -1 (errno). */
int overlay_punch (struct overlay *ov, uint64_t offset, uint64_t count);

/* Describe the data file from OFFSET (below END): sets *ALLOCATED to 0 for
 * a hole, 1 for data, and *LEN to the run's length (at most END-OFFSET).
 * Returns 0 or -1. */
int overlay_alloc_run (struct overlay *ov, uint64_t offset, uint64_t end,
                       int *allocated, uint64_t *len);

/* True if anything was written or marked since the last flush. */
int overlay_dirty (const struct overlay *ov);

/* Make every completed write and mark durable: fsync data, then write
 * the changed map pages, then fdatasync map. After a failed sync every
 * later flush fails too. Returns 0 or -1 (errno EIO). */
int overlay_flush (struct overlay *ov);

#endif
