/* ox: the overlay's header file (see ovheader.h and docs/FORMAT.md,
 * section 8). */
#include "ovheader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "hex.h"
#include "keys.h"
#include "log.h"
#include "names.h"

#define HEADER_MAGIC "ox-overlay 1"
#define HEADER_MAX 16384

static uint8_t *
put_le (uint8_t *p, uint64_t v, unsigned bytes)
{
  for (unsigned i = 0; i < bytes; i++)
    *p++ = v >> (8 * i);
  return p;
}

int
overlay_pin_from_root (const struct ox_keys *k, const char *url,
                       const struct ox_root *r, struct overlay_pin *pin)
{
  static const char label[] = "ox v1 overlay pin";
  size_t name_len = strlen (r->volume);
  size_t len = sizeof label + 8 + 8 + 4 + 4 + 4 + 2 + name_len
               + (size_t)r->npages * OX_ID_LEN;
  CLEANUP_FREE uint8_t *buf = malloc (len);
  uint8_t *p = buf;

  if (strlen (url) >= sizeof pin->store_url || strchr (url, '\n')) {
    ox_error ("store URL unusable in an overlay header: %s", url);
    return -1;
  }
  if (buf == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  memcpy (p, label, sizeof label), p += sizeof label;
  p = put_le (p, r->snapshot_id, 8);
  p = put_le (p, r->volume_size, 8);
  p = put_le (p, r->chunk_size, 4);
  p = put_le (p, r->chunks_per_page, 4);
  p = put_le (p, r->npages, 4);
  p = put_le (p, name_len, 2);
  memcpy (p, r->volume, name_len), p += name_len;
  if (r->npages)
    memcpy (p, r->pages, (size_t)r->npages * OX_ID_LEN);

  memset (pin, 0, sizeof *pin);
  strcpy (pin->store_url, url);
  memcpy (pin->store_id, k->store_id, OX_STORE_ID_LEN);
  strcpy (pin->volume, r->volume);
  pin->snapshot_id = r->snapshot_id;
  ox_mac (k, buf, len, pin->root_digest);
  pin->volume_size = r->volume_size;
  pin->chunk_size = r->chunk_size;
  return 0;
}

/* Format PIN as the header text into a malloc'd string. */
static char *
header_format (const struct overlay_pin *pin)
{
  char store_id[2 * OX_STORE_ID_LEN + 1], digest[2 * OX_ID_LEN + 1];
  char snap[17];
  char *s;

  ox_hex (pin->store_id, OX_STORE_ID_LEN, store_id);
  ox_hex (pin->root_digest, OX_ID_LEN, digest);
  ox_snapshot_id_format (pin->snapshot_id, snap);
  if (asprintf (&s,
                HEADER_MAGIC "\n"
                             "block-size=%u\n"
                             "store-id=%s\n"
                             "store-url=%s\n"
                             "volume=%s\n"
                             "snapshot=%s\n"
                             "root-digest=%s\n"
                             "volume-size=%" PRIu64 "\n"
                             "chunk-size=%" PRIu32 "\n"
                             "%s",
                OVERLAY_BLOCK_SIZE, store_id, pin->store_url, pin->volume,
                snap, digest, pin->volume_size, pin->chunk_size,
                pin->complete ? "complete=1\n" : "")
      < 0)
    return NULL;
  return s;
}

/* Parse a decimal without sign or junk. */
static int
parse_u64 (const char *s, uint64_t *v)
{
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  errno = 0;
  *v = strtoull (s, &end, 10);
  return errno || *end ? -1 : 0;
}

/* Set one header field from KEY=VAL. Returns the field's bit, or 0 when
 * the value is invalid, or -1 for an unknown key. */
static int
header_field (struct overlay_pin *pin, const char *key, const char *val)
{
  uint64_t v;

  if (strcmp (key, "block-size") == 0)
    return parse_u64 (val, &v) == 0 && v == OVERLAY_BLOCK_SIZE ? 1 : 0;
  if (strcmp (key, "store-id") == 0)
    return strlen (val) == 2 * OX_STORE_ID_LEN
                   && ox_unhex (val, pin->store_id, OX_STORE_ID_LEN) == 0
               ? 2
               : 0;
  if (strcmp (key, "store-url") == 0) {
    if (strlen (val) >= sizeof pin->store_url)
      return 0;
    strcpy (pin->store_url, val);
    return 4;
  }
  if (strcmp (key, "volume") == 0) {
    if (strlen (val) > OX_NAME_MAX || !ox_name_valid (val))
      return 0;
    strcpy (pin->volume, val);
    return 8;
  }
  if (strcmp (key, "snapshot") == 0)
    return ox_snapshot_id_parse (val, &pin->snapshot_id) == 0 ? 16 : 0;
  if (strcmp (key, "root-digest") == 0)
    return strlen (val) == 2 * OX_ID_LEN
                   && ox_unhex (val, pin->root_digest, OX_ID_LEN) == 0
               ? 32
               : 0;
  if (strcmp (key, "volume-size") == 0) {
    if (parse_u64 (val, &v) || v == 0 || v > (UINT64_C (1) << 62))
      return 0;
    pin->volume_size = v;
    return 64;
  }
  if (strcmp (key, "chunk-size") == 0) {
    if (parse_u64 (val, &v) || v < OVERLAY_BLOCK_SIZE || v > (64u << 20)
        || (v & (v - 1)))
      return 0;
    pin->chunk_size = v;
    return 128;
  }
  if (strcmp (key, "complete") == 0) { /* optional */
    if (strcmp (val, "1") != 0)
      return 0;
    pin->complete = 1;
    return 256;
  }
  return -1;
}

/* Parse header TEXT (NUL-terminated) of the overlay in DIR. */
static int
header_parse (const char *dir, char *text, struct overlay_pin *pin)
{
  char *line, *save = NULL;
  unsigned seen = 0;

  memset (pin, 0, sizeof *pin);
  line = strtok_r (text, "\n", &save);
  if (line == NULL || strncmp (line, "ox-overlay ", 11) != 0) {
    ox_error ("%s/" HEADER_NAME ": not an ox overlay header", dir);
    return -1;
  }
  if (strcmp (line, HEADER_MAGIC) != 0) {
    ox_error ("%s/" HEADER_NAME ": unknown overlay format version \"%s\"", dir,
              line + 11);
    return -1;
  }
  while ((line = strtok_r (NULL, "\n", &save)) != NULL) {
    char *eq = strchr (line, '=');
    int bit;
    if (eq == NULL) {
      ox_error ("%s/" HEADER_NAME ": corrupt line \"%s\"", dir, line);
      return -1;
    }
    *eq = '\0';
    bit = header_field (pin, line, eq + 1);
    if (bit < 0) {
      ox_error ("%s/" HEADER_NAME ": unknown field \"%s\"", dir, line);
      return -1;
    }
    if (bit == 0 || (seen & bit)) {
      ox_error ("%s/" HEADER_NAME ": invalid or repeated field \"%s\"", dir,
                line);
      return -1;
    }
    seen |= bit;
  }
  if ((seen & 255) != 255) {
    ox_error ("%s/" HEADER_NAME ": fields are missing", dir);
    return -1;
  }
  return 0;
}

/* Read the header at DIR_FD into PIN. Returns 1, 0 if absent, or -1. */
int
ovheader_read (int dir_fd, const char *dir, struct overlay_pin *pin)
{
  CLEANUP_CLOSE int fd = openat (dir_fd, HEADER_NAME, O_RDONLY | O_CLOEXEC);
  char text[HEADER_MAX + 1];
  size_t len;
  ssize_t r;

  if (fd < 0) {
    if (errno == ENOENT)
      return 0;
    ox_error ("%s/" HEADER_NAME ": %m", dir);
    return -1;
  }
  r = ox_read_full (fd, text, sizeof text - 1);
  if (r < 0) {
    ox_error ("%s/" HEADER_NAME ": read: %m", dir);
    return -1;
  }
  len = (size_t)r;
  if (len == sizeof text - 1) {
    ox_error ("%s/" HEADER_NAME ": header is too long", dir);
    return -1;
  }
  text[len] = '\0';
  return ovheader_parse (dir, text, len, pin) == 0 ? 1 : -1;
}

int
ovheader_parse (const char *dir, char *text, size_t len,
                struct overlay_pin *pin)
{
  if (strlen (text) != len) {
    ox_error ("%s/" HEADER_NAME ": header holds a NUL byte", dir);
    return -1;
  }
  return header_parse (dir, text, pin);
}

/* Write the header for PIN atomically (temporary file, fsync, rename,
 * fsync the directory). */
int
ovheader_write (int dir_fd, const char *dir, const struct overlay_pin *pin)
{
  CLEANUP_FREE char *text = header_format (pin);
  const struct ox_write_opts o = { .tmp = HEADER_TMP, .mode = 0600 };
  const char *step;

  if (text == NULL) {
    ox_error ("asprintf: %m");
    return -1;
  }
  if (ox_write_file_atomic (dir_fd, HEADER_NAME, text, strlen (text), &o,
                            &step)
      == -1) {
    ox_error ("%s/" HEADER_NAME ": %s: %m", dir, step);
    return -1;
  }
  return 0;
}
