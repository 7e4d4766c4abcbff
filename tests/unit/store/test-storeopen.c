/* Test opening a store by URL (storeopen.c): every URL form, the errors
 * of bad URLs, and bwlimit wrapping file:// in the limit decorator. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storeopen.h"
#include "testlib.h"

static void
open_ok (const char *url, const struct ox_store_options *o)
{
  struct ox_store *st = NULL;
  void *data;
  size_t len;

  CHECK (ox_store_open (url, o, &st) == 0);
  CHECK (strcmp (st->url, url) == 0);
  CHECK (strcmp (st->ops->scheme, "file") == 0);
  CHECK (ox_store_put (st, "k", "abc", 3) == 0);
  CHECK (ox_store_get (st, "k", &data, &len) == 0);
  CHECK_EQ_INT (len, 3);
  CHECK_MEM (data, "abc", 3);
  free (data);
  ox_store_close (st);
}

static void
open_bad (const char *url, const char *want)
{
  struct ox_store_options o = { .create = 1 };
  struct ox_store *st = (struct ox_store *)1;

  ox_test_reset_log ();
  errno = 0;
  CHECK (ox_store_open (url, &o, &st) == -1);
  CHECK_EQ_INT (errno, EINVAL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_ERROR (want);
}

int
main (void)
{
  char *dir = ox_test_tmpdir ("ox-test-storeopen");
  struct ox_store_options o = { .create = 1 };
  char url[4096];
  struct ox_store *st;

  ox_test_capture (0);
  open_ok (ox_test_path (dir, "plain"), &o);
  snprintf (url, sizeof url, "file://%s/a", dir);
  open_ok (url, &o);
  snprintf (url, sizeof url, "FILE://%s/b", dir);
  open_ok (url, &o);

  open_bad ("file://", "has no directory path");
  open_bad ("ftp://host/x", "unknown scheme \"ftp\"");
  open_bad ("s3://", "has no bucket name");
  open_bad ("s3:///prefix", "has no bucket name");
  open_bad ("s3://bucket//p", "empty component in its prefix");
  open_bad ("s3://bucket/a//b", "empty component in its prefix");

  /* bwlimit: the file store is wrapped (a different ops table with the
   * same scheme and url), and it still stores bytes. */
  o.bwlimit = 1 << 30;
  snprintf (url, sizeof url, "file://%s/limited", dir);
  open_ok (url, &o);
  {
    struct ox_store_options plain = { .create = 1 };
    struct ox_store *a, *b;
    CHECK (ox_store_open (url, &plain, &a) == 0);
    CHECK (ox_store_open (url, &o, &b) == 0);
    CHECK (a->ops != b->ops);
    CHECK (strcmp (b->ops->scheme, "file") == 0);
    ox_store_close (a);
    ox_store_close (b);
  }
  (void)st;
  CHECK (ox_test_rmtree (dir) == 0);
  free (dir);
  return 0;
}
