/* ox: the bytes of a read trace (see tracefmt.h and docs/FORMAT.md,
 * section 9). */
#include "tracefmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "le.h"
#include "log.h"

size_t
ox_trace_bound (size_t count)
{
  return OX_TRACE_PREFIX + ox_frame_bound (ox_trace_body_len (count));
}

void
ox_trace_body_format (uint64_t snapshot_id, uint64_t nchunks,
                      const uint64_t *chunks, uint32_t count, void *out)
{
  uint8_t *p = out;

  put_le64 (p, snapshot_id);
  put_le64 (p + 8, nchunks);
  put_le32 (p + 16, count);
  put_le32 (p + 20, 0);
  for (uint32_t i = 0; i < count; i++)
    put_le64 (p + OX_TRACE_BODY_HEADER + 8 * (size_t)i, chunks[i]);
}

int
ox_trace_body_parse (const void *body, size_t len, uint64_t snapshot_id,
                     uint64_t nchunks, uint32_t *count, const char **why)
{
  const uint8_t *p = body;
  uint32_t n;

  errno = EINVAL;
  if (len < OX_TRACE_BODY_HEADER) {
    *why = "body shorter than its header";
    return -1;
  }
  n = get_le32 (p + 16);
  if (n > OX_TRACE_MAX_CHUNKS) {
    *why = "too many chunks";
    return -1;
  }
  if (len != ox_trace_body_len (n)) {
    *why = "bad length";
    return -1;
  }
  if (get_le32 (p + 20) != 0) {
    *why = "reserved field is not zero";
    return -1;
  }
  if (get_le64 (p) != snapshot_id || get_le64 (p + 8) != nchunks) {
    *why = "made for another snapshot or geometry";
    return -1;
  }
  *count = n;
  return 0;
}

int
ox_trace_format (struct ox_codec *c, const struct ox_keys *k,
                 uint64_t snapshot_id, uint64_t nchunks,
                 const uint64_t *chunks, uint32_t count, void *out,
                 size_t out_cap, size_t *out_len)
{
  size_t len = ox_trace_body_len (count), flen;
  uint8_t *obj = out, *body;

  if (count > OX_TRACE_MAX_CHUNKS || out_cap < ox_trace_bound (count)) {
    errno = EINVAL;
    ox_error ("read trace: %u chunks, or %zu bytes of room, are out of "
              "bounds",
              count, out_cap);
    return -1;
  }
  body = malloc (len);
  if (body == NULL) {
    ox_error ("read trace: out of memory");
    return -1;
  }
  ox_trace_body_format (snapshot_id, nchunks, chunks, count, body);
  memcpy (obj, OX_TRACE_MAGIC, 8);
  ox_chunk_id (k, body, len, obj + 8);
  if (ox_frame_encode (c, k, obj + 8, body, len, obj + OX_TRACE_PREFIX,
                       out_cap - OX_TRACE_PREFIX, &flen)
      == -1) {
    free (body);
    return -1;
  }
  free (body);
  *out_len = OX_TRACE_PREFIX + flen;
  return 0;
}

int
ox_trace_parse (struct ox_codec *c, const struct ox_keys *k, const void *obj,
                size_t len, uint64_t snapshot_id, uint64_t nchunks,
                uint64_t **chunks, size_t *n, const char **why)
{
  const uint8_t *o = obj;
  uint8_t *body;
  size_t blen, j = 0;
  int64_t plain;
  uint32_t count;

  *chunks = NULL;
  *n = 0;
  errno = EINVAL;
  if (len < OX_TRACE_PREFIX || memcmp (o, OX_TRACE_MAGIC, 8) != 0) {
    *why = "not a trace";
    return -1;
  }
  plain = ox_frame_plain_len (o + OX_TRACE_PREFIX, len - OX_TRACE_PREFIX, why);
  if (plain < 0)
    return -1;
  /* Bound the allocation before decoding: the header is not yet
   * authenticated. */
  if ((uint64_t)plain < OX_TRACE_BODY_HEADER
      || (uint64_t)plain > ox_trace_body_len (OX_TRACE_MAX_CHUNKS)
      || (plain - OX_TRACE_BODY_HEADER) % 8 != 0) {
    *why = "bad length";
    return -1;
  }
  body = malloc ((size_t)plain);
  if (body == NULL) {
    ox_error ("read trace: out of memory");
    return -1;
  }
  if (ox_frame_decode (c, k, o + 8, o + OX_TRACE_PREFIX, len - OX_TRACE_PREFIX,
                       body, (size_t)plain, &blen, why)
          == -1
      || ox_trace_body_parse (body, blen, snapshot_id, nchunks, &count, why)
             == -1) {
    free (body);
    errno = EINVAL;
    return -1;
  }
  if (count > 0 && (*chunks = malloc ((size_t)count * 8)) == NULL) {
    free (body);
    ox_error ("read trace: out of memory");
    return -1;
  }
  for (uint32_t i = 0; i < count; i++) {
    uint64_t ch = get_le64 (body + OX_TRACE_BODY_HEADER + 8 * (size_t)i);
    if (ch < nchunks) /* out of range: skipped (FORMAT.md 9) */
      (*chunks)[j++] = ch;
  }
  free (body);
  if (j == 0) {
    free (*chunks);
    *chunks = NULL;
  }
  *n = j;
  return 0;
}
