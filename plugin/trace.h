/* ox: read traces: the order in which a clone first missed chunks (e.g.
 * while its guest booted), recorded with record-trace=on and stored beside
 * the snapshot as volumes/VOL/traces/<snapshot id>, so that a later clone
 * of the same snapshot hydrates those chunks first, in that order.
 *
 * The object's bytes are common/format/tracefmt.h (docs/FORMAT.md,
 * section 9); this module records the misses and puts and gets the object.
 * A trace that fails to decode or does not fit the snapshot is ignored
 * with a warning: it only orders prefetching.
 */
#ifndef OX_TRACE_H
#define OX_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "store.h"
#include "tracefmt.h"

struct trace;

/* Chunks a trace holds at most. */
#define TRACE_MAX_CHUNKS OX_TRACE_MAX_CHUNKS

/* A recorder of the first MAX (<= TRACE_MAX_CHUNKS) distinct chunks
 * missed, of NCHUNKS. Returns NULL on ENOMEM. */
struct trace *trace_new (uint64_t nchunks, uint32_t max);

/* Record a demand miss of chunk CH (thread-safe; repeats are ignored). */
void trace_note (struct trace *t, uint64_t ch)
    __attribute__ ((__nonnull__ (1)));

/* Number of chunks recorded. */
uint32_t trace_count (struct trace *t) __attribute__ ((__nonnull__ (1)));

/* Store the trace for snapshot SNAPSHOT_ID of VOLUME (replacing an older
 * one), sealed with the store's keys K. Returns 0 or -1. */
int trace_save (struct trace *t, struct ox_store *st, const struct ox_keys *k,
                const char *volume, uint64_t snapshot_id)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

/* Free a recorder (NULL is fine). */
void trace_free (struct trace *t);

/* Load and verify (keys K) the trace of snapshot SNAPSHOT_ID of VOLUME
 * (NCHUNKS chunks) into a malloc'd *CHUNKS of *N entries (*N = 0, *CHUNKS
 * = NULL when there is none, or it fails to verify or does not fit: then
 * with a warning). Returns 0, or -1 when the store fails. */
int trace_load (struct ox_store *st, const struct ox_keys *k,
                const char *volume, uint64_t snapshot_id, uint64_t nchunks,
                uint64_t **chunks, size_t *n)
    __attribute__ ((__nonnull__ (1, 2, 3, 6, 7)));

#endif
