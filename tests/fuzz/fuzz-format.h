/* ox fuzzing: what every libFuzzer harness of tests/fuzz shares, with the
 * format library only (ox_fuzz_format); fuzz.h adds an in-memory store.
 *
 * Every harness reads the first input byte as a mode: bit 0 selects the
 * encrypted (1) or plain (0) fixed keys, bit 1 asks the harness to repair
 * the object's checksum or MAC with those keys before parsing, so that
 * mutations reach the code behind the integrity check. The rest of the
 * input is the object. Seeds are written by the writer code itself: run a
 * harness with OX_FUZZ_SEEDS=DIR and it fills DIR and exits.
 */
#ifndef OX_FUZZ_FORMAT_H
#define OX_FUZZ_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define FUZZ_ENCRYPTED 1u
#define FUZZ_FIXUP 2u

/* libFuzzer's entry points. */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Define LLVMFuzzerInitialize as fuzz_init (WRITE_SEEDS). */
#define FUZZ_INITIALIZE(write_seeds)                                          \
  int LLVMFuzzerInitialize (int *argc, char ***argv)                          \
  {                                                                           \
    fuzz_init (write_seeds);                                                  \
    return 0;                                                                 \
  }

/* The same, making the harness's CODEC (level 1; aborts without memory)
 * first, since WRITE_SEEDS encodes with it. */
#define FUZZ_INITIALIZE_CODEC(write_seeds, codec)                             \
  int LLVMFuzzerInitialize (int *argc, char ***argv)                          \
  {                                                                           \
    if ((codec = ox_codec_new (1)) == NULL)                                   \
      abort ();                                                               \
    fuzz_init (write_seeds);                                                  \
    return 0;                                                                 \
  }

/* The fixed keys: encrypted (master key 0x01...) or plain, same store id. */
const struct ox_keys *fuzz_keys (int encrypted);

/* The fixed 32 raw bytes of the encrypted store's key file. */
extern const uint8_t fuzz_key_file_bytes[32];

/* Silence ox_log (unless OX_FUZZ_VERBOSE is set); call once from
 * LLVMFuzzerInitialize. When OX_FUZZ_SEEDS is set, call WRITE_SEEDS (its
 * value, a directory that is created) and exit instead. */
void fuzz_init (void (*write_seeds) (const char *dir));

/* Write one seed file DIR/NAME holding MODE followed by LEN bytes of DATA;
 * exits on failure. */
void fuzz_write_seed (const char *dir, const char *name, uint8_t mode,
                      const void *data, size_t len);

/* A malloc'd copy of LEN bytes of DATA (never NULL: aborts on ENOMEM), so
 * that a harness may repair it and ASan sees reads past its end. */
uint8_t *fuzz_dup (const void *data, size_t len);

#endif
