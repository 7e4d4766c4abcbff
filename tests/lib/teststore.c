/* ox unit tests: the shared helpers that need a store. */
#include "testlib.h"

#include "storeopen.h"
#include "store.h"

struct ox_store *
ox_test_file_store (const char *path)
{
  struct ox_store_options opts = { .create = 1 };
  struct ox_store *st = NULL;

  CHECK (ox_store_open (path, &opts, &st) == 0);
  return st;
}

static int
count_one (void *opaque, const char *key, uint64_t size)
{
  (void)key;
  (void)size;
  ++*(size_t *)opaque;
  return 0;
}

size_t
ox_test_count (struct ox_store *st, const char *prefix)
{
  size_t n = 0;

  CHECK_EQ_INT (ox_store_list (st, prefix, count_one, &n), 0);
  return n;
}
