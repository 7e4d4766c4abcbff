/* Fuzz read traces: trace_load of an object in a store (plugin/trace.c,
 * docs/FORMAT.md 9), for snapshot 0x1234 of "vol" with 1000 chunks.
 * Input: mode byte (bit 2 = the rest is a trace body, sealed as trace_save
 * does before loading, to reach the body checks), then the object or body.
 * FUZZ_FIXUP recomputes the XXH3 check of a plain frame.
 */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "frame.h"
#include "fuzz.h"
#include "le.h"
#include "trace.h"

#define BODY 4u
#define SNAP 0x1234
#define NCHUNKS 1000
#define KEY "volumes/vol/traces/0000000000001234"
#define PREFIX (8 + OX_ID_LEN)

static struct ox_codec *codec;

static void
write_seeds (const char *dir)
{
  static const uint64_t chunks[] = { 5, 999, 0, 17, 5, 1000, 3 };
  uint8_t body[24 + 8 * 4];
  const uint8_t *data;
  size_t len;

  for (int enc = 0; enc < 2; enc++) {
    struct ox_store *st = fuzz_memstore_new ();
    struct trace *t = trace_new (NCHUNKS, 100);
    for (size_t i = 0; i < sizeof chunks / sizeof *chunks; i++)
      trace_note (t, chunks[i]);
    if (trace_save (t, st, fuzz_keys (enc), "vol", SNAP) == -1
        || (data = fuzz_memstore_peek (st, KEY, &len)) == NULL)
      abort ();
    fuzz_write_seed (dir, enc ? "saved-1" : "saved-0", enc | FUZZ_FIXUP, data,
                     len);
    trace_free (t);
    ox_store_close (st);
  }
  put_le64 (body, SNAP);
  put_le64 (body + 8, NCHUNKS);
  put_le32 (body + 16, 4);
  put_le32 (body + 20, 0);
  for (int i = 0; i < 4; i++)
    put_le64 (body + 24 + 8 * i, i * 300);
  fuzz_write_seed (dir, "body-0", BODY, body, sizeof body);
  fuzz_write_seed (dir, "body-1", BODY | FUZZ_ENCRYPTED, body, sizeof body);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  codec = ox_codec_new (1);
  if (codec == NULL)
    abort ();
  fuzz_init (write_seeds);
  return 0;
}

/* The object trace_save would store for body P of LEN bytes. */
static uint8_t *
seal (const struct ox_keys *k, const uint8_t *p, size_t len, size_t *out_len)
{
  size_t cap = PREFIX + ox_frame_bound (len), flen;
  uint8_t *obj = malloc (cap);

  memcpy (obj, "OXTRACE2", 8);
  ox_chunk_id (k, p, len, obj + 8);
  if (ox_frame_encode (codec, k, obj + 8, p, len, obj + PREFIX, cap - PREFIX,
                       &flen)
      == -1)
    abort ();
  *out_len = PREFIX + flen;
  return obj;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const struct ox_keys *k;
  struct ox_store *st;
  uint64_t *chunks;
  uint8_t *obj;
  size_t len, n;

  if (size < 1 || ((data[0] & BODY) && size < 2))
    return 0;
  k = fuzz_keys (data[0] & FUZZ_ENCRYPTED);
  if (data[0] & BODY)
    obj = seal (k, data + 1, size - 1, &len);
  else {
    len = size - 1;
    obj = fuzz_dup (data + 1, len);
    if ((data[0] & FUZZ_FIXUP) && !k->encrypted && len >= PREFIX + 24)
      put_le64 (obj + len - 8, XXH3_64bits (obj + PREFIX, len - PREFIX - 8));
  }
  st = fuzz_memstore_new ();
  fuzz_memstore_set (st, KEY, obj, len);
  if (trace_load (st, k, "vol", SNAP, NCHUNKS, &chunks, &n) != 0)
    abort (); /* the store did not fail: a bad trace is only ignored */
  if ((n == 0) != (chunks == NULL))
    abort ();
  for (size_t i = 0; i < n; i++)
    if (chunks[i] >= NCHUNKS)
      abort ();
  free (chunks);
  ox_store_close (st);
  free (obj);
  return 0;
}
