/* tests/unit/snapshot: what the tests of the oxsnap commands share (a
 * header only: every test-*.c here is its own program). A command runs
 * in-process with its stdout and stderr in temporary files, so that a test
 * asserts the exact lines; ox_error goes to the test library's capture. */
#ifndef OX_CMDTEST_H
#define OX_CMDTEST_H

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fixture.h"
#include "objects.h"
#include "testlib.h"

/* A redirected file descriptor: FD writes into TMP until capture_end. */
struct capture {
  int fd, saved;
  FILE *tmp;
};

/* Send what FD (1 or 2) writes to a temporary file, and stdio's stream of
 * it too (flushed first, so nothing earlier lands in the capture). */
static inline void
capture_start (struct capture *cap, int fd)
{
  fflush (fd == 1 ? stdout : stderr);
  cap->fd = fd;
  cap->tmp = tmpfile ();
  CHECK (cap->tmp != NULL);
  cap->saved = dup (fd);
  CHECK (cap->saved >= 0);
  CHECK (dup2 (fileno (cap->tmp), fd) == fd);
}

/* Restore the descriptor and return what was written to it (malloc'd,
 * NUL-terminated). */
static inline char *
capture_end (struct capture *cap)
{
  char *buf;
  long n;

  fflush (cap->fd == 1 ? stdout : stderr);
  CHECK (dup2 (cap->saved, cap->fd) == cap->fd);
  close (cap->saved);
  n = ftell (cap->tmp);
  CHECK (n >= 0);
  buf = malloc ((size_t)n + 1);
  CHECK (buf != NULL);
  rewind (cap->tmp);
  CHECK (fread (buf, 1, (size_t)n, cap->tmp) == (size_t)n);
  buf[n] = '\0';
  fclose (cap->tmp);
  return buf;
}

/* Options as oxsnap starts with them, progress off (stderr is captured). */
static inline void
cmd_options (struct cli *c)
{
  cli_init (c);
  c->progress = 0;
}

typedef int cmd_fn (struct cli *, int, char **);

/* Run FN with C and the positional arguments that follow (NULL-ended, at
 * most CLI_MAX_ARGS), as oxsnap's main does (then closing the store); put
 * its stdout and stderr into *OUT and *ERR (malloc'd; either may be NULL:
 * not kept) and return its exit status. The log counts are reset first. */
static inline int
run_cmd (cmd_fn *fn, struct cli *c, char **out, char **err, ...)
{
  char *argv[CLI_MAX_ARGS];
  struct capture co, ce;
  int argc = 0, r;
  char *o, *e;
  va_list ap;

  va_start (ap, err);
  while ((argv[argc] = va_arg (ap, char *)) != NULL)
    CHECK (++argc < CLI_MAX_ARGS);
  va_end (ap);
  ox_test_reset_log ();
  capture_start (&co, 1);
  capture_start (&ce, 2);
  r = fn (c, argc, argv);
  e = capture_end (&ce);
  o = capture_end (&co);
  cli_close_store (c);
  if (out)
    *out = o;
  else
    free (o);
  if (err)
    *err = e;
  else
    free (e);
  return r;
}

/* Fail unless the strings GOT and WANT are equal, showing both. */
#define CHECK_STR(got, want)                                                  \
  do {                                                                        \
    const char *g_ = (got), *w_ = (want);                                     \
    if (strcmp (g_, w_) != 0) {                                               \
      fprintf (stderr, "%s:%d: check failed: %s ==\n[%s]\nnot\n[%s]\n",       \
               __FILE__, __LINE__, #got, g_, w_);                             \
      exit (1);                                                               \
    }                                                                         \
  } while (0)

/* A UTC time as oxsnap prints it ("2026-01-02T03:04:05Z"), in BUF. */
static inline const char *
utc_time (uint64_t t, char *buf, size_t len)
{
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r (&tt, &tm);
  strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/* The test volume: TEST_CHUNKS chunks of TEST_CHUNK bytes of patterned
 * data, of which chunks 2 and 5 are zeros and chunk 7 repeats chunk 0
 * (TEST_DATA_CHUNKS with data, TEST_NEW_CHUNKS of them stored), and a
 * last chunk of TEST_TAIL bytes. */
#define TEST_CHUNK 4096u
#define TEST_CHUNKS 10u
#define TEST_TAIL 1000u
#define TEST_SIZE ((TEST_CHUNKS - 1) * TEST_CHUNK + TEST_TAIL)
#define TEST_DATA_CHUNKS 8u
#define TEST_NEW_CHUNKS 7u

/* The bytes of the test volume (malloc'd, TEST_SIZE), from SEED. */
static inline unsigned char *
test_image (unsigned seed)
{
  unsigned char *p = ox_test_pattern (TEST_SIZE, seed);

  memset (p + 2 * TEST_CHUNK, 0, TEST_CHUNK);
  memset (p + 5 * TEST_CHUNK, 0, TEST_CHUNK);
  memcpy (p + 7 * TEST_CHUNK, p, TEST_CHUNK);
  return p;
}

/* Create a store at DIR (ENCRYPTED: with the key file DIR.key) holding N
 * snapshots of the test volume (seeds 1..N) as VOLUME; their ids into
 * IDS[0..N), ascending. */
static inline void
test_store (const char *dir, int encrypted, const char *volume, int n,
            uint64_t *ids)
{
  struct ox_store *st;
  struct ox_keys keys;

  fixture_store (dir, encrypted, &st, &keys);
  for (int i = 0; i < n; i++) {
    unsigned char *data = test_image ((unsigned)i + 1);
    struct fixture_image img = { .data = data, .size = TEST_SIZE };
    ids[i] = fixture_snapshot (st, &keys, volume, &img, TEST_CHUNK);
    CHECK (i == 0 || ids[i] > ids[i - 1]);
    free (data);
  }
  ox_store_close (st);
  ox_keys_wipe (&keys);
}

/* The root of VOLUME@ID in the store at DIR (KEY_FILE: its key file, or
 * NULL), for the fields that depend on compression (stored bytes). Free
 * with ox_root_free. */
static inline struct ox_root *
test_root (const char *dir, const char *key_file, const char *volume,
           uint64_t id)
{
  struct ox_root *r = NULL;
  struct cli c;

  cmd_options (&c);
  c.key_src.key_file = key_file;
  CHECK (cli_open_store (&c, dir) == 0);
  CHECK (ox_root_get (c.store, &c.keys, volume, id, &r) == 0);
  cli_close_store (&c);
  return r;
}

/* A malloc'd string formatted as by printf. */
static inline char *fmt (const char *f, ...)
    __attribute__ ((__format__ (__printf__, 1, 2)));
static inline char *
fmt (const char *f, ...)
{
  va_list ap;
  char *s;

  va_start (ap, f);
  CHECK (vasprintf (&s, f, ap) >= 0);
  va_end (ap);
  return s;
}

/* The path (malloc'd) of the only object under DIR/SUB/ (objects lie one
 * directory down, as the file:// store fans them out: SUB/xx/NAME). */
static inline char *
only_object (const char *dir, const char *sub)
{
  char *top = fmt ("%s/%s", dir, sub), *found = NULL;
  DIR *d = opendir (top), *d2;
  struct dirent *e, *e2;

  CHECK (d != NULL);
  while ((e = readdir (d)) != NULL) {
    char *fan;
    if (e->d_name[0] == '.')
      continue;
    fan = fmt ("%s/%s", top, e->d_name);
    CHECK ((d2 = opendir (fan)) != NULL);
    while ((e2 = readdir (d2)) != NULL)
      if (e2->d_name[0] != '.') {
        CHECK (found == NULL);
        found = fmt ("%s/%s", fan, e2->d_name);
      }
    closedir (d2);
    free (fan);
  }
  closedir (d);
  free (top);
  CHECK (found != NULL);
  return found;
}

/* The stores of the tests of reading commands: under a fresh temporary
 * directory TMP named NAME, PLAIN holding two snapshots of "vol" (IDS)
 * and ENC, encrypted with the key file ENC_KEY, one (ENC_ID); the log is
 * captured quietly. */
struct cmd_stores {
  char *tmp, *plain, *enc, *enc_key;
  uint64_t ids[2], enc_id;
};

/* Make the stores of S as described above. */
static inline void
cmd_stores_make (struct cmd_stores *s, const char *name)
{
  s->tmp = ox_test_tmpdir (name);
  s->plain = fmt ("%s/plain", s->tmp);
  s->enc = fmt ("%s/enc", s->tmp);
  s->enc_key = fmt ("%s.key", s->enc);
  ox_test_capture (0);
  test_store (s->plain, 0, "vol", 2, s->ids);
  test_store (s->enc, 1, "vol", 1, &s->enc_id);
}

/* Remove the stores of S and free its names. */
static inline void
cmd_stores_free (struct cmd_stores *s)
{
  ox_test_rmtree (s->tmp);
  free (s->enc_key);
  free (s->enc);
  free (s->plain);
  free (s->tmp);
}

#endif
