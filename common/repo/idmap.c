/* ox: open-addressing hash map from chunk id to frame location. Chunk ids
 * are cryptographic digests, so their first 8 bytes are a good hash. */
#include "idmap.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct slot {
  uint8_t id[OX_ID_LEN];
  struct ox_idmap_value v;
  int used;
};

struct ox_idmap {
  struct slot *slots;
  size_t cap; /* a power of two */
  size_t count;
};

static uint64_t
hash_id (const uint8_t *id)
{
  uint64_t h;
  memcpy (&h, id, sizeof h);
  return h;
}

struct ox_idmap *
ox_idmap_new (void)
{
  struct ox_idmap *m = calloc (1, sizeof *m);
  if (!m || !(m->slots = calloc (1024, sizeof *m->slots))) {
    free (m);
    ox_error ("out of memory");
    return NULL;
  }
  m->cap = 1024;
  return m;
}

void
ox_idmap_free (struct ox_idmap *m)
{
  if (m) {
    free (m->slots);
    free (m);
  }
}

static struct slot *
probe (struct slot *slots, size_t cap, const uint8_t *id)
{
  size_t i = hash_id (id) & (cap - 1);
  while (slots[i].used && memcmp (slots[i].id, id, OX_ID_LEN) != 0)
    i = (i + 1) & (cap - 1);
  return &slots[i];
}

const struct ox_idmap_value *
ox_idmap_find (const struct ox_idmap *m, const uint8_t id[OX_ID_LEN])
{
  struct slot *s = probe (m->slots, m->cap, id);
  return s->used ? &s->v : NULL;
}

static int
grow (struct ox_idmap *m)
{
  size_t i, ncap = m->cap * 2;
  struct slot *ns = calloc (ncap, sizeof *ns);

  if (!ns) {
    ox_error ("out of memory");
    return -1;
  }
  for (i = 0; i < m->cap; i++)
    if (m->slots[i].used)
      *probe (ns, ncap, m->slots[i].id) = m->slots[i];
  free (m->slots);
  m->slots = ns;
  m->cap = ncap;
  return 0;
}

int
ox_idmap_insert (struct ox_idmap *m, const uint8_t id[OX_ID_LEN],
                 const struct ox_idmap_value *v)
{
  struct slot *s;

  if ((m->count + 1) * 4 > m->cap * 3 && grow (m) == -1)
    return -1;
  s = probe (m->slots, m->cap, id);
  if (!s->used) {
    s->used = 1;
    memcpy (s->id, id, OX_ID_LEN);
    m->count++;
  }
  s->v = *v;
  return 0;
}

size_t
ox_idmap_count (const struct ox_idmap *m)
{
  return m->count;
}
