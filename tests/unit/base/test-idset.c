/* Test the set of fixed-width ids (idset.c): adds in any order with
 * repeats, sealing, lookups of present and absent ids, merging, and an
 * empty set. */
#include <stdint.h>
#include <string.h>

#include "idset.h"
#include "test.h"

static void
make_id (uint8_t id[16], uint32_t v)
{
  memset (id, 0, 16);
  id[0] = (uint8_t)(v * 37); /* spread the first byte */
  memcpy (id + 12, &v, 4);
}

int
main (void)
{
  struct ox_idset s, t;
  uint8_t id[16];

  ox_idset_init (&s, 16);
  make_id (id, 1);
  CHECK (ox_idset_has (&s, id) == 0); /* empty and sealed */
  for (uint32_t v = 1000; v > 0; v--) {
    make_id (id, v % 500); /* every id twice */
    CHECK (ox_idset_add (&s, id) == 0);
  }
  CHECK (s.n == 1000);
  ox_idset_seal (&s);
  CHECK (s.n == 500);
  for (uint32_t v = 0; v < 600; v++) {
    make_id (id, v);
    CHECK (ox_idset_has (&s, id) == (v < 500));
  }
  for (size_t i = 1; i < s.n; i++)
    CHECK (memcmp (ox_idset_at (&s, i - 1), ox_idset_at (&s, i), 16) < 0);

  ox_idset_init (&t, 16);
  make_id (id, 700);
  CHECK (ox_idset_add (&t, id) == 0);
  make_id (id, 3);
  CHECK (ox_idset_add (&t, id) == 0);
  CHECK (ox_idset_add_all (&s, &t) == 0);
  ox_idset_seal (&s);
  CHECK (s.n == 501);
  CHECK (ox_idset_has (&s, id));
  make_id (id, 700);
  CHECK (ox_idset_has (&s, id));
  ox_idset_free (&s);
  ox_idset_free (&t);
  CHECK (s.n == 0 && s.v == NULL);
  return 0;
}
