/* ox: the bytes of a condemned list (gclist.h, docs/FORMAT.md 10). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gclist.h"
#include "hex.h"
#include "log.h"
#include "units.h"

#define MAGIC "ox-condemned 1\n"

int
ox_gclist_format (uint64_t time, const char *const *keys,
                  const uint64_t *sizes, size_t n, char **text, size_t *len)
{
  size_t cap = 64, off;
  char *buf;

  for (size_t i = 0; i < n; i++)
    cap += strlen (keys[i]) + 22;
  buf = malloc (cap);
  if (buf == NULL) {
    ox_error ("cannot format a condemned list of %zu objects: %m", n);
    return -1;
  }
  off = (size_t)snprintf (buf, cap, MAGIC "time %" PRIu64 "\n", time);
  for (size_t i = 0; i < n; i++)
    off += (size_t)snprintf (buf + off, cap - off, "%s %" PRIu64 "\n", keys[i],
                             sizes[i]);
  *text = buf;
  *len = off;
  return 0;
}

static int
fail (struct ox_gclist *l, const char **why, const char *what, int err)
{
  ox_gclist_free (l);
  *why = what;
  errno = err;
  return -1;
}

int
ox_gclist_parse (const void *text, size_t len, struct ox_gclist *l,
                 const char **why)
{
  const char *s = text, *end = s + len, *nl;
  size_t cap = 0;

  memset (l, 0, sizeof *l);
  if (len < strlen (MAGIC) || memcmp (s, MAGIC, strlen (MAGIC)) != 0)
    return fail (l, why, "not a condemned list (bad magic)", EINVAL);
  s += strlen (MAGIC);
  nl = memchr (s, '\n', (size_t)(end - s));
  if (nl == NULL || nl - s < 6 || memcmp (s, "time ", 5) != 0
      || ox_parse_decimal (s + 5, nl, &l->time) == -1)
    return fail (l, why, "no time", EINVAL);
  for (s = nl + 1; s < end; s = nl + 1) {
    const char *sp;

    nl = memchr (s, '\n', (size_t)(end - s));
    if (nl == NULL)
      return fail (l, why, "last line not ended", EINVAL);
    sp = memrchr (s, ' ', (size_t)(nl - s));
    if (sp == NULL || sp == s || sp - s >= OX_KEY_MAX)
      return fail (l, why, "a bad line", EINVAL);
    for (const char *q = s; q < sp; q++)
      if (*q <= ' ' || *q > '~')
        return fail (l, why, "a bad key", EINVAL);
    if (l->n == cap) {
      size_t nc = cap ? 2 * cap : 64;
      char **k = realloc (l->keys, nc * sizeof *k);
      if (k)
        l->keys = k;
      uint64_t *z = k ? realloc (l->sizes, nc * sizeof *z) : NULL;
      if (z == NULL)
        return fail (l, why, "out of memory", ENOMEM);
      l->sizes = z;
      cap = nc;
    }
    if (ox_parse_decimal (sp + 1, nl, &l->sizes[l->n]) == -1)
      return fail (l, why, "a bad size", EINVAL);
    l->keys[l->n] = strndup (s, (size_t)(sp - s));
    if (l->keys[l->n] == NULL)
      return fail (l, why, "out of memory", ENOMEM);
    l->n++;
  }
  return 0;
}

void
ox_gclist_free (struct ox_gclist *l)
{
  for (size_t i = 0; i < l->n; i++)
    free (l->keys[i]);
  free (l->keys);
  free (l->sizes);
  memset (l, 0, sizeof *l);
}

void
ox_gclist_key (uint64_t time, const uint8_t nonce[4], char key[OX_KEY_MAX])
{
  char hex[9];

  ox_hex (nonce, 4, hex);
  snprintf (key, OX_KEY_MAX, "%s%016" PRIx64 "%s", OX_CONDEMNED_PREFIX, time,
            hex);
}
