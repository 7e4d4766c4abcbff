/* ox: forget records (docs/FORMAT.md, section 7.1). */
#include "forgetfmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "hex.h"

#define BEFORE_PREFIX "before "
#define MAC_PREFIX "mac "
#define MAC_CONTEXT "ox v1 forget"

/* MAC ("ox v1 forget\0" || store id || volume || "\0" || snapshot id ||
 * before, both little-endian) into MAC. */
static void
forget_mac (const struct ox_keys *k, const char *volume, uint64_t snap_id,
            uint64_t before, uint8_t mac[OX_ID_LEN])
{
  uint8_t buf[sizeof MAC_CONTEXT + OX_STORE_ID_LEN + OX_NAME_MAX + 1 + 16];
  size_t n, vl = strlen (volume);

  if (vl > OX_NAME_MAX)
    vl = OX_NAME_MAX;
  memcpy (buf, MAC_CONTEXT, sizeof MAC_CONTEXT); /* with its NUL */
  n = sizeof MAC_CONTEXT;
  memcpy (buf + n, k->store_id, OX_STORE_ID_LEN);
  n += OX_STORE_ID_LEN;
  memcpy (buf + n, volume, vl);
  n += vl;
  buf[n++] = '\0';
  for (int i = 0; i < 8; i++)
    buf[n++] = (uint8_t)(snap_id >> (8 * i));
  for (int i = 0; i < 8; i++)
    buf[n++] = (uint8_t)(before >> (8 * i));
  ox_mac (k, buf, n, mac);
}

size_t
ox_forget_format (const struct ox_keys *k, const char *volume,
                  uint64_t snap_id, uint64_t before,
                  char text[OX_FORGET_TEXT_LEN + 1])
{
  uint8_t mac[OX_ID_LEN];
  char hex[2 * OX_ID_LEN + 1];

  forget_mac (k, volume, snap_id, before, mac);
  ox_hex (mac, OX_ID_LEN, hex);
  snprintf (text, OX_FORGET_TEXT_LEN + 1,
            BEFORE_PREFIX "%016" PRIx64 "\n" MAC_PREFIX "%s\n", before, hex);
  return OX_FORGET_TEXT_LEN;
}

enum ox_forget_check
ox_forget_parse (const struct ox_keys *k, const char *volume, uint64_t snap_id,
                 const void *content, size_t len, uint64_t *before)
{
  const char *data = content;
  const size_t bl = sizeof BEFORE_PREFIX - 1, ml = sizeof MAC_PREFIX - 1;
  char hex[17], canon[17];
  uint8_t want[OX_ID_LEN], got[OX_ID_LEN];
  uint64_t b;

  if (len != OX_FORGET_TEXT_LEN || memcmp (data, BEFORE_PREFIX, bl) != 0
      || data[bl + 16] != '\n' || memcmp (data + bl + 17, MAC_PREFIX, ml) != 0
      || data[len - 1] != '\n')
    return OX_FORGET_INVALID;
  memcpy (hex, data + bl, 16);
  hex[16] = '\0';
  if (ox_snapshot_id_parse (hex, &b) == -1)
    return OX_FORGET_INVALID;
  ox_snapshot_id_format (b, canon);
  if (strcmp (canon, hex) != 0 || b >= snap_id)
    return OX_FORGET_INVALID;
  for (size_t i = bl + 17 + ml; i < len - 1; i++)
    if (ox_hex_digit (data[i]) < 0 || (data[i] >= 'A' && data[i] <= 'F'))
      return OX_FORGET_INVALID;
  if (ox_unhex (data + bl + 17 + ml, got, OX_ID_LEN) == -1)
    return OX_FORGET_INVALID;
  forget_mac (k, volume, snap_id, b, want);
  if (CRYPTO_memcmp (want, got, OX_ID_LEN) != 0)
    return OX_FORGET_BAD_MAC;
  *before = b;
  return OX_FORGET_OK;
}

void
ox_forget_key (const char *volume, uint64_t snap_id, char key[OX_KEY_MAX])
{
  char id[17];

  ox_snapshot_id_format (snap_id, id);
  snprintf (key, OX_KEY_MAX, "volumes/%s/forgotten/%s", volume, id);
}
