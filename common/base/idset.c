/* ox: a set of fixed-width ids (idset.h). */
#include <stdlib.h>
#include <string.h>

#include "idset.h"
#include "log.h"

void
ox_idset_init (struct ox_idset *s, size_t width)
{
  memset (s, 0, sizeof *s);
  s->width = width;
  s->sealed = 1;
}

int
ox_idset_add (struct ox_idset *s, const void *id)
{
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 256;
    void *p = realloc (s->v, cap * s->width);
    if (p == NULL) {
      ox_error ("cannot grow a set of %zu ids: %m", s->n);
      return -1;
    }
    s->v = p;
    s->cap = cap;
  }
  memcpy (s->v + s->n * s->width, id, s->width);
  s->n++;
  s->sealed = 0;
  return 0;
}

int
ox_idset_add_all (struct ox_idset *s, const struct ox_idset *other)
{
  for (size_t i = 0; i < other->n; i++)
    if (ox_idset_add (s, ox_idset_at (other, i)) == -1)
      return -1;
  return 0;
}

/* qsort and bsearch have no context argument: the width is passed through
 * a thread-local. */
static _Thread_local size_t cmp_width;

static int
cmp (const void *a, const void *b)
{
  return memcmp (a, b, cmp_width);
}

void
ox_idset_seal (struct ox_idset *s)
{
  size_t out = 0;

  if (s->sealed)
    return;
  cmp_width = s->width;
  if (s->n)
    qsort (s->v, s->n, s->width, cmp);
  for (size_t i = 0; i < s->n; i++)
    if (out == 0
        || memcmp (s->v + (out - 1) * s->width, s->v + i * s->width, s->width)
               != 0) {
      if (out != i)
        memcpy (s->v + out * s->width, s->v + i * s->width, s->width);
      out++;
    }
  s->n = out;
  s->sealed = 1;
}

int
ox_idset_has (const struct ox_idset *s, const void *id)
{
  if (!s->sealed) /* a caller's bug: looking up before sealing */
    abort ();
  cmp_width = s->width;
  return s->n && bsearch (id, s->v, s->n, s->width, cmp) != NULL;
}

void
ox_idset_free (struct ox_idset *s)
{
  free (s->v);
  ox_idset_init (s, s->width);
}
