/* ox fuzzing: fixed keys, a quiet log and seed files (see fuzz-format.h);
 * the in-memory store is fuzz-memstore.c. */
#include "fuzz-format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

const uint8_t fuzz_key_file_bytes[32]
    = { 0x6f, 0x78, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x20, 0x6b, 0x65, 0x79,
        0x20, 0x66, 0x69, 0x6c, 0x65, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
        0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };

static const uint8_t store_id[OX_STORE_ID_LEN]
    = { 0x5e, 0xed, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

const struct ox_keys *
fuzz_keys (int encrypted)
{
  static struct ox_keys keys[2];
  static int ready;

  if (!ready) {
    uint8_t master[OX_MASTER_KEY_LEN];
    memset (master, 1, sizeof master);
    ox_keys_init_plain (&keys[0], store_id);
    if (ox_keys_init_encrypted (&keys[1], store_id, master) == -1)
      abort ();
    ready = 1;
  }
  return &keys[!!encrypted];
}

/* Parsers of untrusted bytes report what they reject: that is expected
 * here, and printing it would drown libFuzzer's own output. */
static void
quiet (enum ox_log_level level, const char *msg)
{
  (void)level;
  (void)msg;
}

void
fuzz_init (void (*write_seeds) (const char *dir))
{
  const char *dir = getenv ("OX_FUZZ_SEEDS");

  if (getenv ("OX_FUZZ_VERBOSE") == NULL) /* to see why an input fails */
    ox_log_set_handler (quiet);
  fuzz_keys (0);
  if (dir == NULL || !write_seeds)
    return;
  if (mkdir (dir, 0755) == -1 && errno != EEXIST) {
    perror (dir);
    exit (1);
  }
  write_seeds (dir);
  exit (0);
}

void
fuzz_write_seed (const char *dir, const char *name, uint8_t mode,
                 const void *data, size_t len)
{
  char path[4096];
  FILE *f;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  f = fopen (path, "wb");
  if (f == NULL || fputc (mode, f) == EOF
      || (len && fwrite (data, 1, len, f) != len) || fclose (f) == EOF) {
    perror (path);
    exit (1);
  }
}

uint8_t *
fuzz_dup (const void *data, size_t len)
{
  uint8_t *p = malloc (len ? len : 1);

  if (p == NULL)
    abort ();
  if (len)
    memcpy (p, data, len);
  return p;
}
