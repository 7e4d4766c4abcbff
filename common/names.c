/* ox: volume and tag names, snapshot ids, snapshot specs and tags
 * (docs/FORMAT.md, sections 2 and 7). */
#include "names.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "keys.h"
#include "log.h"

/* "snapshot " + 16 hex + "\n" */
#define TAG_PREFIX "snapshot "
#define TAG_TEXT_LEN (sizeof TAG_PREFIX - 1 + 16 + 1)

int
ox_name_valid (const char *name)
{
  size_t i, len;

  if (name == NULL)
    return 0;
  len = strlen (name);
  if (len < 1 || len > OX_NAME_MAX || name[0] == '.')
    return 0;
  for (i = 0; i < len; i++) {
    char c = name[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return 0;
  }
  return 1;
}

uint64_t
ox_snapshot_id_new (void)
{
  uint8_t r[3];
  uint64_t now = (uint64_t)time (NULL);
  uint64_t low;

  if (ox_random_bytes (r, sizeof r) == -1) {
    /* Not fatal for uniqueness within one second of one process. */
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    low = ((uint64_t)ts.tv_nsec ^ (uint64_t)getpid ()) & 0xffffff;
  } else
    low = (uint64_t)r[0] | (uint64_t)r[1] << 8 | (uint64_t)r[2] << 16;
  return (now & 0xffffffffffULL) << 24 | low;
}

void
ox_snapshot_id_format (uint64_t id, char out[17])
{
  snprintf (out, 17, "%016" PRIx64, id);
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int
ox_snapshot_id_parse (const char *s, uint64_t *id)
{
  uint64_t v = 0;
  size_t i;

  for (i = 0; i < 16; i++) {
    int d = hex_value (s[i]);
    if (d < 0)
      return -1;
    v = v << 4 | (uint64_t)d;
  }
  if (s[16] != '\0')
    return -1;
  *id = v;
  return 0;
}

int
ox_spec_parse (const char *spec, char **volume, uint64_t *id, const char **tag)
{
  char *copy, *sep;
  char sepc = 0;

  *volume = NULL;
  *id = 0;
  *tag = NULL;

  copy = strdup (spec);
  if (copy == NULL) {
    ox_error ("strdup: %m");
    return -1;
  }
  sep = strpbrk (copy, "@:");
  if (sep) {
    sepc = *sep;
    *sep = '\0';
  }
  if (!ox_name_valid (copy)) {
    ox_error ("snapshot %s: invalid volume name \"%s\" (1 to %d characters "
              "from A-Z a-z 0-9 . _ -, not starting with '.')",
              spec, copy, OX_NAME_MAX);
    goto err;
  }
  if (sepc == '@') {
    if (ox_snapshot_id_parse (sep + 1, id) == -1 || *id == 0) {
      ox_error ("snapshot %s: invalid snapshot id \"%s\" (expected 16 hex "
                "digits, not all zero)",
                spec, sep + 1);
      goto err;
    }
  } else if (sepc == ':') {
    if (!ox_name_valid (sep + 1)) {
      ox_error ("snapshot %s: invalid tag name \"%s\" (1 to %d characters "
                "from A-Z a-z 0-9 . _ -, not starting with '.')",
                spec, sep + 1, OX_NAME_MAX);
      goto err;
    }
    *tag = sep + 1;
  }
  *volume = copy;
  return 0;

err:
  free (copy);
  *id = 0;
  errno = EINVAL;
  return -1;
}

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

int
ox_snapshot_list (struct ox_store *st, const char *volume, uint64_t **ids,
                  size_t *n)
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
  snprintf (prefix, sizeof prefix, "volumes/%s/snapshots/", volume);
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

uint64_t
ox_snapshot_id_after (uint64_t candidate, uint64_t newest)
{
  uint64_t secs = newest >> 24;

  if (candidate > newest)
    return candidate;
  if (secs >= 0xffffffffffULL)
    return 0;
  return (secs + 1) << 24 | (candidate & 0xffffff);
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
    CLEANUP_FREE uint64_t *ids = NULL;
    size_t n;
    uint64_t want;

    if (ox_snapshot_list (st, volume, &ids, &n) == -1)
      return -1;
    want = ox_snapshot_id_after (ox_snapshot_id_new (), n ? ids[n - 1] : 0);
    if (want == 0) {
      ox_error ("volume %s in %s: no snapshot id is left after %016" PRIx64,
                volume, st->url, ids[n - 1]);
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
ox_snapshot_resolve (struct ox_store *st, const struct ox_keys *k,
                     const char *spec, struct ox_root **out)
{
  CLEANUP_FREE char *volume = NULL;
  const char *tag;
  uint64_t id;

  *out = NULL;
  if (ox_spec_parse (spec, &volume, &id, &tag) == -1)
    return -1;
  if (tag) {
    if (ox_tag_get (st, volume, tag, &id) == -1) {
      if (errno == ENOENT)
        ox_error ("tag %s:%s not found in %s", volume, tag, st->url);
      return -1;
    }
  } else if (id == 0) {
    if (newest_snapshot (st, volume, &id) == -1)
      return -1;
  }
  return ox_root_get (st, k, volume, id, out);
}

static int
tag_key (const char *volume, const char *tag, char key[OX_KEY_MAX])
{
  if (!ox_name_valid (volume)) {
    ox_error ("invalid volume name \"%s\"", volume);
    errno = EINVAL;
    return -1;
  }
  if (!ox_name_valid (tag)) {
    ox_error ("invalid tag name \"%s\" (1 to %d characters from A-Z a-z "
              "0-9 . _ -, not starting with '.')",
              tag, OX_NAME_MAX);
    errno = EINVAL;
    return -1;
  }
  snprintf (key, OX_KEY_MAX, "volumes/%s/tags/%s", volume, tag);
  return 0;
}

int
ox_tag_put (struct ox_store *st, const char *volume, const char *tag,
            uint64_t snap_id)
{
  char key[OX_KEY_MAX];
  char text[TAG_TEXT_LEN + 1];

  if (tag_key (volume, tag, key) == -1)
    return -1;
  if (snap_id == 0) {
    ox_error ("tag %s:%s: invalid snapshot id 0", volume, tag);
    errno = EINVAL;
    return -1;
  }
  snprintf (text, sizeof text, TAG_PREFIX "%016" PRIx64 "\n", snap_id);
  return ox_store_put (st, key, text, TAG_TEXT_LEN);
}

int
ox_tag_parse (const void *content, size_t len, uint64_t *snap_id)
{
  const char *data = content;
  char hex[17];
  const size_t plen = sizeof TAG_PREFIX - 1;

  if (len != TAG_TEXT_LEN || memcmp (data, TAG_PREFIX, plen) != 0
      || data[len - 1] != '\n')
    return -1;
  memcpy (hex, data + plen, 16);
  hex[16] = '\0';
  if (ox_snapshot_id_parse (hex, snap_id) == -1 || *snap_id == 0)
    return -1;
  return 0;
}

int
ox_tag_get (struct ox_store *st, const char *volume, const char *tag,
            uint64_t *snap_id)
{
  char key[OX_KEY_MAX];
  CLEANUP_FREE void *data = NULL;
  size_t len;

  if (tag_key (volume, tag, key) == -1)
    return -1;
  if (ox_store_get (st, key, &data, &len) == -1)
    return -1; /* ENOENT is not reported: the caller decides */
  if (ox_tag_parse (data, len, snap_id) == -1) {
    ox_error ("tag %s in %s: invalid content (expected \"snapshot "
              "<16 hex digits>\")",
              key, st->url);
    errno = EINVAL;
    return -1;
  }
  return 0;
}
