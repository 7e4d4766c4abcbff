/* Fuzz read traces: ox_trace_parse and ox_trace_body_parse
 * (common/format/tracefmt.c, docs/FORMAT.md 9), for snapshot 0x1234 with
 * 1000 chunks. Input: mode byte (bit 2 = the rest is a trace body, sealed
 * as ox_trace_format does before parsing, to reach the body checks), then
 * the object or body. FUZZ_FIXUP recomputes the XXH3 check of a plain
 * frame. A trace that parses must give indices below 1000, in the body's
 * order; one that does not must say why and give nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "frame.h"
#include "fuzz-format.h"
#include "le.h"
#include "tracefmt.h"

#define BODY 4u
#define SNAP 0x1234
#define NCHUNKS 1000

static struct ox_codec *codec;

static void
write_seeds (const char *dir)
{
  static const uint64_t chunks[] = { 5, 999, 0, 17, 1000, 3 };
  uint8_t body[24 + 8 * 4];
  uint64_t quarter[4];

  for (int enc = 0; enc < 2; enc++) {
    size_t cap = ox_trace_bound (6), len;
    uint8_t *obj = malloc (cap);
    if (obj == NULL
        || ox_trace_format (codec, fuzz_keys (enc), SNAP, NCHUNKS, chunks, 6,
                            obj, cap, &len)
               == -1)
      abort ();
    fuzz_write_seed (dir, enc ? "saved-1" : "saved-0", enc | FUZZ_FIXUP, obj,
                     len);
    free (obj);
  }
  for (int i = 0; i < 4; i++)
    quarter[i] = i * 300;
  ox_trace_body_format (SNAP, NCHUNKS, quarter, 4, body);
  fuzz_write_seed (dir, "body-0", BODY, body, sizeof body);
  fuzz_write_seed (dir, "body-1", BODY | FUZZ_ENCRYPTED, body, sizeof body);
}

FUZZ_INITIALIZE_CODEC (write_seeds, codec)

/* The object ox_trace_format would make of body P of LEN bytes. */
static uint8_t *
seal (const struct ox_keys *k, const uint8_t *p, size_t len, size_t *out_len)
{
  size_t cap = OX_TRACE_PREFIX + ox_frame_bound (len), flen;
  uint8_t *obj = malloc (cap);

  if (obj == NULL)
    abort ();
  memcpy (obj, OX_TRACE_MAGIC, 8);
  ox_chunk_id (k, p, len, obj + 8);
  if (ox_frame_encode (codec, k, obj + 8, p, len, obj + OX_TRACE_PREFIX,
                       cap - OX_TRACE_PREFIX, &flen)
      == -1)
    abort ();
  *out_len = OX_TRACE_PREFIX + flen;
  return obj;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const struct ox_keys *k;
  const char *why = NULL;
  uint64_t *chunks;
  uint8_t *obj, *body = NULL;
  size_t len, n;
  uint32_t count = 0;
  int r, body_ok = -1;

  if (size < 1 || ((data[0] & BODY) && size < 2))
    return 0;
  k = fuzz_keys (data[0] & FUZZ_ENCRYPTED);
  if (data[0] & BODY) {
    body = fuzz_dup (data + 1, size - 1);
    body_ok
        = ox_trace_body_parse (body, size - 1, SNAP, NCHUNKS, &count, &why);
    if (body_ok == 0
        && (count > OX_TRACE_MAX_CHUNKS
            || size - 1 != ox_trace_body_len (count)))
      abort ();
    obj = seal (k, body, size - 1, &len);
  } else {
    len = size - 1;
    obj = fuzz_dup (data + 1, len);
    if ((data[0] & FUZZ_FIXUP) && !k->encrypted && len >= OX_TRACE_PREFIX + 24)
      put_le64 (obj + len - 8, XXH3_64bits (obj + OX_TRACE_PREFIX,
                                            len - OX_TRACE_PREFIX - 8));
  }
  why = NULL;
  r = ox_trace_parse (codec, k, obj, len, SNAP, NCHUNKS, &chunks, &n, &why);
  if (r == 0) {
    if ((n == 0) != (chunks == NULL))
      abort ();
    for (size_t i = 0; i < n; i++)
      if (chunks[i] >= NCHUNKS)
        abort ();
    if (body) {
      /* The indices below NCHUNKS, in the body's order. */
      size_t j = 0;
      if (body_ok != 0)
        abort ();
      for (uint32_t i = 0; i < count; i++) {
        uint64_t ch = get_le64 (body + OX_TRACE_BODY_HEADER + 8 * (size_t)i);
        if (ch < NCHUNKS && (j >= n || chunks[j++] != ch))
          abort ();
      }
      if (j != n)
        abort ();
    }
  } else if (errno != EINVAL || why == NULL || chunks != NULL || n != 0
             || (body && body_ok == 0))
    abort (); /* a bad trace is refused with a reason, and gives nothing */
  free (chunks);
  free (obj);
  free (body);
  return 0;
}
