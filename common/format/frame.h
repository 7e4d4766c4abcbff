/* ox: frames, the stored form of a chunk (docs/FORMAT.md, section 4).
 *
 * A frame is a compressed, then encrypted (or checksummed) chunk. Encoding
 * and decoding need a per-thread struct ox_codec holding zstd contexts.
 */
#ifndef OX_FRAME_H
#define OX_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define OX_FRAME_HEADER_LEN 16
#define OX_FRAME_NONCE_LEN 12
#define OX_FRAME_TAG_LEN 16
#define OX_FRAME_CHECK_LEN 8
#define OX_FRAME_MAX_PLAIN (64u << 20)

/* Per-thread compression and decompression state. */
struct ox_codec;

/* Create a codec that compresses at zstd LEVEL (1..19; 0 = default 1). */
struct ox_codec *ox_codec_new (int level);

/* Free a codec (NULL is fine). */
void ox_codec_free (struct ox_codec *c);

/* Largest frame that a plaintext of PLAIN_LEN bytes can encode to. */
size_t ox_frame_bound (size_t plain_len);

/* Encode PLAIN (PLAIN_LEN bytes, whose id is ID) into OUT, which holds
 * OUT_CAP >= ox_frame_bound(PLAIN_LEN) bytes. Sets *OUT_LEN to the frame
 * length. Returns 0, or -1 with an error. */
int ox_frame_encode (struct ox_codec *c, const struct ox_keys *k,
                     const uint8_t id[OX_ID_LEN], const void *plain,
                     size_t plain_len, void *out, size_t out_cap,
                     size_t *out_len)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 6, 8)));

/* Read the plaintext length from a frame header (at least 16 bytes).
 * Returns the length, or -1 (and sets *WHY) when the header is invalid. */
int64_t ox_frame_plain_len (const void *frame, size_t frame_len,
                            const char **why);

/* Decode FRAME (FRAME_LEN bytes) that must hold the chunk whose id is ID,
 * into PLAIN (PLAIN_CAP bytes). Verifies the header, the AEAD tag or the
 * XXH3 check, the decompressed length, and ID(plaintext) == ID. Sets
 * *PLAIN_LEN. On failure returns -1 and sets *WHY to a static description
 * ("authentication failed", "chunk id mismatch", ...) WITHOUT reporting an
 * error: the caller names the object and chunk in its own message. */
int ox_frame_decode (struct ox_codec *c, const struct ox_keys *k,
                     const uint8_t id[OX_ID_LEN], const void *frame,
                     size_t frame_len, void *plain, size_t plain_cap,
                     size_t *plain_len, const char **why)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 6, 8, 9)));

#endif
