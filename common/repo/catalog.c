/* ox: the catalog of a store: the snapshots of a volume, reserving a new
 * snapshot's id, resolving "VOLUME[@ID|:TAG]" to a root, and tags
 * (docs/FORMAT.md, sections 6.3 and 7). The names themselves are checked
 * by format/names.c. */
#include "catalog.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "forgetfmt.h"
#include "keys.h"
#include "log.h"
#include "objects.h"

/* Collecting snapshot ids while listing. */
struct id_list {
  const char *prefix;
  size_t prefix_len;
  uint64_t *ids;
  size_t n, cap;
};

static int
collect_id (void *opaque, const char *key, uint64_t size)
{
  struct id_list *l = opaque;
  const char *base = key;
  uint64_t id;
  char canon[17];

  if (strncmp (key, l->prefix, l->prefix_len) == 0)
    base = key + l->prefix_len;
  if (strchr (base, '/') != NULL || ox_snapshot_id_parse (base, &id) == -1)
    return 0; /* not a root (e.g. a temporary file): ignore */
  ox_snapshot_id_format (id, canon);
  if (id == 0 || strcmp (canon, base) != 0)
    return 0;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    uint64_t *ids = realloc (l->ids, cap * sizeof *ids);
    if (ids == NULL) {
      ox_error ("realloc: %m");
      return -1;
    }
    l->ids = ids;
    l->cap = cap;
  }
  l->ids[l->n++] = id;
  return 0;
}

static int
compare_ids (const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The ids under volumes/VOLUME/DIR/, sorted, into *IDS and *N. */
static int
list_ids (struct ox_store *st, const char *volume, const char *dir,
          uint64_t **ids, size_t *n)
{
  char prefix[OX_KEY_MAX];
  struct id_list l = { .prefix = prefix };

  *ids = NULL;
  *n = 0;
  if (!ox_name_valid (volume)) {
    ox_error ("invalid volume name \"%s\"", volume);
    errno = EINVAL;
    return -1;
  }
  snprintf (prefix, sizeof prefix, "volumes/%s/%s/", volume, dir);
  l.prefix_len = strlen (prefix);
  if (ox_store_list (st, prefix, collect_id, &l) == -1) {
    free (l.ids);
    return -1;
  }
  if (l.n > 1)
    qsort (l.ids, l.n, sizeof *l.ids, compare_ids);
  *ids = l.ids;
  *n = l.n;
  return 0;
}

int
ox_snapshot_list (struct ox_store *st, const char *volume, uint64_t **ids,
                  size_t *n)
{
  return list_ids (st, volume, "snapshots", ids, n);
}

/* How often a reservation is tried with a fresh id before giving up: a
 * taken id needs another writer's id of the same second with the same 24
 * random bits, so a second failure already means something is wrong. */
#define RESERVE_TRIES 8

/* Claim ID for VOLUME with a create-only marker whose content is unique to
 * this writer (the S3 fallback compares what it reads back). Returns 0, -1
 * with EEXIST (unreported) if taken, or -1 with an error. */
static int
reserve_one (struct ox_store *st, const char *volume, uint64_t id)
{
  uint8_t nonce[16];
  char key[OX_KEY_MAX], text[64], hex[17];
  int len;

  if (ox_random_bytes (nonce, sizeof nonce) == -1)
    return -1;
  ox_snapshot_id_format (id, hex);
  snprintf (key, sizeof key, "volumes/%s/ids/%s", volume, hex);
  len = snprintf (text, sizeof text, "writer ");
  for (size_t i = 0; i < sizeof nonce; i++)
    len += snprintf (text + len, sizeof text - len, "%02x", nonce[i]);
  len += snprintf (text + len, sizeof text - len, "\n");
  return ox_store_put_new (st, key, text, (size_t)len);
}

int
ox_snapshot_id_reserve (struct ox_store *st, const char *volume, uint64_t *id)
{
  int attempt;

  for (attempt = 0; attempt < RESERVE_TRIES; attempt++) {
    CLEANUP_FREE uint64_t *ids = NULL, *gone = NULL;
    size_t n, ngone;
    uint64_t want, after;

    /* After the greatest root and the greatest forgotten snapshot (its
     * forget record stays): ids then follow the order snapshots were
     * made in, forgotten ones included, which rollback detection needs. */
    if (ox_snapshot_list (st, volume, &ids, &n) == -1
        || list_ids (st, volume, "forgotten", &gone, &ngone) == -1)
      return -1;
    after = n ? ids[n - 1] : 0;
    if (ngone && gone[ngone - 1] > after)
      after = gone[ngone - 1];
    want = ox_snapshot_id_after (ox_snapshot_id_new (), after);
    if (want == 0) {
      ox_error ("volume %s in %s: no snapshot id is left after %016" PRIx64,
                volume, st->url, after);
      errno = ERANGE;
      return -1;
    }
    if (reserve_one (st, volume, want) == 0) {
      *id = want;
      return 0;
    }
    if (errno != EEXIST)
      return -1;
    ox_debug ("snapshot id %016" PRIx64 " of volume %s is taken: another",
              want, volume);
  }
  ox_error ("volume %s in %s: %d snapshot ids in a row were taken by other "
            "writers",
            volume, st->url, RESERVE_TRIES);
  errno = EEXIST;
  return -1;
}

/* The newest snapshot id of VOLUME. */
static int
newest_snapshot (struct ox_store *st, const char *volume, uint64_t *id)
{
  CLEANUP_FREE uint64_t *ids = NULL;
  size_t n;

  if (ox_snapshot_list (st, volume, &ids, &n) == -1)
    return -1;
  if (n == 0) {
    ox_error ("volume %s has no snapshots in %s", volume, st->url);
    errno = ENOENT;
    return -1;
  }
  *id = ids[n - 1];
  return 0;
}

int
ox_forget_record_get (struct ox_store *st, const struct ox_keys *k,
                      const char *volume, uint64_t snap_id, uint64_t *before)
{
  char key[OX_KEY_MAX];
  CLEANUP_FREE void *data = NULL;
  size_t len;

  ox_forget_key (volume, snap_id, key);
  if (ox_store_get (st, key, &data, &len) == -1)
    return -1; /* ENOENT is not reported: the caller decides */
  switch (ox_forget_parse (k, volume, snap_id, data, len, before)) {
  case OX_FORGET_OK:
    return 0;
  case OX_FORGET_BAD_MAC:
    ox_error ("forget record %s in %s does not authenticate: it was changed, "
              "or copied from another snapshot, volume or store",
              key, st->url);
    break;
  case OX_FORGET_INVALID:
    ox_error ("forget record %s in %s: invalid content (expected \"before "
              "<16 hex digits>\" and its MAC)",
              key, st->url);
    break;
  }
  errno = EINVAL;
  return -1;
}

int
ox_rollback_check (struct ox_store *st, const struct ox_keys *k,
                   const struct ox_highwater *hw, const char *volume,
                   uint64_t newest)
{
  uint64_t mark, h;

  if (hw == NULL || hw->dir == NULL)
    return 0;
  if (ox_highwater_get (hw->dir, k->store_id, volume, &mark) == -1)
    return -1;
  for (h = mark; h > newest;) {
    uint64_t before;

    if (ox_forget_record_get (st, k, volume, h, &before) == -1) {
      if (errno == ENOENT)
        ox_debug ("%s@%016" PRIx64 ": no forget record", volume, h);
      else if (errno != EINVAL)
        return -1; /* the store failed: not a rollback, and no mark moves */
      break;
    }
    ox_debug ("%s@%016" PRIx64 " was forgotten; before it: %016" PRIx64,
              volume, h, before);
    h = before;
  }
  if (h > newest) {
    if (!hw->allow_rollback) {
      ox_error ("volume %s in %s: rollback detected: its newest snapshot is "
                "%016" PRIx64 " but this host has seen %016" PRIx64
                " (high-water mark in %s), and no forget record accounts "
                "for %016" PRIx64 ": a root was deleted or an old copy of "
                "the store put back; --allow-rollback (plugin: "
                "allow-rollback=true) accepts it",
                volume, st->url, newest, mark, hw->dir, h);
      errno = EPERM;
      return -1;
    }
    ox_warning ("volume %s in %s: rollback allowed: newest snapshot "
                "%016" PRIx64 ", high-water mark %016" PRIx64 " lowered to it",
                volume, st->url, newest, mark);
    return ox_highwater_update (hw->dir, k->store_id, volume, newest, mark);
  }
  /* Accounted for (or not below): the mark becomes the newest, lowered
   * too when forget records explain the gap. They are never removed, so
   * nothing is lost; and a later snapshot with an id between the newest
   * and the old mark (ids follow the greatest root, not forgotten ones) is
   * then above the mark, and its deletion is detected. */
  return ox_highwater_update (hw->dir, k->store_id, volume, newest, mark);
}

int
ox_highwater_published (struct ox_store *st, const struct ox_keys *k,
                        const struct ox_highwater *hw, const char *volume,
                        uint64_t snap_id)
{
  uint64_t mark, h;

  if (hw == NULL || hw->dir == NULL)
    return 0;
  if (ox_highwater_get (hw->dir, k->store_id, volume, &mark) == -1)
    return -1;
  /* An id below the mark: it follows a forgotten snapshot (ids follow the
   * greatest root). Lower the mark to it when forget records account for
   * the gap, so that its deletion is detected; else leave the mark. */
  for (h = mark; h > snap_id;)
    if (ox_forget_record_get (st, k, volume, h, &h) == -1)
      return errno == ENOENT || errno == EINVAL ? 0 : -1;
  return ox_highwater_update (hw->dir, k->store_id, volume, snap_id, mark);
}

int
ox_snapshot_resolve (struct ox_store *st, const struct ox_keys *k,
                     const struct ox_highwater *hw, const char *spec,
                     struct ox_root **out)
{
  CLEANUP_FREE char *volume = NULL;
  const char *tag;
  uint64_t id;

  *out = NULL;
  if (ox_spec_parse (spec, &volume, &id, &tag) == -1)
    return -1;
  if (tag) {
    if (ox_tag_get (st, k, volume, tag, &id) == -1) {
      if (errno == ENOENT)
        ox_error ("tag %s:%s not found in %s", volume, tag, st->url);
      return -1;
    }
  } else if (id == 0) {
    /* The newest may be forgotten between the listing and the read: then
     * the next newest is the newest, listed again. */
    for (int attempt = 0;; attempt++) {
      char key[OX_KEY_MAX];
      uint64_t size;

      if (newest_snapshot (st, volume, &id) == -1)
        return -1;
      ox_root_key (volume, id, key);
      if (attempt == 4 || ox_store_stat (st, key, &size) == 0
          || errno != ENOENT)
        break;
    }
    if (ox_root_get (st, k, volume, id, out) == -1)
      return -1;
    /* Only an authentic root moves the mark: a planted root id that does
     * not authenticate failed above. */
    if (ox_rollback_check (st, k, hw, volume, id) == -1) {
      ox_root_free (*out);
      *out = NULL;
      return -1;
    }
    return 0;
  }
  return ox_root_get (st, k, volume, id, out);
}

int
ox_tag_put (struct ox_store *st, const struct ox_keys *k, const char *volume,
            const char *tag, uint64_t snap_id)
{
  char key[OX_KEY_MAX];
  char text[OX_TAG_TEXT_MAX];

  if (ox_tag_key (volume, tag, key) == -1)
    return -1;
  if (snap_id == 0) {
    ox_error ("tag %s:%s: invalid snapshot id 0", volume, tag);
    errno = EINVAL;
    return -1;
  }
  return ox_store_put (st, key, text,
                       ox_tag_format (k, volume, tag, snap_id, text));
}

int
ox_tag_get (struct ox_store *st, const struct ox_keys *k, const char *volume,
            const char *tag, uint64_t *snap_id)
{
  char key[OX_KEY_MAX];
  CLEANUP_FREE void *data = NULL;
  size_t len;

  if (ox_tag_key (volume, tag, key) == -1)
    return -1;
  if (ox_store_get (st, key, &data, &len) == -1)
    return -1; /* ENOENT is not reported: the caller decides */
  switch (ox_tag_parse (k, volume, tag, data, len, snap_id)) {
  case OX_TAG_OK:
    return 0;
  case OX_TAG_UNAUTHENTICATED:
    if (!k->encrypted) /* a plain store authenticates nothing */
      return 0;
    ox_error ("tag %s in %s has no MAC (written by an oxsnap before 2026-12, "
              "or by someone without the key): not trusted; point it again "
              "with oxsnap tag",
              key, st->url);
    break;
  case OX_TAG_BAD_MAC:
    ox_error ("tag %s in %s does not authenticate: it was changed, or "
              "copied from another tag, volume or store",
              key, st->url);
    break;
  case OX_TAG_INVALID:
    ox_error ("tag %s in %s: invalid content (expected \"snapshot "
              "<16 hex digits>\" and its MAC)",
              key, st->url);
    break;
  }
  errno = EINVAL;
  return -1;
}

/* Collecting tags while listing. */
struct tag_collect {
  struct ox_store *st;
  const struct ox_keys *k;
  const char *volume;
  struct ox_tag_list *l;
  size_t cap;
};

static int
collect_tag (void *opaque, const char *key, uint64_t size)
{
  struct tag_collect *t = opaque;
  struct ox_tag_list *l = t->l;
  const char *name = strrchr (key, '/') + 1;
  uint64_t id;

  (void)size;
  if (!ox_name_valid (name))
    return 0; /* not a tag (e.g. a temporary file): ignore */
  if (ox_tag_get (t->st, t->k, t->volume, name, &id) == -1) {
    if (errno != ENOENT)
      ox_warning ("ignoring damaged tag %s:%s", t->volume, name);
    return 0;
  }
  if (l->n == t->cap) {
    size_t ncap = t->cap ? t->cap * 2 : 8;
    char **nn = realloc (l->names, ncap * sizeof *nn);
    uint64_t *ni;
    if (!nn) {
      ox_error ("realloc: %m");
      return -1;
    }
    l->names = nn;
    ni = realloc (l->ids, ncap * sizeof *ni);
    if (!ni) {
      ox_error ("realloc: %m");
      return -1;
    }
    l->ids = ni;
    t->cap = ncap;
  }
  if (!(l->names[l->n] = strdup (name))) {
    ox_error ("strdup: %m");
    return -1;
  }
  l->ids[l->n++] = id;
  return 0;
}

int
ox_tag_list (struct ox_store *st, const struct ox_keys *k, const char *volume,
             struct ox_tag_list *out)
{
  char prefix[OX_KEY_MAX];
  struct tag_collect t = { st, k, volume, out, 0 };

  memset (out, 0, sizeof *out);
  if (!ox_name_valid (volume)) {
    ox_error ("invalid volume name \"%s\"", volume);
    errno = EINVAL;
    return -1;
  }
  snprintf (prefix, sizeof prefix, "volumes/%s/tags/", volume);
  if (ox_store_list (st, prefix, collect_tag, &t) == -1) {
    ox_tag_list_free (out);
    return -1;
  }
  return 0;
}

void
ox_tag_list_free (struct ox_tag_list *l)
{
  for (size_t i = 0; i < l->n; i++)
    free (l->names[i]);
  free (l->names);
  free (l->ids);
  memset (l, 0, sizeof *l);
}

int
ox_tag_del (struct ox_store *st, const char *volume, const char *tag)
{
  char key[OX_KEY_MAX];

  if (ox_tag_key (volume, tag, key) == -1)
    return -1;
  return ox_store_del (st, key);
}

int
ox_snapshot_forget (struct ox_store *st, const struct ox_keys *k,
                    const char *volume, uint64_t snap_id)
{
  char key[OX_KEY_MAX], fkey[OX_KEY_MAX], text[OX_FORGET_TEXT_LEN + 1];
  CLEANUP_FREE uint64_t *ids = NULL;
  uint64_t before = 0, size;
  size_t n, len;

  if (ox_snapshot_list (st, volume, &ids, &n) == -1)
    return -1;
  ox_root_key (volume, snap_id, key);
  if (ox_store_stat (st, key, &size) == -1)
    return -1; /* ENOENT: no such root, and no record written */
  for (size_t i = 0; i < n && ids[i] < snap_id; i++)
    before = ids[i];
  /* The record first: a root gone without one is a rollback. One that
   * exists already (a forget that failed to delete) still accounts. */
  ox_forget_key (volume, snap_id, fkey);
  len = ox_forget_format (k, volume, snap_id, before, text);
  if (ox_store_put_new (st, fkey, text, len) == -1) {
    uint64_t b;
    if (errno != EEXIST)
      return -1;
    /* Present already: it must be this snapshot's own, authentic record
     * (left by a forget whose root delete failed), not a planted one. */
    if (ox_forget_record_get (st, k, volume, snap_id, &b) == -1) {
      if (errno == ENOENT)
        ox_error ("forget record %s in %s vanished while it was written", fkey,
                  st->url);
      return -1;
    }
  }
  if (ox_store_del (st, key) == -1) {
    ox_error ("snapshot %s@%016" PRIx64 " in %s: its forget record is "
              "written but its root could not be deleted: run forget again "
              "(until then rollback detection cannot tell its deletion from "
              "a forget)",
              volume, snap_id, st->url);
    return -1;
  }
  return 0;
}

/* A volume is listed once, for its first snapshot key (keys come in
 * order, so a volume's keys are adjacent). */
struct vol_list {
  char **names;
  size_t n, cap;
};

static int
collect_volume (void *opaque, const char *key, uint64_t size)
{
  struct vol_list *l = opaque;
  const char *name = key + strlen ("volumes/"), *slash = strchr (name, '/');
  char *copy;

  (void)size;
  if (!slash || strncmp (slash, "/snapshots/", 11) != 0)
    return 0;
  if (l->n > 0 && strlen (l->names[l->n - 1]) == (size_t)(slash - name)
      && strncmp (l->names[l->n - 1], name, slash - name) == 0)
    return 0;
  if (l->n == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 16;
    void *p = realloc (l->names, ncap * sizeof *l->names);
    if (!p)
      return -1;
    l->names = p;
    l->cap = ncap;
  }
  copy = strndup (name, slash - name);
  if (!copy)
    return -1;
  l->names[l->n++] = copy;
  return 0;
}

int
ox_volume_list (struct ox_store *st, char ***names, size_t *n)
{
  struct vol_list l = { NULL, 0, 0 };

  if (ox_store_list (st, "volumes/", collect_volume, &l) == -1) {
    while (l.n > 0)
      free (l.names[--l.n]);
    free (l.names);
    return -1;
  }
  *names = l.names;
  *n = l.n;
  return 0;
}
