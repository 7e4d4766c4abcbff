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

#include <openssl/crypto.h>

#include "cleanup.h"
#include "hex.h"
#include "keys.h"
#include "log.h"
#include "monotime.h"

/* "snapshot " + 16 hex + "\n" */
#define TAG_PREFIX "snapshot "
#define TAG_TEXT_LEN (sizeof TAG_PREFIX - 1 + 16 + 1)
#define TAG_MAC_PREFIX "mac "
#define TAG2_TEXT_LEN (TAG_TEXT_LEN + 4 + 64 + 1)
#define TAG_MAC_CONTEXT "ox v1 tag"

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
    low = (ox_now_ns () ^ (uint64_t)getpid ()) & 0xffffff;
  } else
    low = (uint64_t)r[0] | (uint64_t)r[1] << 8 | (uint64_t)r[2] << 16;
  return (now & 0xffffffffffULL) << 24 | low;
}

void
ox_snapshot_id_format (uint64_t id, char out[17])
{
  snprintf (out, 17, "%016" PRIx64, id);
}

int
ox_snapshot_id_parse (const char *s, uint64_t *id)
{
  uint64_t v;

  if (ox_unhex_u64 (s, 16, &v) == -1 || s[16] != '\0')
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

int
ox_tag_key (const char *volume, const char *tag, char key[OX_KEY_MAX])
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

/* The MAC of a tag: MAC ("ox v1 tag\0" || store id || volume || "\0" ||
 * tag || "\0" || snapshot id, little-endian) into MAC. */
static void
tag_mac (const struct ox_keys *k, const char *volume, const char *tag,
         uint64_t snap_id, uint8_t mac[OX_ID_LEN])
{
  uint8_t buf[16 + OX_STORE_ID_LEN + 2 * (OX_NAME_MAX + 1) + 8];
  size_t n = 0, vl = strlen (volume), tl = strlen (tag);

  if (vl > OX_NAME_MAX)
    vl = OX_NAME_MAX;
  if (tl > OX_NAME_MAX)
    tl = OX_NAME_MAX;
  memcpy (buf, TAG_MAC_CONTEXT, sizeof TAG_MAC_CONTEXT); /* with its NUL */
  n = sizeof TAG_MAC_CONTEXT;
  memcpy (buf + n, k->store_id, OX_STORE_ID_LEN);
  n += OX_STORE_ID_LEN;
  memcpy (buf + n, volume, vl + 1);
  n += vl + 1;
  memcpy (buf + n, tag, tl + 1);
  n += tl + 1;
  for (int i = 0; i < 8; i++)
    buf[n++] = (uint8_t)(snap_id >> (8 * i));
  ox_mac (k, buf, n, mac);
}

enum ox_tag_check
ox_tag_parse (const struct ox_keys *k, const char *volume, const char *tag,
              const void *content, size_t len, uint64_t *snap_id)
{
  const char *data = content;
  char hex[17];
  const size_t plen = sizeof TAG_PREFIX - 1;
  uint8_t want[OX_ID_LEN], got[OX_ID_LEN];
  uint64_t id;

  if ((len != TAG_TEXT_LEN && len != TAG2_TEXT_LEN)
      || memcmp (data, TAG_PREFIX, plen) != 0
      || data[TAG_TEXT_LEN - 1] != '\n')
    return OX_TAG_INVALID;
  memcpy (hex, data + plen, 16);
  hex[16] = '\0';
  if (ox_snapshot_id_parse (hex, &id) == -1 || id == 0)
    return OX_TAG_INVALID;
  if (len == TAG_TEXT_LEN) {
    *snap_id = id;
    return OX_TAG_UNAUTHENTICATED;
  }
  data += TAG_TEXT_LEN;
  if (memcmp (data, TAG_MAC_PREFIX, 4) != 0 || data[4 + 64] != '\n'
      || ox_unhex (data + 4, got, OX_ID_LEN) == -1)
    return OX_TAG_INVALID;
  tag_mac (k, volume, tag, id, want);
  if (CRYPTO_memcmp (want, got, OX_ID_LEN) != 0)
    return OX_TAG_BAD_MAC;
  *snap_id = id;
  return OX_TAG_OK;
}

size_t
ox_tag_format (const struct ox_keys *k, const char *volume, const char *tag,
               uint64_t snap_id, char text[OX_TAG_TEXT_MAX])
{
  uint8_t mac[OX_ID_LEN];
  char hex[2 * OX_ID_LEN + 1];

  tag_mac (k, volume, tag, snap_id, mac);
  ox_hex (mac, OX_ID_LEN, hex);
  snprintf (text, OX_TAG_TEXT_MAX,
            TAG_PREFIX "%016" PRIx64 "\n" TAG_MAC_PREFIX "%s\n", snap_id, hex);
  return TAG2_TEXT_LEN;
}

void
ox_partial_prefix (const char *volume, char key[OX_KEY_MAX])
{
  snprintf (key, OX_KEY_MAX, "volumes/%s/partial/", volume);
}

void
ox_partial_key (const char *volume, uint64_t snap_id,
                const uint8_t seg_id[OX_SEGMENT_ID_LEN], char key[OX_KEY_MAX])
{
  char id[17], seg[2 * OX_SEGMENT_ID_LEN + 1];

  ox_snapshot_id_format (snap_id, id);
  ox_hex (seg_id, OX_SEGMENT_ID_LEN, seg);
  snprintf (key, OX_KEY_MAX, "volumes/%s/partial/%s/%s", volume, id, seg);
}

int
ox_partial_parse (const char *rest, uint64_t *snap_id,
                  uint8_t seg_id[OX_SEGMENT_ID_LEN])
{
  char id[17];
  uint64_t v;
  const size_t seg_hex = 2 * OX_SEGMENT_ID_LEN;

  /* Exactly 16 hex digits, '/', 32 lowercase hex digits, nothing more. */
  if (strlen (rest) != 17 + seg_hex || rest[16] != '/')
    return -1;
  memcpy (id, rest, 16);
  id[16] = '\0';
  if (ox_snapshot_id_parse (id, &v) == -1 || v == 0)
    return -1;
  for (size_t i = 17; i < 17 + seg_hex; i++)
    if (ox_hex_digit (rest[i]) < 0 || (rest[i] >= 'A' && rest[i] <= 'F'))
      return -1;
  if (ox_unhex (rest + 17, seg_id, OX_SEGMENT_ID_LEN) == -1)
    return -1;
  *snap_id = v;
  return 0;
}
