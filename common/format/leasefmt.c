/* ox: the bytes of a lease (leasefmt.h, docs/FORMAT.md section 10). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "leasefmt.h"
#include "log.h"
#include "units.h"

#define MAGIC "ox-lease 1\n"

int
ox_lease_format (const struct ox_lease_info *l, char **text, size_t *len)
{
  size_t cap = 512 + (size_t)l->npages * (5 + 2 * OX_ID_LEN + 1);
  char *buf = malloc (cap), *p;
  char sid[17];
  int n;

  if (buf == NULL) {
    ox_error ("cannot format a lease: %m");
    return -1;
  }
  n = snprintf (buf, cap,
                MAGIC "kind %s\nhost %s\npid %" PRIu64 "\nstarted %" PRIu64
                      "\nrefreshed %" PRIu64 "\nttl %" PRIu64 "\n",
                l->kind, l->host, l->pid, l->started, l->refreshed, l->ttl);
  p = buf + n;
  if (l->pinned) {
    ox_snapshot_id_format (l->snap_id, sid);
    p += sprintf (p, "pin %s %s\n", l->volume, sid);
    for (uint32_t i = 0; i < l->npages; i++) {
      memcpy (p, "page ", 5);
      ox_hex (l->pages[i], OX_ID_LEN, p + 5);
      p += 5 + 2 * OX_ID_LEN;
      *p++ = '\n';
    }
  }
  *text = buf;
  *len = (size_t)(p - buf);
  return 0;
}

/* Copy [S, END) into OUT of MAX + 1 bytes: a word of printable,
 * non-space characters. 0 or -1. */
static int
parse_word (const char *s, const char *end, char *out, size_t max)
{
  if (s == end || (size_t)(end - s) > max)
    return -1;
  for (const char *q = s; q < end; q++)
    if (*q <= ' ' || *q > '~')
      return -1;
  memcpy (out, s, (size_t)(end - s));
  out[end - s] = '\0';
  return 0;
}

static int
fail (struct ox_lease_info *l, const char **why, const char *what)
{
  ox_lease_info_free (l);
  *why = what;
  errno = EINVAL;
  return -1;
}

int
ox_lease_parse (const void *text, size_t len, struct ox_lease_info *l,
                const char **why)
{
  const char *s = text, *end = s + len;
  unsigned seen = 0;
  uint32_t cap = 0;

  memset (l, 0, sizeof *l);
  if (len < strlen (MAGIC) || memcmp (s, MAGIC, strlen (MAGIC)) != 0)
    return fail (l, why, "not a lease (bad magic)");
  s += strlen (MAGIC);
  while (s < end) {
    const char *nl = memchr (s, '\n', (size_t)(end - s));
    const char *sp, *v;
    char key[16];
    size_t klen;

    if (nl == NULL)
      return fail (l, why, "last line not ended");
    sp = memchr (s, ' ', (size_t)(nl - s));
    if (sp == NULL)
      return fail (l, why, "a line without a value");
    klen = (size_t)(sp - s);
    if (klen >= sizeof key)
      return fail (l, why, "an unknown field");
    memcpy (key, s, klen);
    key[klen] = '\0';
    v = sp + 1;
    if (strcmp (key, "page") == 0) {
      if (!l->pinned)
        return fail (l, why, "a page before the pin");
      if (nl - v != 2 * OX_ID_LEN)
        return fail (l, why, "a bad page id");
      if (l->npages == cap) {
        void *np;
        if (cap == OX_LEASE_MAX_PAGES)
          return fail (l, why, "too many pages");
        cap = cap ? 2 * cap : 64;
        np = realloc (l->pages, (size_t)cap * OX_ID_LEN);
        if (np == NULL)
          return fail (l, why, "out of memory");
        l->pages = np;
      }
      if (ox_unhex (v, l->pages[l->npages], OX_ID_LEN) == -1)
        return fail (l, why, "a bad page id");
      l->npages++;
    } else {
      static const char *const fields[]
          = { "kind", "host", "pid", "started", "refreshed", "ttl", "pin" };
      unsigned f;
      int r = 0;

      for (f = 0; f < 7; f++)
        if (strcmp (key, fields[f]) == 0)
          break;
      if (f == 7)
        return fail (l, why, "an unknown field");
      if (seen & (1u << f))
        return fail (l, why, "a field given twice");
      seen |= 1u << f;
      switch (f) {
      case 0:
        r = parse_word (v, nl, l->kind, OX_LEASE_KIND_MAX);
        break;
      case 1:
        r = parse_word (v, nl, l->host, OX_LEASE_HOST_MAX);
        break;
      case 2:
        r = ox_parse_decimal (v, nl, &l->pid);
        break;
      case 3:
        r = ox_parse_decimal (v, nl, &l->started);
        break;
      case 4:
        r = ox_parse_decimal (v, nl, &l->refreshed);
        break;
      case 5:
        r = ox_parse_decimal (v, nl, &l->ttl);
        break;
      case 6: {
        const char *sp2 = memchr (v, ' ', (size_t)(nl - v));
        if (sp2 == NULL || nl - (sp2 + 1) != 16
            || parse_word (v, sp2, l->volume, OX_NAME_MAX) == -1
            || !ox_name_valid (l->volume)
            || ox_unhex_u64 (sp2 + 1, 16, &l->snap_id) == -1)
          r = -1;
        l->pinned = 1;
        break;
      }
      }
      if (r == -1)
        return fail (l, why, "a bad value");
    }
    s = nl + 1;
  }
  if ((seen & 0x3f) != 0x3f)
    return fail (l, why, "a field is missing");
  return 0;
}

int
ox_lease_live (const struct ox_lease_info *l, uint64_t now)
{
  /* Not now < refreshed + ttl: that sum may wrap. */
  return now < l->refreshed || now - l->refreshed < l->ttl;
}

void
ox_lease_info_free (struct ox_lease_info *l)
{
  free (l->pages);
  l->pages = NULL;
  l->npages = 0;
}
