/* Fuzz tag objects: ox_tag_parse directly and ox_tag_get through a store
 * (docs/FORMAT.md 7), in a plain store. A tag that parses must name what
 * ox_tag_put writes (up to case: the parser takes upper-case hex digits
 * too), and one that ox_tag_put wrote must parse.
 * The mode byte is not used.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "names.h"
#include "catalog.h"

#define KEY "volumes/vol/tags/t"

static const struct ox_keys keys; /* a plain store, store id zero */

static void
write_seeds (const char *dir)
{
  static const uint64_t ids[] = { 1, 0x0123456789abcdefull, UINT64_MAX };
  struct ox_store *st = fuzz_memstore_new ();
  const uint8_t *data;
  char name[32];
  size_t len;

  for (int i = 0; i < 3; i++) {
    if (ox_tag_put (st, &keys, "vol", "t", ids[i]) == -1
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
  r = ox_tag_parse (&keys, "vol", "t", fuzz_memstore_peek (st, KEY, &len), len,
                    &id);
  /* A plain store reads a tag without a MAC too. */
  if ((r == OX_TAG_OK || r == OX_TAG_UNAUTHENTICATED ? 0 : -1)
      != ox_tag_get (st, &keys, "vol", "t", &id2))
    abort ();
  if (r == OX_TAG_OK || r == OX_TAG_UNAUTHENTICATED) {
    if (id == 0 || id != id2 || ox_tag_put (st, &keys, "vol", "u", id) == -1
        || (back = fuzz_memstore_peek (st, "volumes/vol/tags/u", &len)) == NULL
        || len < 26
        || strncasecmp ((const char *)back, (const char *)data + 1, 26)
        || ox_tag_get (st, &keys, "vol", "u", &id2) == -1 || id2 != id)
      abort ();
  }
  ox_store_close (st);
  return 0;
}
