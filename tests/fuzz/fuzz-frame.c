/* Fuzz frames: ox_frame_plain_len and ox_frame_decode (docs/FORMAT.md 4).
 *
 * Input: mode byte (fuzz.h; bit 2 = round trip), then
 *   decode mode:     chunk id (32 bytes) || frame
 *   round-trip mode: a plaintext, encoded then decoded; must come back.
 * FUZZ_FIXUP recomputes the XXH3 check of a plain frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "frame.h"
#include "fuzz.h"
#include "le.h"

#define ROUNDTRIP 4u
#define MAX_PLAIN (1u << 20) /* keep executions fast */

static struct ox_codec *codec;

static void
write_seeds (const char *dir)
{
  static const char *texts[] = { "a", "hello, frames", NULL };
  uint8_t *plain = calloc (1, 65536), *frame, *seed;
  size_t cap = ox_frame_bound (65536), len, n = 0;
  char name[64];

  frame = malloc (cap);
  seed = malloc (OX_ID_LEN + cap);
  for (int i = 1024; i < 65536; i++)
    plain[i] = (uint8_t)(i * 7 + (i >> 9)); /* compressible, not zero */
  for (int enc = 0; enc < 2; enc++) {
    const struct ox_keys *k = fuzz_keys (enc);
    size_t sizes[] = { 1, 100, 4096, 64000 };
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
      ox_chunk_id (k, plain + 1000, sizes[s], seed);
      if (ox_frame_encode (codec, k, seed, plain + 1000, sizes[s],
                           seed + OX_ID_LEN, cap, &len)
          == -1)
        abort ();
      snprintf (name, sizeof name, "frame-%zu", n++);
      fuzz_write_seed (dir, name, enc | FUZZ_FIXUP, seed, OX_ID_LEN + len);
      snprintf (name, sizeof name, "frame-%zu", n++);
      fuzz_write_seed (dir, name, enc, seed, OX_ID_LEN + len);
    }
    for (int t = 0; texts[t]; t++) {
      snprintf (name, sizeof name, "roundtrip-%zu", n++);
      fuzz_write_seed (dir, name, enc | ROUNDTRIP, texts[t],
                       strlen (texts[t]));
    }
  }
  free (plain);
  free (frame);
  free (seed);
}

FUZZ_INITIALIZE_CODEC (write_seeds, codec)

/* Encode then decode PLAIN: the only outcome allowed is the same bytes. */
static void
roundtrip (const struct ox_keys *k, const uint8_t *plain, size_t len)
{
  uint8_t id[OX_ID_LEN];
  size_t cap = ox_frame_bound (len), flen, got;
  uint8_t *frame = malloc (cap), *back = malloc (len ? len : 1);
  const char *why;

  ox_chunk_id (k, plain, len, id);
  if (ox_frame_encode (codec, k, id, plain, len, frame, cap, &flen) == -1)
    abort ();
  if (ox_frame_plain_len (frame, flen, &why) != (int64_t)len)
    abort ();
  if (ox_frame_decode (codec, k, id, frame, flen, back, len, &got, &why) == -1
      || got != len || (len && memcmp (back, plain, len) != 0))
    abort ();
  free (frame);
  free (back);
}

static void
decode (const struct ox_keys *k, const uint8_t *id, uint8_t *frame, size_t len,
        int fixup)
{
  const char *why = NULL;
  int64_t plain_len;
  size_t cap, got;
  uint8_t *plain, check[OX_ID_LEN];

  if (fixup && !k->encrypted && len >= OX_FRAME_HEADER_LEN + 8)
    put_le64 (frame + len - 8, XXH3_64bits (frame, len - 8));
  plain_len = ox_frame_plain_len (frame, len, &why);
  if (plain_len < 0 && why == NULL)
    abort ();
  cap = plain_len >= 0 && plain_len <= MAX_PLAIN ? (size_t)plain_len : 4096;
  plain = malloc (cap ? cap : 1);
  if (ox_frame_decode (codec, k, id, frame, len, plain, cap, &got, &why)
      == 0) {
    /* Whatever decodes must be exactly the chunk it claims to be. */
    ox_chunk_id (k, plain, got, check);
    if (got > cap || got != (uint64_t)plain_len
        || memcmp (check, id, OX_ID_LEN) != 0)
      abort ();
  } else if (why == NULL)
    abort ();
  free (plain);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const struct ox_keys *k;
  uint8_t *copy;

  if (size < 1)
    return 0;
  k = fuzz_keys (data[0] & FUZZ_ENCRYPTED);
  if (data[0] & ROUNDTRIP) {
    if (size > 1 && size - 1 <= MAX_PLAIN) { /* frames hold 1 byte or more */
      copy = fuzz_dup (data + 1, size - 1);
      roundtrip (k, copy, size - 1);
      free (copy);
    }
    return 0;
  }
  if (size < 1 + OX_ID_LEN)
    return 0;
  copy = fuzz_dup (data + 1 + OX_ID_LEN, size - 1 - OX_ID_LEN);
  decode (k, data + 1, copy, size - 1 - OX_ID_LEN, data[0] & FUZZ_FIXUP);
  free (copy);
  return 0;
}
