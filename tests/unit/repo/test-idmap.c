/* Unit test: the chunk id hash map. */
#include <stdint.h>
#include <string.h>

#include "idmap.h"
#include "test.h"

static void
make_id (uint32_t n, uint8_t id[OX_ID_LEN])
{
  uint32_t i;
  /* Spread bits like a digest would, but deterministically. */
  for (i = 0; i < OX_ID_LEN; i++)
    id[i] = (uint8_t)((n * 2654435761u) >> (i % 4 * 8)) ^ (uint8_t)(i * 31);
}

int
main (void)
{
  struct ox_idmap *m = ox_idmap_new ();
  uint8_t id[OX_ID_LEN];
  uint32_t i;
  const uint32_t n = 100000;

  CHECK (m);
  make_id (1, id);
  CHECK (ox_idmap_find (m, id) == NULL);
  for (i = 0; i < n; i++) {
    struct ox_idmap_value v
        = { .segment = i, .offset = i * 2, .length = i * 3 };
    make_id (i, id);
    CHECK (ox_idmap_insert (m, id, &v) == 0);
  }
  CHECK_EQ_INT (ox_idmap_count (m), n);
  for (i = 0; i < n; i++) {
    const struct ox_idmap_value *v;
    make_id (i, id);
    v = ox_idmap_find (m, id);
    CHECK (v && v->segment == i && v->offset == i * 2 && v->length == i * 3);
  }
  /* Replacing keeps the count. */
  {
    struct ox_idmap_value v = { 7, 8, 9 };
    make_id (5, id);
    CHECK (ox_idmap_insert (m, id, &v) == 0);
    CHECK_EQ_INT (ox_idmap_count (m), n);
    CHECK (ox_idmap_find (m, id)->length == 9);
  }
  /* Ids sharing the first 8 bytes (the hash) are still told apart. */
  memset (id, 0xab, sizeof id);
  {
    struct ox_idmap_value a = { 1, 1, 1 }, b = { 2, 2, 2 };
    CHECK (ox_idmap_insert (m, id, &a) == 0);
    id[31] ^= 1;
    CHECK (ox_idmap_find (m, id) == NULL);
    CHECK (ox_idmap_insert (m, id, &b) == 0);
    CHECK (ox_idmap_find (m, id)->segment == 2);
    id[31] ^= 1;
    CHECK (ox_idmap_find (m, id)->segment == 1);
  }
  ox_idmap_free (m);
  return 0;
}
