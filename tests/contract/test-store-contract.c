/* ox: the store contract (common/store.h), one suite for every backend,
 * after restic's internal/backend/test: the same cases run against any
 * store URL.
 *
 *   test-store-contract file   a fresh temporary file:// store
 *   test-store-contract s3     a fresh bucket on the S3 server of
 *                              OX_S3_ENDPOINT (skips, 77, when unset;
 *                              options from OX_S3_TEST_* as in
 *                              tests/unit/test-s3store.c)
 *   test-store-contract URL    an existing, empty store
 *
 * Cases: whole put/get (empty, small, several MiB), ranged gets (start,
 * middle, end, zero-length, past the end = EIO), a missing key for get,
 * get_range, stat and del (-1, ENOENT, nothing reported), overwrite, delete
 * (a second delete is ENOENT), keys of every allowed character, list order
 * and prefixes, a callback that stops a listing, listing past 1000 keys
 * (S3 pages), concurrent writers and readers (never a partial object),
 * the create-only put_new (EEXIST for an existing key, exactly one winner
 * of a race), and last the bwlimit option (a lower bound on the time only: the
 * rate limit is process-wide and cannot be lifted again).
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "log.h"
#include "ratelimit.h"
#include "s3store.h"
#include "store.h"
#include "storeopen.h"
#include "countstore.h"
#include "test.h"

#define KIB 1024
#define MIB (1024 * 1024)

static const char *url;
static char tmpdir[64];

/*----------------------------------------------------------------------
 * Helpers.
 */

static int nreported; /* errors and warnings reported through ox_log */
static int expecting; /* an error is expected: do not print it */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void
capture (enum ox_log_level level, const char *msg)
{
  if (level > OX_LOG_WARNING)
    return;
  pthread_mutex_lock (&log_lock);
  nreported++;
  pthread_mutex_unlock (&log_lock);
  if (!__atomic_load_n (&expecting, __ATOMIC_RELAXED))
    fprintf (stderr, "%s: %s\n", level == OX_LOG_ERROR ? "error" : "warning",
             msg);
}

static int
reported (void)
{
  int n;

  pthread_mutex_lock (&log_lock);
  n = nreported;
  pthread_mutex_unlock (&log_lock);
  return n;
}

/* Expect CALL to fail with errno E; with SILENT, without a message. */
#define CHECK_FAILS(call, e, silent)                                          \
  do {                                                                        \
    int before_ = reported (), r_;                                            \
    __atomic_store_n (&expecting, 1, __ATOMIC_RELAXED);                       \
    errno = 0;                                                                \
    r_ = (call);                                                              \
    __atomic_store_n (&expecting, 0, __ATOMIC_RELAXED);                       \
    CHECK (r_ == -1);                                                         \
    CHECK_EQ_INT (errno, (e));                                                \
    if (silent)                                                               \
      CHECK_EQ_INT (reported (), before_);                                    \
  } while (0)

/* "decorated": the file:// store under the counting decorator, so that the
 * decorator layer passes the same contract as the backends. */
static int decorated;

static struct ox_store *
open_store (uint64_t bwlimit)
{
  struct ox_store_options o = { 0 };
  struct ox_store *st = NULL;

  o.endpoint = getenv ("OX_S3_ENDPOINT");
  o.ca_bundle = getenv ("OX_S3_TEST_CA_BUNDLE");
  o.region = getenv ("OX_S3_TEST_REGION");
  if (getenv ("OX_S3_TEST_ADDRESSING"))
    o.addressing = atoi (getenv ("OX_S3_TEST_ADDRESSING"));
  o.insecure = getenv ("OX_S3_TEST_INSECURE") != NULL;
  o.connections = 8;
  o.bwlimit = bwlimit;
  CHECK (ox_store_open (url, &o, &st) == 0);
  if (decorated)
    CHECK (ox_count_store_wrap (st, &st) == 0);
  return st;
}

static void
fill (uint8_t *p, size_t n, unsigned seed)
{
  uint32_t x = seed * 2654435761u + 1;

  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = x >> 24;
  }
}

/* Get KEY and compare it with DATA of LEN bytes. */
static void
check_object (struct ox_store *st, const char *key, const void *data,
              size_t len)
{
  void *got = NULL;
  size_t got_len = 1;
  uint64_t size;

  CHECK (ox_store_get (st, key, &got, &got_len) == 0);
  CHECK_EQ_INT (got_len, len);
  if (len)
    CHECK_MEM (got, data, len);
  free (got);
  CHECK (ox_store_stat (st, key, &size) == 0);
  CHECK_EQ_INT (size, len);
}

/* A listing collected into an array. */
struct keys {
  char **v;
  uint64_t *size;
  size_t n, cap;
  size_t stop_after; /* return -1 after this many (0 = never) */
};

static int
collect (void *opaque, const char *key, uint64_t size)
{
  struct keys *k = opaque;

  if (k->n == k->cap) {
    k->cap = k->cap ? 2 * k->cap : 64;
    k->v = realloc (k->v, k->cap * sizeof *k->v);
    k->size = realloc (k->size, k->cap * sizeof *k->size);
    CHECK (k->v && k->size);
  }
  k->size[k->n] = size;
  k->v[k->n++] = strdup (key);
  return k->stop_after && k->n >= k->stop_after ? -1 : 0;
}

static void
keys_free (struct keys *k)
{
  for (size_t i = 0; i < k->n; i++)
    free (k->v[i]);
  free (k->v);
  free (k->size);
  memset (k, 0, sizeof *k);
}

/* List PREFIX and compare with the N keys WANT (ascending). */
static void
check_list (struct ox_store *st, const char *prefix, const char *const *want,
            size_t n)
{
  struct keys k = { 0 };

  CHECK (ox_store_list (st, prefix, collect, &k) == 0);
  if (k.n != n)
    fprintf (stderr, "list \"%s\": %zu keys, expected %zu\n", prefix, k.n, n);
  CHECK_EQ_INT (k.n, n);
  for (size_t i = 0; i < n; i++) {
    if (strcmp (k.v[i], want[i]) != 0)
      fprintf (stderr, "list \"%s\": key %zu is \"%s\", expected \"%s\"\n",
               prefix, i, k.v[i], want[i]);
    CHECK (strcmp (k.v[i], want[i]) == 0);
  }
  keys_free (&k);
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/*----------------------------------------------------------------------
 * The cases.
 */

/* put + get of whole objects: empty, small, and several MiB (beyond one
 * write or receive buffer). */
static void
case_put_get (struct ox_store *st)
{
  size_t big = 6 * MIB + 123;
  uint8_t *data = malloc (big);

  CHECK (data != NULL);
  fill (data, big, 1);
  CHECK (ox_store_put (st, "whole/empty", "", 0) == 0);
  check_object (st, "whole/empty", "", 0);
  CHECK (ox_store_put (st, "whole/small", data, 1000) == 0);
  check_object (st, "whole/small", data, 1000);
  CHECK (ox_store_put (st, "whole/big", data, big) == 0);
  check_object (st, "whole/big", data, big);
  free (data);
}

/* Ranged reads of a 10000-byte object. */
static void
case_get_range (struct ox_store *st)
{
  uint8_t data[10000], buf[10000];

  fill (data, sizeof data, 2);
  CHECK (ox_store_put (st, "range/obj", data, sizeof data) == 0);
  CHECK (ox_store_get_range (st, "range/obj", 0, buf, 100) == 0);
  CHECK_MEM (buf, data, 100);
  CHECK (ox_store_get_range (st, "range/obj", 4321, buf, 1234) == 0);
  CHECK_MEM (buf, data + 4321, 1234);
  CHECK (ox_store_get_range (st, "range/obj", 9000, buf, 1000) == 0);
  CHECK_MEM (buf, data + 9000, 1000);
  CHECK (ox_store_get_range (st, "range/obj", 9999, buf, 1) == 0);
  CHECK_EQ_INT (buf[0], data[9999]);
  CHECK (ox_store_get_range (st, "range/obj", 0, buf, sizeof buf) == 0);
  CHECK_MEM (buf, data, sizeof buf);
  /* Zero bytes anywhere up to the end is fine. */
  CHECK (ox_store_get_range (st, "range/obj", 0, buf, 0) == 0);
  CHECK (ox_store_get_range (st, "range/obj", 5000, buf, 0) == 0);
  CHECK (ox_store_get_range (st, "range/obj", 10000, buf, 0) == 0);
  /* A read that does not fit is an error, reported: EIO. */
  CHECK_FAILS (ox_store_get_range (st, "range/obj", 9999, buf, 2), EIO, 0);
  CHECK_FAILS (ox_store_get_range (st, "range/obj", 10000, buf, 1), EIO, 0);
  CHECK_FAILS (ox_store_get_range (st, "range/obj", 20000, buf, 10), EIO, 0);
  CHECK_FAILS (ox_store_get_range (st, "range/obj", 10001, buf, 0), EIO, 0);
  CHECK_FAILS (ox_store_get_range (st, "range/obj", 5000, buf, 5001), EIO, 0);
}

/* A missing object: -1, ENOENT and nothing reported, for every probe. */
static void
case_missing (struct ox_store *st)
{
  uint8_t buf[16];
  void *data = NULL;
  size_t len;
  uint64_t size;

  CHECK_FAILS (ox_store_get (st, "missing/key", &data, &len), ENOENT, 1);
  CHECK (data == NULL);
  CHECK_FAILS (ox_store_get_range (st, "missing/key", 0, buf, 16), ENOENT, 1);
  CHECK_FAILS (ox_store_get_range (st, "missing/key", 0, buf, 0), ENOENT, 1);
  CHECK_FAILS (ox_store_stat (st, "missing/key", &size), ENOENT, 1);
  CHECK_FAILS (ox_store_del (st, "missing/key"), ENOENT, 1);
  /* Also under a "directory" that does not exist, and where a prefix of
   * the key is an object (a file store must not say ENOTDIR). */
  CHECK_FAILS (ox_store_stat (st, "no/such/dir/key", &size), ENOENT, 1);
  CHECK (ox_store_put (st, "missing/file", "x", 1) == 0);
  CHECK_FAILS (ox_store_stat (st, "missing/file/below", &size), ENOENT, 1);
  CHECK_FAILS (ox_store_get (st, "missing/file/below", &data, &len), ENOENT,
               1);
  CHECK_FAILS (ox_store_del (st, "missing/file/below"), ENOENT, 1);
  /* A key that is only the "directory" of others is not an object. */
  CHECK (ox_store_put (st, "missing/dir/obj", "y", 1) == 0);
  CHECK_FAILS (ox_store_stat (st, "missing/dir", &size), ENOENT, 1);
  CHECK_FAILS (ox_store_get (st, "missing/dir", &data, &len), ENOENT, 1);
  CHECK_FAILS (ox_store_get_range (st, "missing/dir", 0, buf, 1), ENOENT, 1);
  CHECK_FAILS (ox_store_del (st, "missing/dir"), ENOENT, 1);
  check_object (st, "missing/dir/obj", "y", 1);
}

/* put replaces: the new content, whatever the lengths. */
static void
case_overwrite (struct ox_store *st)
{
  uint8_t a[5000], b[300];

  fill (a, sizeof a, 3);
  fill (b, sizeof b, 4);
  CHECK (ox_store_put (st, "over/key", a, sizeof a) == 0);
  CHECK (ox_store_put (st, "over/key", b, sizeof b) == 0);
  check_object (st, "over/key", b, sizeof b);
  CHECK (ox_store_put (st, "over/key", a, sizeof a) == 0);
  check_object (st, "over/key", a, sizeof a);
  CHECK (ox_store_put (st, "over/key", "", 0) == 0);
  check_object (st, "over/key", "", 0);
}

/* del removes the object; deleting again is ENOENT, unreported (the
 * interface's idempotence: callers treat ENOENT as "already gone"). */
static void
case_delete (struct ox_store *st)
{
  uint64_t size;

  CHECK (ox_store_put (st, "del/key", "abc", 3) == 0);
  CHECK (ox_store_del (st, "del/key") == 0);
  CHECK_FAILS (ox_store_stat (st, "del/key", &size), ENOENT, 1);
  CHECK_FAILS (ox_store_del (st, "del/key"), ENOENT, 1);
  check_list (st, "del/", NULL, 0);
  /* A deleted key can be written again. */
  CHECK (ox_store_put (st, "del/key", "de", 2) == 0);
  check_object (st, "del/key", "de", 2);
  CHECK (ox_store_del (st, "del/key") == 0);
}

/* del_many deletes objects in several directories, passes over missing
 * keys, and accepts an empty list. */
static void
case_delete_many (struct ox_store *st)
{
  static const char *const keys[]
      = { "delm/a/1", "delm/a/2", "delm/b/1", "delm/missing", "delm/top" };
  static const char *const kept[] = { "delm/b/2" };
  uint64_t size;

  for (size_t i = 0; i < 5; i++)
    if (i != 3)
      CHECK (ox_store_put (st, keys[i], "x", 1) == 0);
  CHECK (ox_store_put (st, kept[0], "y", 1) == 0);
  CHECK (ox_store_del_many (st, keys, 5) == 0);
  for (size_t i = 0; i < 5; i++)
    CHECK_FAILS (ox_store_stat (st, keys[i], &size), ENOENT, 1);
  check_list (st, "delm/", kept, 1);
  CHECK (ox_store_del_many (st, keys, 5) == 0);
  CHECK (ox_store_del_many (st, keys, 0) == 0);
  CHECK (ox_store_del_many (st, kept, 1) == 0);
  check_list (st, "delm/", NULL, 0);
}

/* Keys with every character FORMAT.md allows: [A-Za-z0-9._-] and '/'. */
static void
case_key_characters (struct ox_store *st)
{
  static const char *const keys[] = {
    "chars/-leading-dash",
    "chars/0123456789",
    "chars/ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "chars/_.-mixed-._",
    "chars/a..b",
    "chars/abcdefghijklmnopqrstuvwxyz",
    "chars/deep/er/and/deeper/key",
    "chars/hidden/.dotfile",
    "chars/x",
  };
  size_t n = sizeof keys / sizeof *keys;

  for (size_t i = 0; i < n; i++)
    CHECK (ox_store_put (st, keys[i], keys[i], strlen (keys[i])) == 0);
  for (size_t i = 0; i < n; i++)
    check_object (st, keys[i], keys[i], strlen (keys[i]));
  check_list (st, "chars/", keys, n);
}

/* Ascending byte order across "directories" ('-' < '.' < '/' < '0' <
 * 'A' < '_' < 'a'), and prefixes that end inside a component. (No key is
 * also the "directory" of another, like "a" and "a/b": a file store cannot
 * hold both, and ox never makes such keys.) */
static void
case_list_order (struct ox_store *st)
{
  static const char *const sorted[]
      = { "ord/a-b", "ord/a.b", "ord/a/b", "ord/a/c/d", "ord/a0", "ord/aA",
          "ord/a_",  "ord/aa",  "ord/b",   "ord_",      "ordx" };
  static const char *const dir_a[] = { "ord/a/b", "ord/a/c/d" };
  size_t n = sizeof sorted / sizeof *sorted;
  struct keys k = { 0 };

  /* Written in reverse order: the listing must sort, not replay. */
  for (size_t i = n; i-- > 0;)
    CHECK (ox_store_put (st, sorted[i], "0123456789abcdef", i + 1) == 0);
  check_list (st, "ord", sorted, n);
  check_list (st, "ord/", sorted, 9);
  check_list (st, "ord/a", sorted, 8);
  check_list (st, "ord/a/", dir_a, 2);
  check_list (st, "ord/a/c", dir_a + 1, 1);
  check_list (st, "ord/a/c/d", dir_a + 1, 1);
  check_list (st, "ord/zz", NULL, 0);
  check_list (st, "nothing-here/", NULL, 0);
  /* Sizes come with the keys. */
  CHECK (ox_store_list (st, "ord/a/", collect, &k) == 0);
  CHECK_EQ_INT (k.n, 2);
  CHECK_EQ_INT (k.size[0], 3); /* "ord/a/b", index 2 */
  CHECK_EQ_INT (k.size[1], 4);
  keys_free (&k);
  /* The whole store ("" prefix) is sorted and holds these keys. */
  CHECK (ox_store_list (st, "", collect, &k) == 0);
  for (size_t i = 1; i < k.n; i++)
    CHECK (strcmp (k.v[i - 1], k.v[i]) < 0);
  for (size_t i = 0; i < k.n; i++) { /* objects only, with their sizes */
    uint64_t size;
    CHECK (ox_store_stat (st, k.v[i], &size) == 0);
    CHECK_EQ_INT (size, k.size[i]);
  }
  for (size_t i = 0; i < n; i++)
    CHECK (bsearch (&sorted[i], k.v, k.n, sizeof *k.v, compare_strings)
           != NULL);
  keys_free (&k);
  /* A callback's -1 stops the listing and is the listing's result. */
  k.stop_after = 3;
  CHECK (ox_store_list (st, "ord", collect, &k) == -1);
  CHECK_EQ_INT (k.n, 3);
  keys_free (&k);
}

/* More keys than one S3 listing page (1000) holds. */
#define PAGED 1100
#define WRITERS 8

struct paged_job {
  struct ox_store *st;
  int first;
};

static void *
paged_writer (void *arg)
{
  struct paged_job *j = arg;
  char key[64];

  for (int i = j->first; i < PAGED; i += WRITERS) {
    snprintf (key, sizeof key, "paged/%05d", i);
    CHECK (ox_store_put (j->st, key, key, 6 + i % 7) == 0);
  }
  return NULL;
}

static void
case_list_paging (struct ox_store *st)
{
  struct paged_job jobs[WRITERS];
  pthread_t t[WRITERS];
  struct keys k = { 0 };
  char want[64];

  for (int i = 0; i < WRITERS; i++) {
    jobs[i] = (struct paged_job){ st, i };
    CHECK (pthread_create (&t[i], NULL, paged_writer, &jobs[i]) == 0);
  }
  for (int i = 0; i < WRITERS; i++)
    pthread_join (t[i], NULL);
  CHECK (ox_store_list (st, "paged/", collect, &k) == 0);
  CHECK_EQ_INT (k.n, PAGED);
  for (int i = 0; i < PAGED; i++) {
    snprintf (want, sizeof want, "paged/%05d", i);
    CHECK (strcmp (k.v[i], want) == 0);
    CHECK_EQ_INT (k.size[i], 6 + i % 7);
  }
  keys_free (&k);
}

/* Concurrency: writers of distinct keys, and readers of one key that a
 * writer keeps replacing with objects of different sizes, each all one
 * byte value: a reader sees ENOENT (before the first put) or a whole
 * object, never a mix or a short one. */
#define WORKERS 6
#define ROUNDS 12
#define HOT "conc/hot"

static int hot_done;

static size_t
hot_len (int version)
{
  return 32 * KIB + (size_t)version * 4099;
}

static void
check_whole (const uint8_t *p, size_t len)
{
  int version = len ? p[0] : -1;

  CHECK (len > 0 && len == hot_len (version));
  for (size_t i = 0; i < len; i++)
    CHECK (p[i] == version);
}

static void *
hot_writer (void *arg)
{
  struct ox_store *st = arg;
  uint8_t *buf = malloc (hot_len (2 * ROUNDS));

  for (int v = 1; v <= 2 * ROUNDS; v++) {
    memset (buf, v, hot_len (v));
    CHECK (ox_store_put (st, HOT, buf, hot_len (v)) == 0);
  }
  free (buf);
  __atomic_store_n (&hot_done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void *
hot_reader (void *arg)
{
  struct ox_store *st = arg;
  void *data;
  size_t len;

  while (!__atomic_load_n (&hot_done, __ATOMIC_ACQUIRE)) {
    if (ox_store_get (st, HOT, &data, &len) == -1) {
      CHECK_EQ_INT (errno, ENOENT);
      continue;
    }
    check_whole (data, len);
    free (data);
  }
  return NULL;
}

struct worker {
  struct ox_store *st;
  int index;
};

static void *
worker (void *arg)
{
  struct worker *w = arg;
  uint8_t data[20000], buf[20000];
  char key[64];

  for (int r = 0; r < ROUNDS; r++) {
    size_t len = 1000 + (size_t)(w->index * 977 + r * 1231) % 19000;
    snprintf (key, sizeof key, "conc/w%d/%d", w->index, r);
    fill (data, len, w->index * 1000 + r);
    CHECK (ox_store_put (w->st, key, data, len) == 0);
    CHECK (ox_store_get_range (w->st, key, 0, buf, len) == 0);
    CHECK_MEM (buf, data, len);
    check_object (w->st, key, data, len);
  }
  return NULL;
}

static void
case_concurrency (struct ox_store *st)
{
  struct worker w[WORKERS];
  pthread_t t[WORKERS + 3];
  struct keys k = { 0 };
  void *data;
  size_t len;

  CHECK (pthread_create (&t[WORKERS], NULL, hot_writer, st) == 0);
  CHECK (pthread_create (&t[WORKERS + 1], NULL, hot_reader, st) == 0);
  CHECK (pthread_create (&t[WORKERS + 2], NULL, hot_reader, st) == 0);
  for (int i = 0; i < WORKERS; i++) {
    w[i] = (struct worker){ st, i };
    CHECK (pthread_create (&t[i], NULL, worker, &w[i]) == 0);
  }
  for (int i = 0; i < WORKERS + 3; i++)
    pthread_join (t[i], NULL);
  CHECK (ox_store_get (st, HOT, &data, &len) == 0);
  CHECK_EQ_INT (len, hot_len (2 * ROUNDS));
  check_whole (data, len);
  free (data);
  CHECK (ox_store_list (st, "conc/w", collect, &k) == 0);
  CHECK_EQ_INT (k.n, WORKERS * ROUNDS);
  keys_free (&k);
}

/* put_new, the create-only put: a fresh key is written; an existing key
 * fails with EEXIST, silently, and keeps its content; of several writers
 * racing on one new key exactly one wins and the object is its whole
 * content. */
#define RACERS 4
#define RACE_ROUNDS 8

struct racer {
  struct ox_store *st;
  int index, round, won;
};

static void *
racer (void *arg)
{
  struct racer *r = arg;
  uint8_t data[3000];
  char key[64];
  int e;

  snprintf (key, sizeof key, "putnew/race%d", r->round);
  fill (data, sizeof data, 100 + r->round * RACERS + r->index);
  __atomic_store_n (&expecting, 1, __ATOMIC_RELAXED);
  r->won = ox_store_put_new (r->st, key, data, sizeof data) == 0;
  e = errno;
  if (!r->won)
    CHECK_EQ_INT (e, EEXIST);
  return NULL;
}

static void
case_put_new (struct ox_store *st)
{
  uint8_t data[5000], other[100];

  fill (data, sizeof data, 41);
  fill (other, sizeof other, 42);
  CHECK (ox_store_put_new (st, "putnew/fresh", data, sizeof data) == 0);
  check_object (st, "putnew/fresh", data, sizeof data);
  CHECK_FAILS (ox_store_put_new (st, "putnew/fresh", other, sizeof other),
               EEXIST, 1);
  check_object (st, "putnew/fresh", data, sizeof data);
  /* A key written by a plain put exists as well. */
  CHECK (ox_store_put (st, "putnew/plain", other, sizeof other) == 0);
  CHECK_FAILS (ox_store_put_new (st, "putnew/plain", data, sizeof data),
               EEXIST, 1);
  check_object (st, "putnew/plain", other, sizeof other);

  for (int round = 0; round < RACE_ROUNDS; round++) {
    struct racer r[RACERS];
    pthread_t t[RACERS];
    int winners = 0, winner = -1;
    uint8_t want[3000];
    char key[64];

    for (int i = 0; i < RACERS; i++) {
      r[i] = (struct racer){ st, i, round, 0 };
      CHECK (pthread_create (&t[i], NULL, racer, &r[i]) == 0);
    }
    for (int i = 0; i < RACERS; i++) {
      pthread_join (t[i], NULL);
      if (r[i].won) {
        winners++;
        winner = i;
      }
    }
    __atomic_store_n (&expecting, 0, __ATOMIC_RELAXED);
    CHECK_EQ_INT (winners, 1);
    fill (want, sizeof want, 100 + round * RACERS + winner);
    snprintf (key, sizeof key, "putnew/race%d", round);
    check_object (st, key, want, sizeof want);
  }
}

/* The bwlimit option: moving X bytes at L bytes/s takes at least about
 * (X - burst) / L. Only a lower bound: a loaded machine is slower, never
 * faster. Last, because it lowers the process-wide rate for good. */
static void
case_bwlimit (void)
{
  const uint64_t limit = 1 * MIB;
  const size_t len = 1 * MIB;
  uint8_t *data = malloc (len), *buf = malloc (len);
  struct ox_store *st = open_store (limit);
  double start, secs, least;

  CHECK (data && buf);
  fill (data, len, 5);
  start = ox_now_s ();
  CHECK (ox_store_put (st, "bwlimit/obj", data, len) == 0);
  CHECK (ox_store_get_range (st, "bwlimit/obj", 0, buf, len) == 0);
  secs = ox_now_s () - start;
  CHECK_MEM (buf, data, len);
  /* 2 MiB moved at 1 MiB/s, less a full bucket of a quarter second, less
   * a margin for rounding: >= 1.5 s. */
  least = (2.0 * len / limit - 0.25) * 0.85;
  printf ("bwlimit: 2 MiB at 1 MiB/s took %.2f s (at least %.2f s)\n", secs,
          least);
  CHECK (secs >= least);
  ox_store_close (st);
  free (data);
  free (buf);
}

/*----------------------------------------------------------------------
 * Setting up.
 */

static int
remove_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb, (void)flag, (void)ftw;
  return remove (path);
}

static void
remove_tmpdir (void)
{
  if (tmpdir[0])
    nftw (tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *
fresh_url (const char *kind)
{
  static char buf[512];
  struct ox_store *st;

  if (strcmp (kind, "file") == 0) {
    snprintf (tmpdir, sizeof tmpdir, "/tmp/ox-contract.XXXXXX");
    CHECK (mkdtemp (tmpdir) != NULL);
    atexit (remove_tmpdir);
    snprintf (buf, sizeof buf, "file://%s/store", tmpdir);
    url = buf;
    {
      struct ox_store_options o = { .create = 1 };
      CHECK (ox_store_open (url, &o, &st) == 0);
      ox_store_close (st);
    }
    return buf;
  }
  snprintf (buf, sizeof buf, "s3://oxcontract-%ld-%d/contract",
            (long)time (NULL), (int)getpid ());
  url = buf;
  st = open_store (0);
  CHECK (ox_s3_create_bucket (st) == 0);
  ox_store_close (st);
  return buf;
}

int
main (int argc, char *argv[])
{
  struct ox_store *st;
  struct {
    const char *name;
    void (*fn) (struct ox_store *);
  } cases[] = {
    { "put and get whole objects", case_put_get },
    { "ranged get", case_get_range },
    { "missing keys", case_missing },
    { "overwrite", case_overwrite },
    { "delete", case_delete },
    { "delete many", case_delete_many },
    { "key characters", case_key_characters },
    { "list order and prefixes", case_list_order },
    { "list past 1000 keys", case_list_paging },
    { "concurrency", case_concurrency },
    { "create-only put (put_new)", case_put_new },
  };

  if (argc != 2) {
    fprintf (stderr, "usage: %s file | decorated | s3 | URL\n", argv[0]);
    return 1;
  }
  setvbuf (stdout, NULL, _IOLBF, 0);
  ox_log_set_handler (capture);
  if (strcmp (argv[1], "s3") == 0 && getenv ("OX_S3_ENDPOINT") == NULL) {
    fprintf (stderr, "OX_S3_ENDPOINT is not set: skipping (scripts/test "
                     "starts the S3 test server)\n");
    return 77;
  }
  decorated = strcmp (argv[1], "decorated") == 0;
  if (decorated)
    fresh_url ("file");
  else if (strcmp (argv[1], "file") == 0 || strcmp (argv[1], "s3") == 0)
    fresh_url (argv[1]);
  else
    url = argv[1];
  st = open_store (0);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    double start = ox_now_s ();
    cases[i].fn (st);
    printf ("ok: %s (%.2f s)\n", cases[i].name, ox_now_s () - start);
  }
  if (decorated) {
    struct ox_store_counts c;

    /* The decorator saw every operation the cases made, probes included. */
    CHECK (ox_count_store_get (st, &c) == 0);
    for (int op = 0; op < OX_OP_COUNT; op++)
      CHECK (c.calls[op] > 0);
    CHECK (c.errors[OX_OP_GET] > 0 && c.errors[OX_OP_PUT_NEW] > 0);
    printf ("ok: the decorator counted %llu puts, %llu ranged gets\n",
            (unsigned long long)c.calls[OX_OP_PUT],
            (unsigned long long)c.calls[OX_OP_GET_RANGE]);
  }
  ox_store_close (st);
  case_bwlimit ();
  printf ("ok: bwlimit\nstore contract: all cases passed on %s\n", url);
  return 0;
}
