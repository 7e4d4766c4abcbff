/* ox: the bytes of a read trace, volumes/VOL/traces/<snapshot id>
 * (docs/FORMAT.md, section 9): "OXTRACE2", the id of the body, then the
 * body as a frame (encrypted and authenticated in an encrypted store,
 * checksummed in a plain one). The body is the snapshot id, the volume's
 * number of chunks, a count, and that many chunk indices in the order a
 * clone first missed them. Pure: no store I/O (plugin/trace.c puts and
 * gets the object).
 *
 * The parsers are strict and report nothing: a trace only orders
 * prefetching, so its readers ignore a bad one with a warning. They
 * return -1 with errno EINVAL and *WHY set to a static description.
 */
#ifndef OX_TRACEFMT_H
#define OX_TRACEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "keys.h"

#define OX_TRACE_MAGIC "OXTRACE2"
#define OX_TRACE_PREFIX (8 + OX_ID_LEN) /* the magic, then the body's id */
#define OX_TRACE_BODY_HEADER 24
#define OX_TRACE_MAX_CHUNKS 65536 /* chunks a trace holds at most */

/* Bytes of the body of a trace of COUNT chunks. */
static inline size_t
ox_trace_body_len (size_t count)
{
  return OX_TRACE_BODY_HEADER + 8 * count;
}

/* Bytes that the object of a trace of COUNT chunks takes at most. */
size_t ox_trace_bound (size_t count);

/* Write the body of the trace of snapshot SNAPSHOT_ID of a volume of
 * NCHUNKS chunks, listing the COUNT (<= OX_TRACE_MAX_CHUNKS) indices at
 * CHUNKS, into OUT (ox_trace_body_len (COUNT) bytes). */
void ox_trace_body_format (uint64_t snapshot_id, uint64_t nchunks,
                           const uint64_t *chunks, uint32_t count, void *out)
    __attribute__ ((__nonnull__ (5)));

/* Parse the body BODY of LEN bytes of a trace that must be of snapshot
 * SNAPSHOT_ID with NCHUNKS chunks: checks the length against the count
 * (at most OX_TRACE_MAX_CHUNKS), the zero field, the snapshot id and the
 * number of chunks. Sets *COUNT to the number of indices, which follow
 * the header (OX_TRACE_BODY_HEADER bytes) as little-endian u64. Returns 0,
 * or -1 (EINVAL, *WHY). */
int ox_trace_body_parse (const void *body, size_t len, uint64_t snapshot_id,
                         uint64_t nchunks, uint32_t *count, const char **why)
    __attribute__ ((__nonnull__ (1, 5, 6)));

/* Seal the trace of snapshot SNAPSHOT_ID of a volume of NCHUNKS chunks,
 * listing COUNT (<= OX_TRACE_MAX_CHUNKS) indices at CHUNKS, with keys K
 * (codec C) into OUT, which holds OUT_CAP >= ox_trace_bound (COUNT)
 * bytes; sets *OUT_LEN. Returns 0, or -1 with an error (reported). */
int ox_trace_format (struct ox_codec *c, const struct ox_keys *k,
                     uint64_t snapshot_id, uint64_t nchunks,
                     const uint64_t *chunks, uint32_t count, void *out,
                     size_t out_cap, size_t *out_len)
    __attribute__ ((__nonnull__ (1, 2, 7, 9)));

/* Parse the trace object OBJ of LEN bytes, sealed with keys K (codec C),
 * that must be of snapshot SNAPSHOT_ID with NCHUNKS chunks: checks the
 * magic, decodes and verifies the frame against the id that precedes it,
 * and checks the body (ox_trace_body_parse). Sets *CHUNKS to a malloc'd
 * array of the *N indices below NCHUNKS, in order (others are skipped),
 * or NULL when there is none. Returns 0, or -1 with errno: EINVAL (not a
 * valid trace of this snapshot, *WHY says why; not reported) or ENOMEM
 * (reported). */
int ox_trace_parse (struct ox_codec *c, const struct ox_keys *k,
                    const void *obj, size_t len, uint64_t snapshot_id,
                    uint64_t nchunks, uint64_t **chunks, size_t *n,
                    const char **why)
    __attribute__ ((__nonnull__ (1, 2, 3, 7, 8, 9)));

#endif
