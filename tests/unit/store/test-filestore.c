/* ox: tests of the file:// object store and of ox_store_open. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "filestore.h"
#include "store.h"
#include "storeopen.h"
#include "test.h"

static atomic_int errors;
static char last_error[2048];

static void
count_errors (enum ox_log_level level, const char *msg)
{
  if (level == OX_LOG_ERROR) {
    atomic_fetch_add (&errors, 1);
    snprintf (last_error, sizeof last_error, "%s", msg);
  }
}

static char tmpdir[1024];

static int
remove_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove (path);
}

static void
cleanup_tmpdir (void)
{
  nftw (tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path of NAME inside the test's directory (static buffer). */
static const char *
in_tmp (const char *name)
{
  static char buf[PATH_MAX];
  snprintf (buf, sizeof buf, "%s/%s", tmpdir, name);
  return buf;
}

static void
write_file (const char *path, const char *content)
{
  FILE *f = fopen (path, "w");
  CHECK (f != NULL);
  CHECK (fputs (content, f) >= 0);
  CHECK (fclose (f) == 0);
}

/* A pattern buffer of N bytes derived from SEED. */
static unsigned char *
pattern (size_t n, unsigned seed)
{
  unsigned char *p = malloc (n ? n : 1);
  size_t i;
  CHECK (p != NULL);
  for (i = 0; i < n; i++)
    p[i] = (unsigned char)((i * 131 + seed * 7 + (i >> 8)) ^ seed);
  return p;
}

static void
check_get (struct ox_store *st, const char *key, const void *want, size_t n)
{
  void *data = NULL;
  size_t len = 12345;
  uint64_t size = 0;

  CHECK_EQ_INT (ox_store_get (st, key, &data, &len), 0);
  CHECK_EQ_INT (len, n);
  CHECK_MEM (data, want, n);
  free (data);
  CHECK_EQ_INT (ox_store_stat (st, key, &size), 0);
  CHECK_EQ_INT (size, n);
}

static void
test_open (void)
{
  struct ox_store_options opts = { 0 };
  struct ox_store *st = NULL;
  char url[PATH_MAX + 16];
  int e0 = errors;

  /* Missing directory without create: an error naming it. */
  CHECK_EQ_INT (ox_file_store_open (in_tmp ("nope"), &opts, &st), -1);
  CHECK_EQ_INT (errors, e0 + 1);
  CHECK (strstr (last_error, "does not exist") != NULL);
  CHECK (strstr (last_error, "nope") != NULL);
  CHECK_EQ_INT (ox_file_store_open (in_tmp ("nope"), NULL, &st), -1);

  /* With create, nested directories are made. */
  opts.create = 1;
  CHECK_EQ_INT (ox_file_store_open (in_tmp ("made/a/b"), &opts, &st), 0);
  CHECK (strcmp (st->ops->scheme, "file") == 0);
  ox_store_close (st);
  struct stat sb;
  CHECK_EQ_INT (stat (in_tmp ("made/a/b"), &sb), 0);
  CHECK (S_ISDIR (sb.st_mode));

  /* A regular file is not a store directory. */
  write_file (in_tmp ("plainfile"), "x");
  e0 = errors;
  CHECK_EQ_INT (ox_file_store_open (in_tmp ("plainfile"), &opts, &st), -1);
  CHECK_EQ_INT (errors, e0 + 1);
  CHECK (strstr (last_error, "not a directory") != NULL);

  /* URL forms. */
  snprintf (url, sizeof url, "file://%s", in_tmp ("made"));
  CHECK_EQ_INT (ox_store_open (url, NULL, &st), 0);
  CHECK (strcmp (st->url, url) == 0);
  ox_store_close (st);
  CHECK_EQ_INT (ox_store_open (in_tmp ("made"), NULL, &st), 0);
  ox_store_close (st);
  CHECK_EQ_INT (chdir (tmpdir), 0);
  CHECK_EQ_INT (ox_store_open ("file://made/a", NULL, &st), 0);
  CHECK_EQ_INT (ox_store_put (st, "k", "rel", 3), 0);
  ox_store_close (st);
  CHECK_EQ_INT (stat (in_tmp ("made/a/k"), &sb), 0);
  CHECK_EQ_INT (ox_store_open ("made/a/b", NULL, &st), 0);
  ox_store_close (st);
  CHECK_EQ_INT (ox_store_open ("file://relnew/x", &opts, &st), 0);
  ox_store_close (st);
  CHECK_EQ_INT (stat (in_tmp ("relnew/x"), &sb), 0);

  e0 = errors;
  st = NULL;
  CHECK_EQ_INT (ox_store_open ("http://example.com/x", NULL, &st), -1);
  CHECK (strstr (last_error, "unknown scheme \"http\"") != NULL);
  CHECK_EQ_INT (ox_store_open ("file://", NULL, &st), -1);
  CHECK_EQ_INT (ox_store_open ("", NULL, &st), -1);
  CHECK_EQ_INT (ox_store_open ("s3://", NULL, &st), -1);
  CHECK (strstr (last_error, "no bucket") != NULL);
  CHECK_EQ_INT (ox_store_open ("s3:///prefix", NULL, &st), -1);
  CHECK (strstr (last_error, "no bucket") != NULL);
  CHECK_EQ_INT (ox_store_open ("s3://b//p", NULL, &st), -1);
  CHECK (strstr (last_error, "empty component") != NULL);
  CHECK_EQ_INT (errors, e0 + 6);
  CHECK (st == NULL);
}

static void
test_put_get (struct ox_store *st)
{
  unsigned char *a = pattern (100000, 1), *b = pattern (777, 2);
  unsigned char buf[1000];
  void *data = NULL;
  size_t len = 1;

  CHECK_EQ_INT (ox_store_put (st, "ox-store", a, 100000), 0);
  check_get (st, "ox-store", a, 100000);
  CHECK_EQ_INT (ox_store_put (st, "segments/ab/abcdef", b, 777), 0);
  check_get (st, "segments/ab/abcdef", b, 777);

  /* Ranges, including empty and up to the very end. */
  CHECK_EQ_INT (ox_store_get_range (st, "ox-store", 4000, buf, 1000), 0);
  CHECK_MEM (buf, a + 4000, 1000);
  CHECK_EQ_INT (ox_store_get_range (st, "ox-store", 99000, buf, 1000), 0);
  CHECK_MEM (buf, a + 99000, 1000);
  CHECK_EQ_INT (ox_store_get_range (st, "segments/ab/abcdef", 0, buf, 777), 0);
  CHECK_MEM (buf, b, 777);
  CHECK_EQ_INT (ox_store_get_range (st, "ox-store", 100000, buf, 0), 0);

  /* Overwrite with a shorter object: exactly the new bytes. */
  CHECK_EQ_INT (ox_store_put (st, "ox-store", b, 777), 0);
  check_get (st, "ox-store", b, 777);

  /* Empty objects. */
  CHECK_EQ_INT (ox_store_put (st, "empty", "", 0), 0);
  CHECK_EQ_INT (ox_store_get (st, "empty", &data, &len), 0);
  CHECK_EQ_INT (len, 0);
  free (data);
  check_get (st, "empty", "", 0);

  /* The object is a plain file with the bytes in it. */
  FILE *f = fopen (in_tmp ("store/segments/ab/abcdef"), "r");
  CHECK (f != NULL);
  CHECK_EQ_INT (fread (buf, 1, sizeof buf, f), 777);
  CHECK_MEM (buf, b, 777);
  fclose (f);
  free (a);
  free (b);
}

static void
test_short_reads (struct ox_store *st)
{
  unsigned char *a = pattern (5000, 3);
  unsigned char buf[200];
  int e0;

  CHECK_EQ_INT (ox_store_put (st, "short", a, 5000), 0);
  e0 = errors;
  errno = 0;
  CHECK_EQ_INT (ox_store_get_range (st, "short", 4900, buf, 101), -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_EQ_INT (errors, e0 + 1);
  CHECK (strstr (last_error,
                 "object short is shorter than expected (5000 bytes, wanted "
                 "5001)")
         != NULL);
  errno = 0;
  CHECK_EQ_INT (ox_store_get_range (st, "short", 6000, buf, 1), -1);
  CHECK_EQ_INT (errno, EIO);
  errno = 0;
  CHECK_EQ_INT (ox_store_get_range (st, "short", UINT64_MAX - 5, buf, 100),
                -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK_EQ_INT (errors, e0 + 3);

  /* Truncated on disk behind the store's back. */
  CHECK_EQ_INT (truncate (in_tmp ("store/short"), 1000), 0);
  errno = 0;
  CHECK_EQ_INT (ox_store_get_range (st, "short", 900, buf, 200), -1);
  CHECK_EQ_INT (errno, EIO);
  CHECK (strstr (last_error, "1000 bytes, wanted 1100") != NULL);
  CHECK_EQ_INT (ox_store_get_range (st, "short", 800, buf, 200), 0);
  CHECK_MEM (buf, a + 800, 200);
  check_get (st, "short", a, 1000);
  free (a);
}

/* Missing objects: -1, errno ENOENT, no message. */
static void
test_enoent (struct ox_store *st)
{
  const char *keys[] = {
    "missing",
    "segments/zz/missing",
    "nodir/x/y",
    "segments/ab",          /* a directory, not an object */
    "segments/ab/abcdef/x", /* below an object */
  };
  unsigned char buf[4];
  void *data = NULL;
  size_t len = 0, i;
  uint64_t size = 0;
  int e0 = errors;

  for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    errno = 0;
    CHECK_EQ_INT (ox_store_get (st, keys[i], &data, &len), -1);
    CHECK_EQ_INT (errno, ENOENT);
    errno = 0;
    CHECK_EQ_INT (ox_store_get_range (st, keys[i], 0, buf, 4), -1);
    CHECK_EQ_INT (errno, ENOENT);
    errno = 0;
    CHECK_EQ_INT (ox_store_stat (st, keys[i], &size), -1);
    CHECK_EQ_INT (errno, ENOENT);
    errno = 0;
    CHECK_EQ_INT (ox_store_del (st, keys[i]), -1);
    CHECK_EQ_INT (errno, ENOENT);
  }
  CHECK_EQ_INT (errors, e0);
  CHECK (data == NULL);

  /* Delete, then it is gone (silently), and deleting again is ENOENT. */
  CHECK_EQ_INT (ox_store_put (st, "volumes/v/tags/t", "tag", 3), 0);
  CHECK_EQ_INT (ox_store_del (st, "volumes/v/tags/t"), 0);
  errno = 0;
  CHECK_EQ_INT (ox_store_stat (st, "volumes/v/tags/t", &size), -1);
  CHECK_EQ_INT (errno, ENOENT);
  errno = 0;
  CHECK_EQ_INT (ox_store_del (st, "volumes/v/tags/t"), -1);
  CHECK_EQ_INT (errno, ENOENT);
  CHECK_EQ_INT (access (in_tmp ("store/volumes/v/tags/t"), F_OK), -1);
  CHECK_EQ_INT (errors, e0);
}

static void
test_bad_keys (struct ox_store *st)
{
  char longkey[1100];
  char longcomp[300];
  const char *bad[] = {
    "",
    "/abs",
    "a//b",
    "a/../b",
    "..",
    ".",
    "a/./b",
    "a/",
    "a b",
    "a\\b",
    "caf\xc3\xa9",
    "x.tmp.12.34.00ff",
    "d/y.tmp.1.2.a",
    "a\nb",
    longkey,
    longcomp,
  };
  unsigned char buf[1];
  void *data;
  size_t len, i;
  uint64_t size;
  int e0 = errors;

  memset (longkey, 'k', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = '\0';
  memset (longcomp, 'c', sizeof longcomp - 1);
  longcomp[sizeof longcomp - 1] = '\0';
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    errno = 0;
    CHECK_EQ_INT (ox_store_put (st, bad[i], "x", 1), -1);
    CHECK_EQ_INT (errno, EINVAL);
    CHECK (strstr (last_error, "invalid object key") != NULL);
    CHECK_EQ_INT (ox_store_get (st, bad[i], &data, &len), -1);
    CHECK_EQ_INT (ox_store_get_range (st, bad[i], 0, buf, 1), -1);
    CHECK_EQ_INT (ox_store_stat (st, bad[i], &size), -1);
    CHECK_EQ_INT (ox_store_del (st, bad[i]), -1);
    CHECK_EQ_INT (errno, EINVAL);
  }
  CHECK_EQ_INT (errors, e0 + 5 * (int)(sizeof bad / sizeof bad[0]));
  CHECK_EQ_INT (access (in_tmp ("b"), F_OK), -1);

  /* Good keys with dots and dashes are fine. */
  CHECK_EQ_INT (ox_store_put (st, "v/a..b/.hidden/x-y_z.1", "ok", 2), 0);
  check_get (st, "v/a..b/.hidden/x-y_z.1", "ok", 2);
  CHECK_EQ_INT (ox_store_del (st, "v/a..b/.hidden/x-y_z.1"), 0);
}

struct listing {
  char keys[64][128];
  uint64_t sizes[64];
  int n;
  int stop_after;
};

static int
collect_key (void *opaque, const char *key, uint64_t size)
{
  struct listing *l = opaque;

  CHECK (l->n < 64);
  snprintf (l->keys[l->n], sizeof l->keys[0], "%s", key);
  l->sizes[l->n] = size;
  l->n++;
  return l->stop_after && l->n >= l->stop_after ? -1 : 0;
}

/* List PREFIX and compare with the NUL-separated, NULL-terminated WANT. */
static void
check_list (struct ox_store *st, const char *prefix, const char *const *want)
{
  struct listing l = { .n = 0 };
  int i;

  CHECK_EQ_INT (ox_store_list (st, prefix, collect_key, &l), 0);
  for (i = 0; want[i]; i++) {
    CHECK (i < l.n);
    if (strcmp (l.keys[i], want[i]) != 0) {
      fprintf (stderr, "list %s: got %s, want %s\n", prefix, l.keys[i],
               want[i]);
      CHECK (0);
    }
  }
  CHECK_EQ_INT (l.n, i);
}

static void
test_list (void)
{
  struct ox_store_options opts = { .create = 1 };
  struct ox_store *st;
  const char *keys[] = {
    "volumes/vm1/snapshots/0000000000000002",
    "volumes/vm1/snapshots/0000000000000001",
    "volumes/vm1/snapshots/000000000000000a",
    "volumes/vm1/tags/latest",
    "volumes/vm10/snapshots/0000000000000001",
    "volumes/vm1-old/snapshots/0000000000000003",
    "segments/ff/ff01",
    "segments/00/0001",
    "segments/0a/0a01",
    "segmentsX",
    "ox-store",
    "pages/12/1234",
  };
  size_t i;
  int e0;

  CHECK_EQ_INT (ox_file_store_open (in_tmp ("liststore"), &opts, &st), 0);
  /* Empty store, and a prefix with no directory. */
  check_list (st, "", (const char *[]){ NULL });
  check_list (st, "volumes/nothing/", (const char *[]){ NULL });
  for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
    CHECK_EQ_INT (ox_store_put (st, keys[i], "0123456789abcdef", i + 1), 0);

  /* Junk a crash could leave, and foreign files: never listed. */
  write_file (in_tmp ("liststore/segments/00/0002.tmp.123.456.deadbeef"), "t");
  write_file (in_tmp ("liststore/volumes/vm1/snapshots/x.tmp.1.1.0"), "t");
  write_file (in_tmp ("liststore/segments/00/bad name"), "t");
  CHECK_EQ_INT (mkfifo (in_tmp ("liststore/segments/00/fifo"), 0600), 0);
  CHECK_EQ_INT (symlink ("..", in_tmp ("liststore/segments/00/loop")), 0);

  check_list (st, "volumes/vm1/snapshots/",
              (const char *[]){ "volumes/vm1/snapshots/0000000000000001",
                                "volumes/vm1/snapshots/0000000000000002",
                                "volumes/vm1/snapshots/000000000000000a",
                                NULL });
  check_list (st, "volumes/vm1/",
              (const char *[]){ "volumes/vm1/snapshots/0000000000000001",
                                "volumes/vm1/snapshots/0000000000000002",
                                "volumes/vm1/snapshots/000000000000000a",
                                "volumes/vm1/tags/latest", NULL });
  /* Mid-component prefix: vm1, vm1-old, vm10 in strcmp order. */
  check_list (st, "volumes/vm1",
              (const char *[]){ "volumes/vm1-old/snapshots/0000000000000003",
                                "volumes/vm1/snapshots/0000000000000001",
                                "volumes/vm1/snapshots/0000000000000002",
                                "volumes/vm1/snapshots/000000000000000a",
                                "volumes/vm1/tags/latest",
                                "volumes/vm10/snapshots/0000000000000001",
                                NULL });
  check_list (st, "segments/",
              (const char *[]){ "segments/00/0001", "segments/0a/0a01",
                                "segments/ff/ff01", NULL });
  check_list (st, "segments",
              (const char *[]){ "segments/00/0001", "segments/0a/0a01",
                                "segments/ff/ff01", "segmentsX", NULL });
  check_list (
      st, "segments/0",
      (const char *[]){ "segments/00/0001", "segments/0a/0a01", NULL });
  check_list (st, "ox-store", (const char *[]){ "ox-store", NULL });
  check_list (st, "ox-store/", (const char *[]){ NULL });
  check_list (st, "volumes/vm1/tags/latest/", (const char *[]){ NULL });
  check_list (
      st, "",
      (const char *[]){ "ox-store", "pages/12/1234", "segments/00/0001",
                        "segments/0a/0a01", "segments/ff/ff01", "segmentsX",
                        "volumes/vm1-old/snapshots/0000000000000003",
                        "volumes/vm1/snapshots/0000000000000001",
                        "volumes/vm1/snapshots/0000000000000002",
                        "volumes/vm1/snapshots/000000000000000a",
                        "volumes/vm1/tags/latest",
                        "volumes/vm10/snapshots/0000000000000001", NULL });

  /* Sizes are reported. */
  struct listing l = { .n = 0 };
  CHECK_EQ_INT (ox_store_list (st, "pages/", collect_key, &l), 0);
  CHECK_EQ_INT (l.n, 1);
  CHECK_EQ_INT (l.sizes[0], 12);

  /* The callback can stop the listing. */
  l = (struct listing){ .stop_after = 2 };
  CHECK_EQ_INT (ox_store_list (st, "", collect_key, &l), -1);
  CHECK_EQ_INT (l.n, 2);

  /* Bad prefixes. */
  e0 = errors;
  l = (struct listing){ .n = 0 };
  CHECK_EQ_INT (ox_store_list (st, "/", collect_key, &l), -1);
  CHECK_EQ_INT (ox_store_list (st, "../", collect_key, &l), -1);
  CHECK_EQ_INT (ox_store_list (st, "a//", collect_key, &l), -1);
  CHECK_EQ_INT (ox_store_list (st, "a/../b", collect_key, &l), -1);
  CHECK_EQ_INT (errors, e0 + 4);
  CHECK_EQ_INT (l.n, 0);

  /* After delete, gone from the listing. */
  CHECK_EQ_INT (ox_store_del (st, "segments/0a/0a01"), 0);
  check_list (st, "segments/0", (const char *[]){ "segments/00/0001", NULL });
  ox_store_close (st);
}

/* Overwrites are atomic: a reader sees the old or the new object, whole. */
struct flip {
  struct ox_store *st;
  unsigned char *v[2];
  size_t n[2];
  atomic_int done;
  int reads;
};

static void *
flip_reader (void *arg)
{
  struct flip *f = arg;

  while (!atomic_load (&f->done)) {
    void *data;
    size_t len;
    CHECK_EQ_INT (ox_store_get (f->st, "volumes/v/tags/flip", &data, &len), 0);
    CHECK ((len == f->n[0] && memcmp (data, f->v[0], len) == 0)
           || (len == f->n[1] && memcmp (data, f->v[1], len) == 0));
    free (data);
    f->reads++;
  }
  return NULL;
}

static void
test_atomic_overwrite (struct ox_store *st)
{
  struct flip f = { .st = st };
  pthread_t t;
  int i;

  f.n[0] = 1 << 20;
  f.n[1] = 300000;
  f.v[0] = pattern (f.n[0], 10);
  f.v[1] = pattern (f.n[1], 11);
  CHECK_EQ_INT (ox_store_put (st, "volumes/v/tags/flip", f.v[0], f.n[0]), 0);
  CHECK_EQ_INT (pthread_create (&t, NULL, flip_reader, &f), 0);
  for (i = 0; i < 40; i++) {
    int w = (i + 1) % 2;
    CHECK_EQ_INT (ox_store_put (st, "volumes/v/tags/flip", f.v[w], f.n[w]), 0);
    check_get (st, "volumes/v/tags/flip", f.v[w], f.n[w]);
  }
  atomic_store (&f.done, 1);
  CHECK_EQ_INT (pthread_join (t, NULL), 0);
  CHECK (f.reads > 0);
  free (f.v[0]);
  free (f.v[1]);
}

/* Four threads write different keys into shared, new directories. */
#define THREADS 4
#define PER_THREAD 50

struct writer {
  struct ox_store *st;
  int id;
};

static void
concurrent_key (char *buf, size_t n, int t, int i)
{
  snprintf (buf, n, "conc/%02x/%d-%d", (t * 7 + i) % 16, t, i);
}

static void *
writer_thread (void *arg)
{
  struct writer *w = arg;
  char key[64];
  int i;

  for (i = 0; i < PER_THREAD; i++) {
    unsigned char *p = pattern (1000 + i * 37, w->id * 1000 + i);
    concurrent_key (key, sizeof key, w->id, i);
    CHECK_EQ_INT (ox_store_put (w->st, key, p, 1000 + i * 37), 0);
    free (p);
  }
  return NULL;
}

static int
count_key (void *opaque, const char *key, uint64_t size)
{
  ++*(int *)opaque;
  return 0;
}

static void
test_concurrent_puts (struct ox_store *st)
{
  pthread_t t[THREADS];
  struct writer w[THREADS];
  char key[64];
  int i, j, n = 0;

  for (i = 0; i < THREADS; i++) {
    w[i] = (struct writer){ .st = st, .id = i };
    CHECK_EQ_INT (pthread_create (&t[i], NULL, writer_thread, &w[i]), 0);
  }
  for (i = 0; i < THREADS; i++)
    CHECK_EQ_INT (pthread_join (t[i], NULL), 0);
  for (i = 0; i < THREADS; i++)
    for (j = 0; j < PER_THREAD; j++) {
      unsigned char *p = pattern (1000 + j * 37, i * 1000 + j);
      concurrent_key (key, sizeof key, i, j);
      check_get (st, key, p, 1000 + j * 37);
      free (p);
    }
  CHECK_EQ_INT (ox_store_list (st, "conc/", count_key, &n), 0);
  CHECK_EQ_INT (n, THREADS * PER_THREAD);
}

/* put_new creates an object that is absent, and for one that exists
 * fails with EEXIST, reporting nothing and leaving it as it was (also when
 * the name is a directory, and in a directory it has to create). */
static void
test_put_new (struct ox_store *st)
{
  int e0 = errors;

  CHECK_EQ_INT (ox_store_put_new (st, "new/a/b/one", "first", 5), 0);
  check_get (st, "new/a/b/one", "first", 5);
  errno = 0;
  CHECK_EQ_INT (ox_store_put_new (st, "new/a/b/one", "second!", 7), -1);
  CHECK_EQ_INT (errno, EEXIST);
  check_get (st, "new/a/b/one", "first", 5);
  errno = 0;
  CHECK_EQ_INT (ox_store_put_new (st, "new/a", "x", 1), -1);
  CHECK_EQ_INT (errno, EEXIST);
  CHECK_EQ_INT (errors, e0);
  /* An ordinary put still replaces. */
  CHECK_EQ_INT (ox_store_put (st, "new/a/b/one", "third", 5), 0);
  check_get (st, "new/a/b/one", "third", 5);
  CHECK_EQ_INT (ox_store_put_new (st, "new/empty", "", 0), 0);
  check_get (st, "new/empty", "", 0);
}

#define RACERS 8
#define RACE_ROUNDS 50

struct racer {
  struct ox_store *st;
  pthread_barrier_t *start;
  int id, wins[RACE_ROUNDS], eexist;
};

/* Each round, all racers put_new one key at once, each its own bytes. */
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

/* Threads racing put_new on one key: exactly one wins, the others get
 * EEXIST, and the object holds the winner's bytes. */
static void
test_put_new_race (struct ox_store *st)
{
  pthread_barrier_t start;
  pthread_t t[RACERS];
  struct racer r[RACERS];
  int e0 = errors, i, k, eexist = 0;

  CHECK_EQ_INT (pthread_barrier_init (&start, NULL, RACERS), 0);
  for (i = 0; i < RACERS; i++) {
    r[i] = (struct racer){ .st = st, .start = &start, .id = i };
    CHECK_EQ_INT (pthread_create (&t[i], NULL, racer_thread, &r[i]), 0);
  }
  for (i = 0; i < RACERS; i++)
    CHECK_EQ_INT (pthread_join (t[i], NULL), 0);
  for (k = 0; k < RACE_ROUNDS; k++) {
    char key[64], want[64];
    int winner = -1, wins = 0;
    for (i = 0; i < RACERS; i++)
      if (r[i].wins[k]) {
        wins++;
        winner = i;
      }
    CHECK_EQ_INT (wins, 1);
    snprintf (key, sizeof key, "race/%d", k);
    int n = snprintf (want, sizeof want, "racer %d round %d", winner, k);
    check_get (st, key, want, (size_t)n);
  }
  for (i = 0; i < RACERS; i++)
    eexist += r[i].eexist;
  CHECK_EQ_INT (eexist, (RACERS - 1) * RACE_ROUNDS);
  CHECK_EQ_INT (errors, e0);
  pthread_barrier_destroy (&start);
}

/* No temporary files are left behind by successful puts. */
static int temp_files;

static int
find_temp (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  if (strstr (path + ftw->base, ".tmp."))
    temp_files++;
  return 0;
}

/* Large objects from 4 KiB-aligned memory take the direct I/O path (with
 * an unaligned tail through the page cache); the bytes are the same
 * whichever path, and a failing direct write still fails cleanly. */
static void
test_direct_puts (struct ox_store *st)
{
  size_t sizes[] = { 1 << 20, (3 << 20) + 123, (1 << 20) + 4096, 5000 };
  unsigned char *src = pattern ((4 << 20) + 1, 9);
  void *aligned = NULL;
  struct rlimit old, lim;
  int e0;

  CHECK_EQ_INT (posix_memalign (&aligned, 4096, (4 << 20) + 4096), 0);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    memcpy (aligned, src, sizes[i]);
    CHECK_EQ_INT (ox_store_put (st, "direct/a", aligned, sizes[i]), 0);
    check_get (st, "direct/a", src, sizes[i]);
    /* The same bytes from an unaligned address: the buffered path. */
    memcpy ((char *)aligned + 1, src, sizes[i]);
    CHECK_EQ_INT (ox_store_put (st, "direct/u", (char *)aligned + 1, sizes[i]),
                  0);
    check_get (st, "direct/u", src, sizes[i]);
  }
  /* Overwriting a large object with a smaller one. */
  memcpy (aligned, src + 1, 1 << 20);
  CHECK_EQ_INT (ox_store_put (st, "direct/a", aligned, 1 << 20), 0);
  check_get (st, "direct/a", src + 1, 1 << 20);

  /* Past the file size limit: fails with EFBIG, the old object stays. */
  e0 = errors;
  CHECK_EQ_INT (getrlimit (RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = (2 << 20) + 8192;
  signal (SIGXFSZ, SIG_IGN);
  CHECK_EQ_INT (setrlimit (RLIMIT_FSIZE, &lim), 0);
  errno = 0;
  memcpy (aligned, src, 4 << 20);
  CHECK_EQ_INT (ox_store_put (st, "direct/a", aligned, 4 << 20), -1);
  CHECK_EQ_INT (errno, EFBIG);
  CHECK_EQ_INT (setrlimit (RLIMIT_FSIZE, &old), 0);
  CHECK (strstr (last_error, "direct/a") != NULL);
  CHECK_EQ_INT (errors, e0 + 1);
  check_get (st, "direct/a", src + 1, 1 << 20);
  free (aligned);
  free (src);
}

/* A failing put leaves no temporary file and names the key. */
static void
test_put_failure (struct ox_store *st)
{
  int e0 = errors;

  if (geteuid () != 0) {
    CHECK_EQ_INT (mkdir (in_tmp ("store/ro"), 0555), 0);
    CHECK_EQ_INT (ox_store_put (st, "ro/x", "x", 1), -1);
    CHECK (strstr (last_error, "ro/x") != NULL);
    CHECK_EQ_INT (errors, e0 + 1);
    e0 = errors;
  }
  /* A parent that is a file can never hold the object. */
  CHECK_EQ_INT (ox_store_put (st, "short/x", "x", 1), -1);
  CHECK (strstr (last_error, "short/x") != NULL);
  CHECK_EQ_INT (errors, e0 + 1);

  /* A write that fails midway (file size limit): the temporary file is
   * removed and an older version stays whole. */
  struct rlimit old, lim;
  unsigned char *big = pattern (1 << 20, 5);
  CHECK_EQ_INT (ox_store_put (st, "fsize/obj", "old", 3), 0);
  CHECK_EQ_INT (getrlimit (RLIMIT_FSIZE, &old), 0);
  lim = old;
  lim.rlim_cur = 65536;
  signal (SIGXFSZ, SIG_IGN);
  CHECK_EQ_INT (setrlimit (RLIMIT_FSIZE, &lim), 0);
  errno = 0;
  CHECK_EQ_INT (ox_store_put (st, "fsize/obj", big, 1 << 20), -1);
  CHECK_EQ_INT (errno, EFBIG);
  CHECK_EQ_INT (setrlimit (RLIMIT_FSIZE, &old), 0);
  CHECK (strstr (last_error, "fsize/obj") != NULL);
  CHECK_EQ_INT (errors, e0 + 2);
  check_get (st, "fsize/obj", "old", 3);
  free (big);
}

int
main (void)
{
  struct ox_store_options opts = { .create = 1 };
  struct ox_store *st;
  const char *base = getenv ("TMPDIR");

  snprintf (tmpdir, sizeof tmpdir, "%s/test-filestore.XXXXXX",
            base ? base : "/tmp");
  CHECK (mkdtemp (tmpdir) != NULL);
  ox_log_set_handler (count_errors);

  test_open ();
  CHECK_EQ_INT (ox_store_open (in_tmp ("store"), &opts, &st), 0);
  test_put_get (st);
  test_short_reads (st);
  test_enoent (st);
  test_bad_keys (st);
  test_atomic_overwrite (st);
  test_concurrent_puts (st);
  test_put_new (st);
  test_put_new_race (st);
  test_put_failure (st);
  test_direct_puts (st);
  ox_store_close (st);
  test_list ();

  CHECK_EQ_INT (nftw (in_tmp ("store"), find_temp, 16, FTW_PHYS), 0);
  CHECK_EQ_INT (temp_files, 0);
  CHECK_EQ_INT (chdir ("/"), 0);
  cleanup_tmpdir ();
  return 0;
}
