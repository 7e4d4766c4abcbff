/* Test the sorted byte ranges of oxsnap's sources (extents.h). */
#include <stdint.h>

#include "extents.h"
#include "test.h"

int
main (void)
{
  struct extent_list l = { 0 };

  /* Empty: nothing before the limit. */
  CHECK_EQ_INT (extent_list_next (&l, 0, 100), 100);
  CHECK (!extent_list_touches (&l, 0, 100));
  CHECK_EQ_INT (extent_list_bytes (&l), 0);

  CHECK_EQ_INT (extent_list_add (&l, 10, 20), 0);
  CHECK_EQ_INT (extent_list_add (&l, 20, 30), 0); /* merged */
  CHECK_EQ_INT (extent_list_add (&l, 40, 40), 0); /* empty: ignored */
  CHECK_EQ_INT (extent_list_add (&l, 50, 60), 0);
  CHECK_EQ_INT (l.n, 2);
  CHECK_EQ_INT (extent_list_bytes (&l), 30);

  CHECK_EQ_INT (extent_list_next (&l, 0, 100), 10);
  CHECK_EQ_INT (extent_list_next (&l, 10, 100), 10);
  CHECK_EQ_INT (extent_list_next (&l, 29, 100), 29);
  CHECK_EQ_INT (extent_list_next (&l, 30, 100), 50);
  CHECK_EQ_INT (extent_list_next (&l, 60, 100), 100);
  CHECK_EQ_INT (extent_list_next (&l, 30, 45), 45); /* the limit first */
  CHECK_EQ_INT (extent_list_next (&l, 200, 100), 100);

  CHECK (extent_list_touches (&l, 0, 11));
  CHECK (!extent_list_touches (&l, 0, 10));
  CHECK (extent_list_touches (&l, 29, 1));
  CHECK (!extent_list_touches (&l, 30, 20));
  CHECK (extent_list_touches (&l, 30, 21));
  CHECK (!extent_list_touches (&l, 15, 0));

  /* Many ranges: the search stays right past a realloc. */
  extent_list_free (&l);
  for (uint64_t i = 0; i < 1000; i++)
    CHECK_EQ_INT (extent_list_add (&l, i * 10, i * 10 + 5), 0);
  CHECK_EQ_INT (l.n, 1000);
  for (uint64_t i = 0; i < 1000; i++) {
    CHECK_EQ_INT (extent_list_next (&l, i * 10 + 3, 1u << 20), i * 10 + 3);
    CHECK_EQ_INT (extent_list_next (&l, i * 10 + 5, 1u << 20),
                  i < 999 ? i * 10 + 10 : 1u << 20);
  }
  extent_list_free (&l);
  CHECK_EQ_INT (l.n, 0);
  return 0;
}
