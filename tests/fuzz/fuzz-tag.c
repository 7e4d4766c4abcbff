/* Fuzz tag objects: ox_tag_parse directly and ox_tag_get through a store
 * (docs/FORMAT.md 7). A tag that parses must be what ox_tag_put writes
 * (up to case: the parser takes upper-case hex digits too).
 * The mode byte is not used.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "names.h"
#include "catalog.h"

#define KEY "volumes/vol/tags/t"

static void
write_seeds (const char *dir)
{
  static const uint64_t ids[] = { 1, 0x0123456789abcdefull, UINT64_MAX };
  struct ox_store *st = fuzz_memstore_new ();
  const uint8_t *data;
  char name[32];
  size_t len;

  for (int i = 0; i < 3; i++) {
    if (ox_tag_put (st, "vol", "t", ids[i]) == -1
        || (data = fuzz_memstore_peek (st, KEY, &len)) == NULL)
      abort ();
    name[0] = 'a' + i, name[1] = '\0';
    fuzz_write_seed (dir, name, 0, data, len);
  }
  ox_store_close (st);
}

FUZZ_INITIALIZE (write_seeds)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ox_store *st;
  uint64_t id = 0, id2 = 0;
  const uint8_t *back;
  size_t len;
  int r;

  if (size < 1)
    return 0;
  st = fuzz_memstore_new ();
  fuzz_memstore_set (st, KEY, data + 1, size - 1);
  r = ox_tag_parse (fuzz_memstore_peek (st, KEY, &len), len, &id);
  if (r != ox_tag_get (st, "vol", "t", &id2))
    abort ();
  if (r == 0) {
    if (id == 0 || id != id2 || ox_tag_put (st, "vol", "u", id) == -1
        || (back = fuzz_memstore_peek (st, "volumes/vol/tags/u", &len)) == NULL
        || len != size - 1
        || strncasecmp ((const char *)back, (const char *)data + 1, len))
      abort ();
  }
  ox_store_close (st);
  return 0;
}
