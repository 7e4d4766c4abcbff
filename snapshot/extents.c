/* oxsnap: sorted byte ranges (extents.h). */
#include "extents.h"

#include <stdlib.h>

#include "log.h"

int
extent_list_add (struct extent_list *l, uint64_t start, uint64_t end)
{
  if (start >= end)
    return 0;
  if (l->n > 0 && l->v[l->n - 1].end == start) {
    l->v[l->n - 1].end = end;
    return 0;
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    struct extent *v = realloc (l->v, cap * sizeof *v);
    if (!v) {
      ox_error ("out of memory");
      return -1;
    }
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = (struct extent){ start, end };
  return 0;
}

/* Index of the first range that ends after OFFSET (N if none). */
static size_t
first_after (const struct extent_list *l, uint64_t offset)
{
  size_t lo = 0, hi = l->n;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (l->v[mid].end <= offset)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

uint64_t
extent_list_next (const struct extent_list *l, uint64_t offset, uint64_t limit)
{
  size_t i;
  uint64_t at;

  if (offset >= limit)
    return limit;
  i = first_after (l, offset);
  if (i == l->n)
    return limit;
  at = l->v[i].start > offset ? l->v[i].start : offset;
  return at < limit ? at : limit;
}

int
extent_list_touches (const struct extent_list *l, uint64_t offset,
                     uint64_t len)
{
  size_t i = first_after (l, offset);

  return len > 0 && i < l->n && l->v[i].start < offset + len;
}

uint64_t
extent_list_bytes (const struct extent_list *l)
{
  uint64_t sum = 0;

  for (size_t i = 0; i < l->n; i++)
    sum += l->v[i].end - l->v[i].start;
  return sum;
}

void
extent_list_free (struct extent_list *l)
{
  free (l->v);
  l->v = NULL;
  l->n = l->cap = 0;
}
