/* ox unit tests: the shared helpers that need a store. */
#include "testlib.h"

#include "storeopen.h"

struct ox_store *
ox_test_file_store (const char *path)
{
  struct ox_store_options opts = { .create = 1 };
  struct ox_store *st = NULL;

  CHECK (ox_store_open (path, &opts, &st) == 0);
  return st;
}
