/* ox: the s3:// store against a real S3 server (Swift with s3api, started
 * by tests/functional/test-s3-store.sh). Skips unless OX_S3_ENDPOINT is
 * set; credentials and region come from the usual AWS_* variables.
 * OX_S3_TEST_CA_BUNDLE, OX_S3_TEST_REGION, OX_S3_TEST_ADDRESSING,
 * OX_S3_TEST_BWLIMIT and OX_S3_TEST_INSECURE set the store options.
 *
 *   test-s3store               the whole behaviour test
 *   test-s3store probe URL     stat "ox-probe" of store URL, print the
 *                              outcome (for the error-case tests)
 *   test-s3store get URL KEY   get KEY, print its size and a sum of it
 *   test-s3store put URL KEY SIZE   put SIZE bytes of a fixed pattern
 *   test-s3store mkbucket URL  create the bucket of URL
 *   test-s3store fill URL N    put N tiny objects many/00000...
 *   test-s3store delete-all URL   delete all of many/ in one batched call,
 *                              print the time taken; exit 0 if none is left
 *   test-s3store count URL PREFIX   print "N BYTES": the objects under
 *                              PREFIX and their total size
 *   test-s3store put-new URL   only the put_new (create-only) checks
 *   test-s3store bench URL MIB CONNECTIONS   PUT/GET throughput
 *   test-s3store del URL KEY   delete KEY
 *   test-s3store mirror SRC DST   make store DST a copy of store SRC
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monotime.h"
#include "log.h"
#include "s3store.h"
#include "store.h"
#include "storeopen.h"
#include "test.h"

#define KIB 1024
#define MIB (1024 * 1024)

static int nerrors;
static char last_error[2048];

static void
capture (enum ox_log_level level, const char *msg)
{
  if (level == OX_LOG_ERROR) {
    nerrors++;
    snprintf (last_error, sizeof last_error, "%s", msg);
  }
  if (level <= OX_LOG_WARNING)
    fprintf (stderr, "%s: %s\n", level == OX_LOG_ERROR ? "error" : "warning",
             msg);
}

static struct ox_store *
open_store (const char *url, int connections)
{
  struct ox_store_options o = { 0 };
  struct ox_store *st = NULL;

  o.endpoint = getenv ("OX_S3_ENDPOINT");
  o.ca_bundle = getenv ("OX_S3_TEST_CA_BUNDLE");
  o.region = getenv ("OX_S3_TEST_REGION");
  o.connections = connections;
  if (getenv ("OX_S3_TEST_ADDRESSING"))
    o.addressing = atoi (getenv ("OX_S3_TEST_ADDRESSING"));
  if (getenv ("OX_S3_TEST_BWLIMIT"))
    o.bwlimit = strtoull (getenv ("OX_S3_TEST_BWLIMIT"), NULL, 10);
  o.insecure = getenv ("OX_S3_TEST_INSECURE") != NULL;
  if (ox_store_open (url, &o, &st) == -1)
    return NULL;
  return st;
}

static void
fill (unsigned char *p, size_t n, unsigned seed)
{
  size_t i;
  uint32_t x = seed * 2654435761u + 1;

  for (i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p[i] = x >> 24;
  }
}

/* Requests this store made between S0 and S1, retries not counted (the
 * counts are the client's own, never the server's: tests share it). */
static uint64_t
distinct (const struct ox_s3_stats *s0, const struct ox_s3_stats *s1)
{
  return (s1->requests - s1->retries) - (s0->requests - s0->retries);
}

/* put, get, stat, get_range, del on small objects. */
static void
check_basic (struct ox_store *st)
{
  unsigned char data[1000], buf[1000];
  void *got;
  size_t len;
  uint64_t size;
  int i;

  for (i = 0; i < 256; i++)
    data[i] = i;
  fill (data + 256, sizeof data - 256, 1);
  CHECK (ox_store_put (st, "basic/one", data, sizeof data) == 0);
  CHECK (ox_store_get (st, "basic/one", &got, &len) == 0);
  CHECK_EQ_INT (len, sizeof data);
  CHECK_MEM (got, data, sizeof data);
  free (got);
  CHECK (ox_store_stat (st, "basic/one", &size) == 0);
  CHECK_EQ_INT (size, sizeof data);

  /* Ranges: start, middle, the last byte, the whole object. */
  CHECK (ox_store_get_range (st, "basic/one", 0, buf, 10) == 0);
  CHECK_MEM (buf, data, 10);
  CHECK (ox_store_get_range (st, "basic/one", 123, buf, 456) == 0);
  CHECK_MEM (buf, data + 123, 456);
  CHECK (ox_store_get_range (st, "basic/one", 999, buf, 1) == 0);
  CHECK (buf[0] == data[999]);
  CHECK (ox_store_get_range (st, "basic/one", 0, buf, 1000) == 0);
  CHECK_MEM (buf, data, 1000);
  CHECK (ox_store_get_range (st, "basic/one", 1000, buf, 0) == 0);

  /* Past the end: an error (EIO), reported. */
  nerrors = 0;
  errno = 0;
  CHECK (ox_store_get_range (st, "basic/one", 990, buf, 20) == -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_EQ_INT (nerrors, 1);
  CHECK (strstr (last_error, "shorter") != NULL);
  CHECK (strstr (last_error, "basic/one") != NULL);
  nerrors = 0;
  CHECK (ox_store_get_range (st, "basic/one", 1000, buf, 1) == -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_EQ_INT (nerrors, 1);
  CHECK (ox_store_get_range (st, "basic/one", 1001, buf, 0) == -1);

  /* Overwrite (allowed for tags). */
  CHECK (ox_store_put (st, "basic/one", "xyz", 3) == 0);
  CHECK (ox_store_get (st, "basic/one", &got, &len) == 0);
  CHECK (len == 3 && memcmp (got, "xyz", 3) == 0);
  free (got);

  /* Empty object. */
  CHECK (ox_store_put (st, "basic/empty", "", 0) == 0);
  CHECK (ox_store_get (st, "basic/empty", &got, &len) == 0);
  CHECK_EQ_INT (len, 0);
  CHECK (got != NULL);
  free (got);
  CHECK (ox_store_stat (st, "basic/empty", &size) == 0 && size == 0);

  /* Missing objects: ENOENT, nothing reported. */
  nerrors = 0;
  errno = 0;
  CHECK (ox_store_stat (st, "basic/missing", &size) == -1);
  CHECK_EQ_INT (errno, ENOENT);
  errno = 0;
  CHECK (ox_store_get (st, "basic/missing", &got, &len) == -1);
  CHECK_EQ_INT (errno, ENOENT);
  errno = 0;
  CHECK (ox_store_get_range (st, "basic/missing", 0, buf, 10) == -1);
  CHECK_EQ_INT (errno, ENOENT);
  errno = 0;
  CHECK (ox_store_del (st, "basic/missing") == -1);
  CHECK_EQ_INT (errno, ENOENT);
  CHECK_EQ_INT (nerrors, 0);

  /* Delete. */
  CHECK (ox_store_del (st, "basic/empty") == 0);
  errno = 0;
  CHECK (ox_store_stat (st, "basic/empty", &size) == -1 && errno == ENOENT);
  CHECK (ox_store_del (st, "basic/empty") == -1 && errno == ENOENT);
  CHECK_EQ_INT (nerrors, 0);

  /* Keys that need encoding in the URL and the signature. */
  CHECK (ox_store_put (st, "odd/a b+c%d&e=f?g~h", "odd", 3) == 0);
  CHECK (ox_store_get (st, "odd/a b+c%d&e=f?g~h", &got, &len) == 0);
  CHECK (len == 3 && memcmp (got, "odd", 3) == 0);
  free (got);
}

struct collected {
  char **keys;
  uint64_t *sizes;
  size_t n, cap;
  int stop_after; /* return -1 after this many (0 = never) */
};

static int
collect (void *opaque, const char *key, uint64_t size)
{
  struct collected *c = opaque;

  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->keys = realloc (c->keys, c->cap * sizeof *c->keys);
    c->sizes = realloc (c->sizes, c->cap * sizeof *c->sizes);
    CHECK (c->keys && c->sizes);
  }
  c->keys[c->n] = strdup (key);
  c->sizes[c->n++] = size;
  if (c->stop_after && c->n == (size_t)c->stop_after)
    return -1;
  return 0;
}

static void
free_collected (struct collected *c)
{
  size_t i;

  for (i = 0; i < c->n; i++)
    free (c->keys[i]);
  free (c->keys);
  free (c->sizes);
  memset (c, 0, sizeof *c);
}

#define NMANY 1010

struct many {
  struct ox_store *st;
  int first, step, n;
};

static void *
put_many (void *arg)
{
  struct many *m = arg;
  char key[64], val[16];
  int i;

  for (i = m->first; i < m->n; i += m->step) {
    snprintf (key, sizeof key, "many/%05d", i);
    snprintf (val, sizeof val, "%d", i);
    CHECK (ox_store_put (m->st, key, val, strlen (val)) == 0);
  }
  return NULL;
}

/* More than 1000 keys: the listing continues over pages, in order. */
static void
check_list (struct ox_store *st)
{
  struct collected c = { 0 };
  struct many m[8];
  pthread_t t[8];
  char want[64];
  size_t i;
  double start = ox_now_s ();

  for (i = 0; i < 8; i++) {
    m[i] = (struct many){ st, (int)i, 8, NMANY };
    CHECK (pthread_create (&t[i], NULL, put_many, &m[i]) == 0);
  }
  for (i = 0; i < 8; i++)
    pthread_join (t[i], NULL);
  printf ("%d small PUTs with 8 threads: %.2f s\n", NMANY,
          ox_now_s () - start);

  start = ox_now_s ();
  CHECK (ox_store_list (st, "many/", collect, &c) == 0);
  printf ("listing %zu keys: %.2f s\n", c.n, ox_now_s () - start);
  CHECK_EQ_INT (c.n, NMANY);
  for (i = 0; i < NMANY; i++) {
    snprintf (want, sizeof want, "many/%05zu", i);
    CHECK (strcmp (c.keys[i], want) == 0);
    snprintf (want, sizeof want, "%zu", i);
    CHECK_EQ_INT (c.sizes[i], strlen (want));
  }
  free_collected (&c);

  /* The whole store: basic/, many/, odd/ in order, keys relative. */
  CHECK (ox_store_list (st, "", collect, &c) == 0);
  CHECK_EQ_INT (c.n, NMANY + 2);
  CHECK (strcmp (c.keys[0], "basic/one") == 0);
  CHECK (strcmp (c.keys[NMANY + 1], "odd/a b+c%d&e=f?g~h") == 0);
  for (i = 1; i < c.n; i++)
    CHECK (strcmp (c.keys[i - 1], c.keys[i]) < 0);
  free_collected (&c);

  /* A prefix with nothing under it; a callback that stops the listing. */
  CHECK (ox_store_list (st, "nothing/", collect, &c) == 0);
  CHECK_EQ_INT (c.n, 0);
  c.stop_after = 3;
  CHECK (ox_store_list (st, "many/", collect, &c) == -1);
  CHECK_EQ_INT (c.n, 3);
  free_collected (&c);
}

/* Batched delete of the 1100 keys (two requests) and of missing keys. */
static void
check_delete_keys (struct ox_store *st)
{
  struct collected c = { 0 };
  struct ox_s3_stats s0, s1;
  const char *missing[] = { "many/none", "other/none" };

  CHECK (ox_store_list (st, "many/", collect, &c) == 0);
  CHECK_EQ_INT (c.n, NMANY);
  CHECK (ox_s3_store_stats (st, &s0) == 0);
  CHECK (ox_store_del_many (st, (const char *const *)c.keys, c.n - 1) == 0);
  CHECK (ox_s3_store_stats (st, &s1) == 0);
  /* This store's own requests, retries aside: two batches (more only if a
   * slow server made the batches smaller), not one request per key. */
  printf ("delete of %zu keys: %llu requests\n", c.n - 1,
          (unsigned long long)distinct (&s0, &s1));
  CHECK (distinct (&s0, &s1) >= 2 && distinct (&s0, &s1) <= 20);
  free_collected (&c);
  CHECK (ox_store_list (st, "many/", collect, &c) == 0);
  CHECK_EQ_INT (c.n, 1);
  CHECK (strcmp (c.keys[0], "many/01009") == 0);
  free_collected (&c);
  CHECK (ox_store_del_many (st, missing, 2) == 0);
  CHECK (ox_store_del_many (st, missing, 0) == 0);
}

/* Another prefix of the same bucket sees nothing of this one. */
static void
check_prefix_isolation (const char *bucket_url)
{
  char url[512];
  struct ox_store *other;
  struct collected c = { 0 };
  uint64_t size;

  snprintf (url, sizeof url, "%s/other-prefix", bucket_url);
  other = open_store (url, 2);
  CHECK (other != NULL);
  CHECK (ox_store_list (other, "", collect, &c) == 0);
  CHECK_EQ_INT (c.n, 0);
  CHECK (ox_store_stat (other, "basic/one", &size) == -1 && errno == ENOENT);
  ox_store_close (other);
}

/* Objects above the threshold go up in parts (threshold and part size are
 * lowered through the environment; the test server allows tiny parts). */
static void
check_multipart (const char *url)
{
  size_t len = 5 * MIB + 123;
  unsigned char *data = malloc (len), *buf = malloc (len);
  struct ox_store *st;
  struct ox_s3_stats s0, s1;
  void *got;
  size_t glen;
  uint64_t size;

  CHECK (data && buf);
  fill (data, len, 7);
  setenv ("OX_S3_MULTIPART_THRESHOLD", "1048576", 1);
  setenv ("OX_S3_PART_SIZE", "262144", 1);
  st = open_store (url, 4);
  CHECK (st != NULL);
  CHECK (ox_s3_store_stats (st, &s0) == 0);
  CHECK (ox_store_put (st, "big/multi", data, len) == 0);
  CHECK (ox_s3_store_stats (st, &s1) == 0);
  /* initiate + 21 parts + complete + HEAD */
  printf ("multipart PUT of %zu bytes: %llu requests\n", len,
          (unsigned long long)(s1.requests - s0.requests));
  CHECK (distinct (&s0, &s1) >= 24);
  CHECK (ox_store_stat (st, "big/multi", &size) == 0);
  CHECK_EQ_INT (size, len);
  CHECK (ox_store_get (st, "big/multi", &got, &glen) == 0);
  CHECK_EQ_INT (glen, len);
  CHECK_MEM (got, data, len);
  free (got);
  /* A range across a part boundary. */
  CHECK (ox_store_get_range (st, "big/multi", 262144 - 1000, buf, 5000) == 0);
  CHECK_MEM (buf, data + 262144 - 1000, 5000);
  /* Exactly at the threshold: a single PUT. */
  CHECK (ox_s3_store_stats (st, &s0) == 0);
  CHECK (ox_store_put (st, "big/single", data, MIB) == 0);
  CHECK (ox_s3_store_stats (st, &s1) == 0);
  CHECK_EQ_INT (distinct (&s0, &s1), 1);
  CHECK (ox_store_get_range (st, "big/single", 0, buf, MIB) == 0);
  CHECK_MEM (buf, data, MIB);
  CHECK (ox_store_del (st, "big/multi") == 0);
  CHECK (ox_store_del (st, "big/single") == 0);
  ox_store_close (st);
  unsetenv ("OX_S3_MULTIPART_THRESHOLD");
  unsetenv ("OX_S3_PART_SIZE");
  free (data);
  free (buf);
}

struct worker {
  struct ox_store *st;
  int id;
};

/* Many threads, few connections: every byte comes back right. */
static void *
stress (void *arg)
{
  struct worker *w = arg;
  unsigned char data[64 * KIB], buf[64 * KIB];
  char key[64];
  int i;

  for (i = 0; i < 10; i++) {
    snprintf (key, sizeof key, "stress/%d-%d", w->id, i);
    fill (data, sizeof data, w->id * 100 + i);
    CHECK (ox_store_put (w->st, key, data, sizeof data) == 0);
    CHECK (ox_store_get_range (w->st, key, 1000, buf, 30000) == 0);
    CHECK_MEM (buf, data + 1000, 30000);
    CHECK (ox_store_del (w->st, key) == 0);
  }
  return NULL;
}

static void
check_concurrency (const char *url)
{
  struct ox_store *st = open_store (url, 3);
  struct worker w[12];
  pthread_t t[12];
  int i;

  CHECK (st != NULL);
  for (i = 0; i < 12; i++) {
    w[i] = (struct worker){ st, i };
    CHECK (pthread_create (&t[i], NULL, stress, &w[i]) == 0);
  }
  for (i = 0; i < 12; i++)
    pthread_join (t[i], NULL);
  ox_store_close (st);
}

/* Requests ST sent, retries not counted. */
static uint64_t
first_tries (struct ox_store *st)
{
  struct ox_s3_stats stats;

  CHECK (ox_s3_store_stats (st, &stats) == 0);
  return stats.requests - stats.retries;
}

/* put_new creates an absent object, and for one that exists fails with
 * EEXIST, reporting nothing and leaving it as it was. Whether the server
 * honours If-None-Match is found out once: afterwards a put_new costs one
 * request (conditional PUT) or four (HEAD, PUT, GET back twice). */
static void
check_put_new (struct ox_store *st)
{
  void *got;
  size_t len;
  uint64_t before, cost;

  nerrors = 0;
  CHECK (ox_store_put_new (st, "new/one", "first", 5) == 0);
  CHECK (ox_store_get (st, "new/one", &got, &len) == 0);
  CHECK (len == 5 && memcmp (got, "first", 5) == 0);
  free (got);
  errno = 0;
  CHECK (ox_store_put_new (st, "new/one", "second!", 7) == -1);
  CHECK_EQ_INT (errno, EEXIST);
  CHECK (ox_store_get (st, "new/one", &got, &len) == 0);
  CHECK (len == 5 && memcmp (got, "first", 5) == 0);
  free (got);
  CHECK_EQ_INT (nerrors, 0);
  before = first_tries (st);
  CHECK (ox_store_put_new (st, "new/two", "2", 1) == 0);
  cost = first_tries (st) - before;
  printf ("put_new: %llu request(s) per object\n", (unsigned long long)cost);
  CHECK (cost == 1 || cost == 4);
  CHECK (ox_store_del (st, "new/one") == 0);
  CHECK (ox_store_del (st, "new/two") == 0);
}

#define RACERS 4
#define RACE_ROUNDS 20

struct racer {
  struct ox_store *st; /* its own store: its own connections */
  pthread_barrier_t *start;
  int id, wins[RACE_ROUNDS], eexist;
};

static void *
racer_thread (void *arg)
{
  struct racer *r = arg;
  char key[64], data[64];

  for (int k = 0; k < RACE_ROUNDS; k++) {
    int n = snprintf (data, sizeof data, "racer %d round %d", r->id, k);
    snprintf (key, sizeof key, "race/%d", k);
    pthread_barrier_wait (r->start);
    errno = 0;
    if (ox_store_put_new (r->st, key, data, (size_t)n) == 0)
      r->wins[k] = 1;
    else if (errno == EEXIST)
      r->eexist++;
  }
  return NULL;
}

/* Writers racing put_new on one key, each through its own store handle,
 * released together: exactly one wins, the others get EEXIST, and the
 * object holds the winner's bytes. (With the HEAD/PUT/GET fallback a
 * second winner is possible in principle, docs/DESIGN.md; this checks
 * that the read-back catches the overlaps that happen in practice.) */
static void
check_put_new_race (const char *url)
{
  pthread_barrier_t start;
  pthread_t t[RACERS];
  struct racer r[RACERS];
  int i, k, eexist = 0;

  CHECK (pthread_barrier_init (&start, NULL, RACERS) == 0);
  nerrors = 0;
  for (i = 0; i < RACERS; i++) {
    r[i] = (struct racer){ .st = open_store (url, 2),
                           .start = &start,
                           .id = i };
    CHECK (r[i].st != NULL);
  }
  for (i = 0; i < RACERS; i++)
    CHECK (pthread_create (&t[i], NULL, racer_thread, &r[i]) == 0);
  for (i = 0; i < RACERS; i++)
    pthread_join (t[i], NULL);
  for (k = 0; k < RACE_ROUNDS; k++) {
    char key[64], want[64];
    void *got;
    size_t len;
    int winner = -1, wins = 0, n;
    for (i = 0; i < RACERS; i++)
      if (r[i].wins[k]) {
        wins++;
        winner = i;
      }
    CHECK_EQ_INT (wins, 1);
    snprintf (key, sizeof key, "race/%d", k);
    n = snprintf (want, sizeof want, "racer %d round %d", winner, k);
    CHECK (ox_store_get (r[0].st, key, &got, &len) == 0);
    CHECK (len == (size_t)n && memcmp (got, want, len) == 0);
    free (got);
    CHECK (ox_store_del (r[0].st, key) == 0);
  }
  for (i = 0; i < RACERS; i++) {
    eexist += r[i].eexist;
    ox_store_close (r[i].st);
  }
  CHECK_EQ_INT (eexist, (RACERS - 1) * RACE_ROUNDS);
  CHECK_EQ_INT (nerrors, 0);
  pthread_barrier_destroy (&start);
}

static void
make_bucket_url (char *bucket_url, size_t n)
{
  const char *b = getenv ("OX_S3_TEST_BUCKET");

  if (b)
    snprintf (bucket_url, n, "s3://%s", b);
  else
    snprintf (bucket_url, n, "s3://oxtest-%ld-%d", (long)time (NULL),
              (int)getpid ());
}

static int
full_test (void)
{
  char bucket_url[256], url[512];
  struct ox_store *st;

  make_bucket_url (bucket_url, sizeof bucket_url);
  snprintf (url, sizeof url, "%s/store/one", bucket_url);
  st = open_store (url, 8);
  CHECK (st != NULL);
  CHECK (strcmp (st->url, url) == 0);
  CHECK (strcmp (st->ops->scheme, "s3") == 0);
  CHECK (ox_s3_create_bucket (st) == 0);
  CHECK (ox_s3_create_bucket (st) == 0); /* already ours: fine */
  check_basic (st);
  check_list (st);
  check_delete_keys (st);
  check_put_new (st);
  ox_store_close (st);
  check_put_new_race (url);
  check_prefix_isolation (bucket_url);
  check_multipart (url);
  check_concurrency (url);
  printf ("s3store: all checks passed against %s\n",
          getenv ("OX_S3_ENDPOINT"));
  return 0;
}

/* Only the put_new checks, against store URL (its bucket must exist). */
static int
put_new_test (const char *url)
{
  struct ox_store *st = open_store (url, 2);

  CHECK (st != NULL);
  check_put_new (st);
  ox_store_close (st);
  check_put_new_race (url);
  printf ("s3store: put_new checks passed against %s\n",
          getenv ("OX_S3_ENDPOINT"));
  return 0;
}

/* stat ox-probe and print the outcome. Exit 0 found, 2 ENOENT, 1 error. */
static int
probe (const char *url)
{
  struct ox_store *st = open_store (url, 2);
  uint64_t size;
  int r;

  if (st == NULL)
    return 1;
  r = ox_store_stat (st, "ox-probe", &size);
  if (r == 0)
    printf ("found %llu\n", (unsigned long long)size);
  else if (errno == ENOENT && nerrors == 0)
    printf ("ENOENT\n");
  ox_store_close (st);
  return r == 0 ? 0 : errno == ENOENT && nerrors == 0 ? 2 : 1;
}

/* get KEY and print its size and a simple sum of its bytes. */
static int
get (const char *url, const char *key)
{
  struct ox_store *st = open_store (url, 2);
  void *data;
  size_t len, i;
  uint64_t sum = 0;

  if (st == NULL || ox_store_get (st, key, &data, &len) == -1) {
    ox_store_close (st);
    return 1;
  }
  for (i = 0; i < len; i++)
    sum = sum * 31 + ((unsigned char *)data)[i];
  printf ("%zu %llu\n", len, (unsigned long long)sum);
  free (data);
  ox_store_close (st);
  return 0;
}

/* put KEY with SIZE bytes of a fixed pattern (for the retry tests). */
static int
put (const char *url, const char *key, const char *size_s)
{
  struct ox_store *st = open_store (url, 4);
  size_t len = strtoull (size_s, NULL, 10);
  unsigned char *data = malloc (len ? len : 1);
  int r;

  if (st == NULL || data == NULL)
    return 1;
  fill (data, len, 42);
  r = ox_store_put (st, key, data, len);
  free (data);
  ox_store_close (st);
  return r == 0 ? 0 : 1;
}

/* PUT N tiny objects many/00000... with 8 threads. */
static int
fill_many (const char *url, const char *n_s)
{
  struct ox_store *st = open_store (url, 8);
  struct many m[8];
  pthread_t t[8];
  int i;
  double start = ox_now_s ();

  CHECK (st != NULL);
  for (i = 0; i < 8; i++) {
    m[i] = (struct many){ st, i, 8, atoi (n_s) };
    CHECK (pthread_create (&t[i], NULL, put_many, &m[i]) == 0);
  }
  for (i = 0; i < 8; i++)
    pthread_join (t[i], NULL);
  printf ("%s small PUTs with 8 threads: %.2f s\n", n_s, ox_now_s () - start);
  ox_store_close (st);
  return 0;
}

/* Delete every key under many/ in one ox_store_del_many call, then list
 * again: exit 0 only if the call succeeded and nothing is left. */
static int
delete_many (const char *url)
{
  struct ox_store *st = open_store (url, 2);
  struct collected c = { 0 };
  struct ox_s3_stats s0, s1;
  double start;
  int r;

  CHECK (st != NULL);
  CHECK (ox_store_list (st, "many/", collect, &c) == 0);
  CHECK (ox_s3_store_stats (st, &s0) == 0);
  start = ox_now_s ();
  r = ox_store_del_many (st, (const char *const *)c.keys, c.n);
  CHECK (ox_s3_store_stats (st, &s1) == 0);
  printf ("delete of %zu keys: %s in %.1f s, %llu requests (%llu "
          "retried)\n",
          c.n, r == 0 ? "done" : "FAILED", ox_now_s () - start,
          (unsigned long long)distinct (&s0, &s1),
          (unsigned long long)(s1.retries - s0.retries));
  free_collected (&c);
  CHECK (ox_store_list (st, "many/", collect, &c) == 0);
  printf ("left: %zu keys\n", c.n);
  r = r == 0 && c.n == 0 ? 0 : 1;
  free_collected (&c);
  ox_store_close (st);
  return r;
}

static int
mkbucket (const char *url)
{
  struct ox_store *st = open_store (url, 1);
  int r;

  if (st == NULL)
    return 1;
  r = ox_s3_create_bucket (st);
  ox_store_close (st);
  return r == 0 ? 0 : 1;
}

struct bench_job {
  struct ox_store *st;
  unsigned char *data;
  size_t len;
  int index, get;
};

static void *
bench_one (void *arg)
{
  struct bench_job *j = arg;
  char key[64];

  snprintf (key, sizeof key, "bench/%d", j->index);
  if (j->get)
    CHECK (ox_store_get_range (j->st, key, 0, j->data, j->len) == 0);
  else
    CHECK (ox_store_put (j->st, key, j->data, j->len) == 0);
  return NULL;
}

/* PUT then GET MIB MiB as objects of 16 MiB, CONN at once. */
static int
bench (const char *url, const char *mib_s, const char *conn_s)
{
  int conn = atoi (conn_s), nobj = atoi (mib_s) / 16, i, pass;
  size_t len = 16 * MIB;
  struct ox_store *st = open_store (url, conn);
  struct bench_job *jobs = calloc (nobj, sizeof *jobs);
  pthread_t *t = calloc (nobj, sizeof *t);
  double start, secs[2];

  CHECK (st && jobs && t && nobj > 0);
  for (i = 0; i < nobj; i++) {
    jobs[i] = (struct bench_job){ st, malloc (len), len, i, 0 };
    CHECK (jobs[i].data != NULL);
    fill (jobs[i].data, len, i);
  }
  for (pass = 0; pass < 2; pass++) {
    start = ox_now_s ();
    for (i = 0; i < nobj; i++) {
      jobs[i].get = pass;
      CHECK (pthread_create (&t[i], NULL, bench_one, &jobs[i]) == 0);
    }
    for (i = 0; i < nobj; i++)
      pthread_join (t[i], NULL);
    secs[pass] = ox_now_s () - start;
  }
  printf ("%d MiB in 16 MiB objects, %d connections: PUT %.0f MiB/s, GET "
          "%.0f MiB/s\n",
          nobj * 16, conn, nobj * 16 / secs[0], nobj * 16 / secs[1]);
  for (i = 0; i < nobj; i++)
    free (jobs[i].data);
  free (jobs);
  free (t);
  ox_store_close (st);
  return 0;
}

/* count's listing callback: objects and bytes. */
static int
count_one (void *opaque, const char *key, uint64_t size)
{
  uint64_t *c = opaque;

  (void)key;
  c[0]++;
  c[1] += size;
  return 0;
}

/* Print the number of objects under PREFIX of URL and their bytes. */
static int
count (const char *url, const char *prefix)
{
  struct ox_store *st = open_store (url, 2);
  uint64_t c[2] = { 0, 0 };

  CHECK (st != NULL);
  CHECK (ox_store_list (st, prefix, count_one, c) == 0);
  printf ("%llu %llu\n", (unsigned long long)c[0], (unsigned long long)c[1]);
  ox_store_close (st);
  return 0;
}

/* Delete KEY of URL. */
static int
del (const char *url, const char *key)
{
  struct ox_store *st = open_store (url, 2);
  int r;

  CHECK (st != NULL);
  r = ox_store_del (st, key);
  ox_store_close (st);
  return r == 0 ? 0 : 1;
}

/* Make the store at DST a copy of the one at SRC (for the tests that put
 * back an old copy of a whole store): every object of SRC copied, every
 * other object of DST deleted. */
static int
mirror (const char *src, const char *dst)
{
  struct ox_store *s = open_store (src, 2), *d = open_store (dst, 2);
  struct collected a = { 0 }, b = { 0 };
  size_t i, j, len;
  void *data;
  int r = 0;

  CHECK (s && d);
  CHECK (ox_store_list (s, "", collect, &a) == 0);
  CHECK (ox_store_list (d, "", collect, &b) == 0);
  for (i = 0; i < a.n && r == 0; i++) {
    if (ox_store_get (s, a.keys[i], &data, &len) == -1)
      r = 1;
    else {
      r = ox_store_put (d, a.keys[i], data, len) == 0 ? 0 : 1;
      free (data);
    }
  }
  for (j = 0; j < b.n && r == 0; j++) {
    for (i = 0; i < a.n && strcmp (a.keys[i], b.keys[j]) != 0; i++)
      ;
    if (i == a.n && ox_store_del (d, b.keys[j]) == -1)
      r = 1;
  }
  printf ("%zu objects copied, %zu in the destination before\n", a.n, b.n);
  free_collected (&a);
  free_collected (&b);
  ox_store_close (s);
  ox_store_close (d);
  return r;
}

int
main (int argc, char *argv[])
{
  if (getenv ("OX_S3_ENDPOINT") == NULL) {
    fprintf (stderr, "OX_S3_ENDPOINT is not set: skipping (run "
                     "tests/functional/test-s3-store.sh)\n");
    return 77;
  }
  ox_log_set_handler (capture);
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc == 1)
    return full_test ();
  if (argc == 3 && strcmp (argv[1], "probe") == 0)
    return probe (argv[2]);
  if (argc == 4 && strcmp (argv[1], "get") == 0)
    return get (argv[2], argv[3]);
  if (argc == 5 && strcmp (argv[1], "put") == 0)
    return put (argv[2], argv[3], argv[4]);
  if (argc == 3 && strcmp (argv[1], "put-new") == 0)
    return put_new_test (argv[2]);
  if (argc == 3 && strcmp (argv[1], "mkbucket") == 0)
    return mkbucket (argv[2]);
  if (argc == 4 && strcmp (argv[1], "fill") == 0)
    return fill_many (argv[2], argv[3]);
  if (argc == 3 && strcmp (argv[1], "delete-all") == 0)
    return delete_many (argv[2]);
  if (argc == 4 && strcmp (argv[1], "count") == 0)
    return count (argv[2], argv[3]);
  if (argc == 5 && strcmp (argv[1], "bench") == 0)
    return bench (argv[2], argv[3], argv[4]);
  if (argc == 4 && strcmp (argv[1], "del") == 0)
    return del (argv[2], argv[3]);
  if (argc == 4 && strcmp (argv[1], "mirror") == 0)
    return mirror (argv[2], argv[3]);
  fprintf (stderr,
           "usage: %s [probe URL | get URL KEY | put URL KEY SIZE | "
           "mkbucket URL | fill URL N | delete-all URL | count URL PREFIX | "
           "put-new URL | "
           "bench URL MIB CONNECTIONS | del URL KEY | mirror SRC DST]\n",
           argv[0]);
  return 1;
}
