/* Unit tests for plugin/clone.c on a real file store made by the writer
 * library (tests/lib/fixture.h): the
 * read path, copy-on-read, single-flight fetches, read-modify-write, zero,
 * extents, readahead, and races between copy-on-read and writes. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "basis.h"
#include "clone.h"
#include "hydrate.h"
#include "keys.h"
#include "names.h"
#include "overlay.h"
#include "store.h"
#include "storecfg.h"
#include "clonetest.h"
#include "fixture.h"
#include "test.h"
#include "testlib.h"
#include "storeopen.h"
#include "catalog.h"

#define MiB (1024 * 1024)
#define CHUNK 65536
#define SIZE (8 * MiB + 12288) /* the last chunk is short */
#define BS 4096

static char tmp[1024];
static unsigned char *image; /* the snapshot's bytes */

/* The clone under test and what it is made of. */
static struct clonetest ct;

/* Chunk I of the image: zeros when I % 5 == 2, else random bytes. */
static void
make_image (void)
{
  unsigned seed = 1;

  image = malloc (SIZE);
  CHECK (image != NULL);
  for (size_t i = 0; i < SIZE; i++)
    image[i] = (i / CHUNK) % 5 == 2 ? 0 : rand_r (&seed) >> 7;
}

/* Open the clone of volume "vol" with a fresh overlay DIR. */
static void
open_clone (const char *name, int threads)
{
  struct clone_options co;

  clone_options_default (&co);
  co.flush_interval = 1;
  clonetest_open (&ct, tmp, name, &co);
  CHECK_EQ_INT (clone_size (ct.cl), SIZE);
  if (threads)
    CHECK_EQ_INT (clone_start_threads (ct.cl), 0);
}

static void
close_clone (void)
{
  clonetest_close (&ct);
}

static void
check_range (const unsigned char *model, uint64_t off, uint32_t len)
{
  unsigned char *buf = malloc (len);
  CHECK (buf != NULL);
  CHECK_EQ_INT (clone_pread (ct.cl, NULL, buf, len, off), 0);
  if (memcmp (buf, model + off, len) != 0) {
    fprintf (stderr, "mismatch in %" PRIu64 "+%" PRIu32 "\n", off, len);
    exit (1);
  }
  free (buf);
}

/* Reads, copy-on-read, no fetch for ZERO chunks or aligned writes. */
static void
test_basics (void)
{
  struct clone_stats s;
  unsigned char *model = malloc (SIZE);
  unsigned char blk[BS];

  open_clone ("basic", 0);
  memcpy (model, image, SIZE);

  /* An aligned write into a chunk never read fetches nothing. */
  memset (blk, 'w', BS);
  CHECK_EQ_INT (clone_pwrite (ct.cl, blk, BS, 3 * CHUNK + BS, 0), 0);
  memcpy (model + 3 * CHUNK + BS, blk, BS);
  /* Reading a ZERO chunk fetches nothing either. */
  check_range (model, 2 * CHUNK, CHUNK);
  clone_stats (ct.cl, &s);
  CHECK_EQ_INT (s.fetches, 0);

  /* A read fetches its chunk once and copies it in. */
  check_range (model, 3 * CHUNK, 100);
  check_range (model, 3 * CHUNK, CHUNK);
  clone_stats (ct.cl, &s);
  CHECK_EQ_INT (s.fetches, 1);
  CHECK_EQ_INT (s.copied_blocks, CHUNK / BS - 1); /* not the written one */
  CHECK_EQ_INT (overlay_count_local (ct.ov), CHUNK / BS);

  /* A partial write into a non-local block fetches its chunk. */
  CHECK_EQ_INT (clone_pwrite (ct.cl, "xyz", 3, 5 * CHUNK + 4095, 0), 0);
  memcpy (model + 5 * CHUNK + 4095, "xyz", 3);
  clone_stats (ct.cl, &s);
  CHECK_EQ_INT (s.fetches, 2);
  check_range (model, 5 * CHUNK, CHUNK);
  /* ... but not into a ZERO chunk. */
  CHECK_EQ_INT (clone_pwrite (ct.cl, "abc", 3, 7 * CHUNK + 10, 0), 0);
  memcpy (model + 7 * CHUNK + 10, "abc", 3);
  clone_stats (ct.cl, &s);
  CHECK_EQ_INT (s.fetches, 2);

  /* Zero over several chunks with ragged edges. */
  CHECK_EQ_INT (clone_zero (ct.cl, 3 * CHUNK + 999, 10 * CHUNK + 77, 1), 0);
  memset (model + 10 * CHUNK + 77, 0, 3 * CHUNK + 999);
  check_range (model, 9 * CHUNK, 6 * CHUNK);
  /* The short last chunk and block. */
  CHECK_EQ_INT (clone_pwrite (ct.cl, "end", 3, SIZE - 3, 0), 0);
  memcpy (model + SIZE - 3, "end", 3);
  check_range (model, SIZE - CHUNK, CHUNK);
  CHECK_EQ_INT (clone_cache (ct.cl, 4 * CHUNK, 20 * CHUNK), 0);
  check_range (model, 0, SIZE);
  /* Out of range. */
  CHECK_EQ_INT (clone_pread (ct.cl, NULL, blk, 2, SIZE - 1), -1);
  CHECK_EQ_INT (clone_pwrite (ct.cl, blk, 2, SIZE - 1, 0), -1);
  CHECK_EQ_INT (clone_flush (ct.cl), 0);
  close_clone ();

  /* Reopened: no fetch for what is local. */
  open_clone ("basic", 0);
  check_range (model, 0, 6 * CHUNK);
  clone_stats (ct.cl, &s);
  CHECK_EQ_INT (s.fetches, 0);
  check_range (model, 0, SIZE);
  close_clone ();
  free (model);
}

struct ext {
  uint64_t off, len;
  uint32_t type;
};
static struct ext exts[64];
static int next;

static int
collect (void *opaque, uint64_t off, uint64_t len, uint32_t type)
{
  CHECK (next < 64);
  exts[next++] = (struct ext){ off, len, type };
  return 0;
}

static void
test_extents (void)
{
  const uint32_t HZ = CLONE_EXTENT_HOLE | CLONE_EXTENT_ZERO;

  open_clone ("extents", 0);
  next = 0;
  CHECK_EQ_INT (clone_extents (ct.cl, 5 * CHUNK, 0, 0, collect, NULL), 0);
  CHECK_EQ_INT (next, 3);
  CHECK (exts[0].off == 0 && exts[0].len == 2 * CHUNK && exts[0].type == 0);
  CHECK (exts[1].off == 2 * CHUNK && exts[1].len == CHUNK
         && exts[1].type == HZ);
  CHECK (exts[2].off == 3 * CHUNK && exts[2].len == 2 * CHUNK
         && exts[2].type == 0);
  /* A hole punched in data, data written in a ZERO chunk. */
  CHECK_EQ_INT (clone_zero (ct.cl, 2 * BS, BS, 0), 0);
  CHECK_EQ_INT (clone_pwrite (ct.cl, image, BS, 2 * CHUNK + BS, 0), 0);
  next = 0;
  CHECK_EQ_INT (clone_extents (ct.cl, 3 * CHUNK - 100, 100, 0, collect, NULL),
                0);
  CHECK_EQ_INT (next, 6);
  CHECK (exts[0].off == 100 && exts[0].len == BS - 100 && exts[0].type == 0);
  CHECK (exts[1].off == BS && exts[1].len == 2 * BS && exts[1].type == HZ);
  CHECK (exts[2].off == 3 * BS && exts[2].type == 0);
  CHECK (exts[3].off == 2 * CHUNK && exts[3].len == BS && exts[3].type == HZ);
  CHECK (exts[4].off == 2 * CHUNK + BS && exts[4].len == BS
         && exts[4].type == 0);
  CHECK (exts[5].off == 2 * CHUNK + 2 * BS && exts[5].type == HZ
         && exts[5].off + exts[5].len == 3 * CHUNK);
  /* REQ_ONE: one extent. */
  next = 0;
  CHECK_EQ_INT (clone_extents (ct.cl, 3 * CHUNK, BS + 5, 1, collect, NULL), 0);
  CHECK_EQ_INT (next, 1);
  CHECK (exts[0].off == BS + 5 && exts[0].len == 2 * BS - 5);
  close_clone ();
}

/* ---- concurrency --------------------------------------------------- */

#define WRITERS 3
#define READERS 3

struct worker {
  int id;
  unsigned seed;
  unsigned char *model; /* writers: the blocks they own */
  int ops;              /* writers: writes to make (default 1500) */
  int zeroes;           /* writers: a quarter of them zero instead */
};

/* Writer ID owns the blocks with (block % WRITERS) == ID and writes (or
 * zeroes) them, whole or in part, while chunks are copied in; it checks
 * each write. */
static void *
writer (void *arg)
{
  struct worker *w = arg;
  unsigned char buf[BS], got[BS];

  for (int i = 0; i < (w->ops ? w->ops : 1500); i++) {
    uint64_t blk
        = (rand_r (&w->seed) % (SIZE / BS / WRITERS)) * WRITERS + w->id;
    uint64_t off = blk * BS;
    uint32_t len = BS, skip = 0;

    if (rand_r (&w->seed) % 2) { /* a partial block */
      skip = rand_r (&w->seed) % 2000;
      len = 1 + rand_r (&w->seed) % (BS - skip);
    }
    if (w->zeroes && rand_r (&w->seed) % 4 == 0) {
      CHECK_EQ_INT (clone_zero (ct.cl, len, off + skip, 0), 0);
      memset (w->model + off + skip, 0, len);
    } else {
      for (uint32_t j = 0; j < len; j++)
        buf[j] = rand_r (&w->seed);
      CHECK_EQ_INT (clone_pwrite (ct.cl, buf, len, off + skip, 0), 0);
      memcpy (w->model + off + skip, buf, len);
    }
    CHECK_EQ_INT (clone_pread (ct.cl, NULL, got, BS, off), 0);
    CHECK_MEM (got, w->model + off, BS);
  }
  return NULL;
}

/* Readers read whole chunks (copy-on-read) and check the blocks no writer
 * can touch... there are none, so they only check the read succeeds. */
static void *
reader (void *arg)
{
  struct worker *w = arg;
  struct clone_stream s;
  unsigned char *buf = malloc (2 * CHUNK);

  clone_stream_init (&s);
  for (int i = 0; i < 400; i++) {
    uint64_t ch = rand_r (&w->seed) % (SIZE / CHUNK - 1);
    CHECK_EQ_INT (clone_pread (ct.cl, &s, buf, 2 * CHUNK, ch * CHUNK), 0);
  }
  clone_stream_destroy (&s);
  free (buf);
  return NULL;
}

/* Copy-on-read never lands over a concurrent write. */
static void
test_races (void)
{
  for (int round = 0; round < 6; round++) {
    pthread_t t[WRITERS + READERS];
    struct worker w[WRITERS + READERS];
    unsigned char *model = malloc (SIZE);
    char name[32];

    memcpy (model, image, SIZE);
    snprintf (name, sizeof name, "races%d", round);
    open_clone (name, 1);
    for (int i = 0; i < WRITERS + READERS; i++) {
      w[i] = (struct worker){ .id = i,
                              .seed = 100 * round + i,
                              .model = model };
      CHECK (pthread_create (&t[i], NULL, i < WRITERS ? writer : reader, &w[i])
             == 0);
    }
    for (int i = 0; i < WRITERS + READERS; i++)
      pthread_join (t[i], NULL);
    check_range (model, 0, SIZE);
    CHECK_EQ_INT (clone_flush (ct.cl), 0);
    close_clone ();
    open_clone (name, 0);
    check_range (model, 0, SIZE);
    close_clone ();
    free (model);
  }
}

/* Many threads missing the same chunks fetch each chunk once. */
static void *
same_chunks (void *arg)
{
  unsigned char *buf = malloc (CHUNK);
  for (uint64_t ch = 0; ch < SIZE / CHUNK; ch++) {
    CHECK_EQ_INT (clone_pread (ct.cl, NULL, buf, CHUNK, ch * CHUNK), 0);
    CHECK_MEM (buf, image + ch * CHUNK, CHUNK);
  }
  free (buf);
  return NULL;
}

static void
test_single_flight (void)
{
  pthread_t t[8];
  struct clone_stats s;
  uint64_t data_chunks = 0;

  for (uint64_t ch = 0; ch <= SIZE / CHUNK; ch++)
    data_chunks += ch % 5 != 2;
  open_clone ("flight", 0);
  for (int i = 0; i < 8; i++)
    CHECK (pthread_create (&t[i], NULL, same_chunks, NULL) == 0);
  for (int i = 0; i < 8; i++)
    pthread_join (t[i], NULL);
  clone_stats (ct.cl, &s);
  CHECK_EQ_INT (s.fetches, data_chunks - 1); /* the short one not read */
  CHECK_EQ_INT (s.fetch_errors, 0);
  close_clone ();
}

/* Hydration makes every block local, fetching each chunk once, never
 * over concurrent writes and zeroes; the complete overlay then opens
 * without a basis (detached). */
static void
test_hydrate (void)
{
  uint64_t data_chunks = 0;

  for (uint64_t ch = 0; ch <= SIZE / CHUNK; ch++)
    data_chunks += ch % 5 != 2;
  for (int round = 0; round < 4; round++) {
    pthread_t t[WRITERS];
    struct worker w[WRITERS];
    unsigned char *model = malloc (SIZE);
    struct hydrate_options ho;
    struct hydrate *h;
    struct hydrate_stats hs;
    struct clone_stats cs;
    struct ox_ovheader pin;
    struct clone_options co;
    char name[32], dir[PATH_MAX];

    memcpy (model, image, SIZE);
    snprintf (name, sizeof name, "hydrate%d", round);
    open_clone (name, 1);
    hydrate_options_default (&ho);
    ho.threads = 1 + round % 3;
    ho.rate = round < 2 ? 4 << 20 : 0; /* still running while writing */
    ho.coalesce = round % 2 ? 16 : 1;  /* coalesced reads, or not */
    CHECK_EQ_INT (hydrate_new (ct.cl, ct.ov, &ho, &h), 0);
    CHECK_EQ_INT (hydrate_start (h), 0);
    for (int i = 0; i < WRITERS; i++) {
      w[i] = (struct worker){
        .id = i, .seed = 7 * round + i, .model = model, .ops = 600, .zeroes = 1
      };
      CHECK (pthread_create (&t[i], NULL, writer, &w[i]) == 0);
    }
    for (int i = 0; i < WRITERS; i++)
      pthread_join (t[i], NULL);
    CHECK_EQ_INT (hydrate_wait (h, 60000), 1);
    hydrate_stats (h, &hs);
    CHECK_EQ_INT (hs.complete, 1);
    CHECK_EQ_INT (overlay_complete (ct.ov), 1);
    CHECK_EQ_INT (overlay_count_local (ct.ov), overlay_nblocks (ct.ov));
    clone_stats (ct.cl, &cs);
    if (ho.coalesce == 1)
      CHECK_EQ_INT (cs.run_reads, 0);
    CHECK (cs.fetches <= data_chunks);
    CHECK_EQ_INT (cs.fetch_errors, 0);
    check_range (model, 0, SIZE);
    hydrate_free (h);
    close_clone ();

    /* Detached: no store, no basis. */
    snprintf (dir, sizeof dir, "%s/%s", tmp, name);
    CHECK_EQ_INT (overlay_probe (dir, &pin), 1);
    CHECK_EQ_INT (pin.complete, 1);
    CHECK_EQ_INT (overlay_open (dir, &pin, &ct.ov), 0);
    clone_options_default (&co);
    CHECK_EQ_INT (clone_new (ct.ov, NULL, &co, &ct.cl), 0);
    check_range (model, 0, SIZE);
    clone_stats (ct.cl, &cs);
    CHECK_EQ_INT (cs.fetches, 0);
    clone_free (ct.cl);
    overlay_close (ct.ov);
    free (model);
  }
}

/* Without clients, hydration reads runs of adjacent frames at once and
 * fetches each data chunk exactly once. */
static void
test_hydrate_coalesced (void)
{
  uint64_t data_chunks = 0;
  struct hydrate_options ho;
  struct hydrate *h;
  struct hydrate_stats hs;
  struct clone_stats cs;

  for (uint64_t ch = 0; ch <= SIZE / CHUNK; ch++)
    data_chunks += ch % 5 != 2;
  open_clone ("coalesced", 1);
  hydrate_options_default (&ho);
  ho.threads = 2;
  CHECK_EQ_INT (hydrate_new (ct.cl, ct.ov, &ho, &h), 0);
  CHECK_EQ_INT (hydrate_start (h), 0);
  CHECK_EQ_INT (hydrate_wait (h, 60000), 1);
  hydrate_stats (h, &hs);
  CHECK_EQ_INT (hs.errors, 0);
  clone_stats (ct.cl, &cs);
  CHECK (cs.run_reads > 0);
  CHECK_EQ_INT (cs.fetches, data_chunks);
  CHECK_EQ_INT (cs.class_fetches[CLONE_BACKGROUND], data_chunks);
  check_range (image, 0, SIZE);
  hydrate_free (h);
  close_clone ();
}

/* Sequential reads through a stream get prefetched. */
static void
test_readahead (void)
{
  struct clone_stream s;
  struct clone_stats st_;
  unsigned char *buf = malloc (SIZE);

  open_clone ("ra", 1);
  clone_stream_init (&s);
  for (uint64_t off = 0; off < SIZE; off += 16384) {
    uint32_t n = SIZE - off < 16384 ? SIZE - off : 16384;
    CHECK_EQ_INT (clone_pread (ct.cl, &s, buf + off, n, off), 0);
  }
  CHECK_MEM (buf, image, SIZE);
  clone_stats (ct.cl, &st_);
  CHECK (st_.prefetches > 0);
  clone_stream_destroy (&s);
  close_clone ();
  free (buf);
}

/* A client never waits behind hydration's rate limit: at 16 KiB/s a
 * background run of chunks takes many seconds of allowance, and it is
 * taken before the run's chunks are registered as being fetched, so
 * client reads of them fetch at once (and read the right bytes). Stopping
 * hydration does not wait for the allowance either. */
static void
test_hydrate_rate_no_wait (void)
{
  struct hydrate_options ho;
  struct hydrate *h;
  unsigned char buf[BS];
  double worst = 0, t;

  open_clone ("rate-no-wait", 0);
  hydrate_options_default (&ho);
  ho.threads = 2;
  ho.rate = 16 * 1024;
  ho.coalesce = 32;
  CHECK_EQ_INT (hydrate_new (ct.cl, ct.ov, &ho, &h), 0);
  CHECK_EQ_INT (hydrate_start (h), 0);
  usleep (50000);
  for (uint64_t ch = 0; ch < 40; ch++) {
    double t0 = ox_now_s (), d;
    CHECK_EQ_INT (clone_pread (ct.cl, NULL, buf, BS, ch * CHUNK + BS), 0);
    CHECK_MEM (buf, image + ch * CHUNK + BS, BS);
    d = ox_now_s () - t0;
    if (d > worst)
      worst = d;
  }
  /* Before the fix a read waited a run's allowance: 16 s and more. */
  if (worst > 3.0) {
    fprintf (stderr, "a read waited %.1f s behind the hydration rate\n",
             worst);
    exit (1);
  }
  t = ox_now_s ();
  hydrate_free (h);
  CHECK (ox_now_s () - t < 3.0);
  close_clone ();
}

int
main (void)
{
  const char *t = getenv ("TMPDIR");
  char cmd[8192];

  snprintf (tmp, sizeof tmp, "%s/test-clone.XXXXXX", t ? t : "/tmp");
  CHECK (mkdtemp (tmp) != NULL);
  make_image ();
  snprintf (cmd, sizeof cmd, "%s/store", tmp);
  fixture_store_with (cmd, "vol", image, SIZE, CHUNK);

  test_basics ();
  test_extents ();
  test_single_flight ();
  test_readahead ();
  test_races ();
  test_hydrate ();
  test_hydrate_coalesced ();
  test_hydrate_rate_no_wait ();

  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmp);
  ox_test_run (cmd);
  free (image);
  return 0;
}
