/* Unit tests for the store decorators (decorator.h, countstore.h,
 * limitstore.h): every operation is forwarded with its result, errno and
 * bytes; the probing answers (ENOENT, EEXIST) pass through untouched;
 * counts are exact; decorators stack. Against a real file:// store. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "countstore.h"
#include "decorator.h"
#include "filestore.h"
#include "limitstore.h"
#include "log.h"
#include "store.h"
#include "test.h"

static char tmpdir[] = "/tmp/ox-test-decorator-XXXXXX";

static void
quiet (enum ox_log_level level, const char *msg)
{
}

static int
count_keys (void *opaque, const char *key, uint64_t size)
{
  ++*(int *)opaque;
  return 0;
}

static struct ox_store *
open_file_store (const char *sub)
{
  struct ox_store_options opts = { .create = 1 };
  struct ox_store *st = NULL;
  char path[PATH_MAX];

  snprintf (path, sizeof path, "%s/%s", tmpdir, sub);
  CHECK_EQ_INT (ox_file_store_open (path, &opts, &st), 0);
  return st;
}

/* Every operation through a counting store: results, errno, data, counts. */
static void
test_count (void)
{
  struct ox_store *inner = open_file_store ("count"), *st = NULL;
  struct ox_store_counts c;
  char buf[8];
  void *data = NULL;
  size_t len = 0;
  uint64_t size = 0;
  int n = 0;

  CHECK_EQ_INT (ox_count_store_wrap (inner, &st), 0);
  CHECK (strcmp (st->ops->scheme, "file") == 0);
  CHECK (st->url == inner->url);

  CHECK_EQ_INT (ox_store_put (st, "a/one", "12345", 5), 0);
  CHECK_EQ_INT (ox_store_put_new (st, "a/two", "abc", 3), 0);
  errno = 0;
  CHECK_EQ_INT (ox_store_put_new (st, "a/two", "xyz", 3), -1);
  CHECK_EQ_INT (errno, EEXIST);
  CHECK_EQ_INT (ox_store_get_range (st, "a/one", 1, buf, 3), 0);
  CHECK_MEM (buf, "234", 3);
  CHECK_EQ_INT (ox_store_get (st, "a/two", &data, &len), 0);
  CHECK_EQ_INT (len, 3);
  CHECK_MEM (data, "abc", 3); /* put_new did not replace it */
  free (data);
  errno = 0;
  CHECK_EQ_INT (ox_store_get (st, "a/none", &data, &len), -1);
  CHECK_EQ_INT (errno, ENOENT);
  CHECK_EQ_INT (ox_store_stat (st, "a/one", &size), 0);
  CHECK_EQ_INT (size, 5);
  CHECK_EQ_INT (ox_store_list (st, "a/", count_keys, &n), 0);
  CHECK_EQ_INT (n, 2);
  CHECK_EQ_INT (ox_store_del (st, "a/one"), 0);
  errno = 0;
  CHECK_EQ_INT (ox_store_stat (st, "a/one", &size), -1);
  CHECK_EQ_INT (errno, ENOENT);

  CHECK_EQ_INT (ox_count_store_get (st, &c), 0);
  CHECK_EQ_INT (c.calls[OX_OP_PUT], 1);
  CHECK_EQ_INT (c.bytes[OX_OP_PUT], 5);
  CHECK_EQ_INT (c.calls[OX_OP_PUT_NEW], 2);
  CHECK_EQ_INT (c.errors[OX_OP_PUT_NEW], 1);
  CHECK_EQ_INT (c.bytes[OX_OP_PUT_NEW], 3); /* the refused one moved none */
  CHECK_EQ_INT (c.calls[OX_OP_GET_RANGE], 1);
  CHECK_EQ_INT (c.bytes[OX_OP_GET_RANGE], 3);
  CHECK_EQ_INT (c.calls[OX_OP_GET], 2);
  CHECK_EQ_INT (c.errors[OX_OP_GET], 1);
  CHECK_EQ_INT (c.bytes[OX_OP_GET], 3);
  CHECK_EQ_INT (c.calls[OX_OP_STAT], 2);
  CHECK_EQ_INT (c.errors[OX_OP_STAT], 1);
  CHECK_EQ_INT (c.calls[OX_OP_LIST], 1);
  CHECK_EQ_INT (c.calls[OX_OP_DEL], 1);
  CHECK_EQ_INT (c.errors[OX_OP_DEL], 0);

  /* The inner store sees what the decorator wrote. */
  CHECK_EQ_INT (ox_store_stat (inner, "a/two", &size), 0);
  ox_store_close (st); /* closes INNER too (ASan would see a leak) */
}

/* Decorators stack, and a counting store is told from others. */
static void
test_stack (void)
{
  struct ox_store *st = open_file_store ("stack"), *lim = NULL, *cnt = NULL;
  struct ox_store_counts c;
  char buf[4];

  CHECK_EQ_INT (ox_count_store_get (st, &c), -1); /* not a counting store */
  /* A rate far above what the test moves: only the forwarding matters. */
  CHECK_EQ_INT (ox_limit_store_wrap (st, 1ULL << 40, &lim), 0);
  CHECK_EQ_INT (ox_count_store_get (lim, &c), -1);
  CHECK_EQ_INT (ox_count_store_wrap (lim, &cnt), 0);
  CHECK_EQ_INT (ox_store_put (cnt, "k", "data", 4), 0);
  CHECK_EQ_INT (ox_store_get_range (cnt, "k", 0, buf, 4), 0);
  CHECK_MEM (buf, "data", 4);
  errno = 0;
  CHECK_EQ_INT (ox_store_get_range (cnt, "k", 2, buf, 4), -1); /* short */
  CHECK (errno != 0);
  CHECK_EQ_INT (ox_count_store_get (cnt, &c), 0);
  CHECK_EQ_INT (c.calls[OX_OP_GET_RANGE], 2);
  CHECK_EQ_INT (c.errors[OX_OP_GET_RANGE], 1);
  CHECK_EQ_INT (c.bytes[OX_OP_GET_RANGE], 4);
  ox_store_close (cnt);
}

static void
test_names (void)
{
  CHECK (strcmp (ox_store_op_name (OX_OP_PUT), "put") == 0);
  CHECK (strcmp (ox_store_op_name (OX_OP_GET_RANGE), "get_range") == 0);
  CHECK (strcmp (ox_store_op_name (OX_OP_DEL), "del") == 0);
  CHECK (strcmp (ox_store_op_name (OX_OP_COUNT), "?") == 0);
}

int
main (void)
{
  char cmd[PATH_MAX + 16];

  ox_log_set_handler (quiet);
  CHECK (mkdtemp (tmpdir) != NULL);
  test_count ();
  test_stack ();
  test_names ();
  snprintf (cmd, sizeof cmd, "rm -rf %s", tmpdir);
  CHECK (system (cmd) == 0);
  return 0;
}
