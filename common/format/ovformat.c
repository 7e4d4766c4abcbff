/* ox: the bytes of a clone overlay (see ovformat.h and docs/FORMAT.md,
 * section 8). */
#include "ovformat.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "hex.h"
#include "le.h"
#include "log.h"

#define HEADER_MAGIC_V1 "ox-overlay 1"
#define HEADER_MAGIC_V2 "ox-overlay 2"
#define HEADER_PREFIX "ox-overlay "
#define SHOW_MAX 80 /* bytes of an untrusted line quoted in a message */

/* Parse the N bytes at S as a decimal without sign or junk. */
static int
parse_dec (const char *s, size_t n, uint64_t *v)
{
  uint64_t x = 0;

  if (n == 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9 || x > (UINT64_MAX - d) / 10)
      return -1;
    x = x * 10 + d;
  }
  *v = x;
  return 0;
}

/* True if the N bytes at S are the string LIT. */
static int
equals (const char *s, size_t n, const char *lit)
{
  return strlen (lit) == n && memcmp (s, lit, n) == 0;
}

/* At most SHOW_MAX of N bytes, for "%.*s" in a message. */
static int
show (size_t n)
{
  return n < SHOW_MAX ? (int)n : SHOW_MAX;
}

/* ---- the header ---------------------------------------------------- */

int
ox_ovheader_from_root (const struct ox_keys *k, const char *url,
                       const struct ox_root *r, struct ox_ovheader *h)
{
  static const char label[] = "ox v1 overlay pin";
  size_t name_len = strlen (r->volume);
  size_t len = sizeof label + 8 + 8 + 4 + 4 + 4 + 2 + name_len
               + (size_t)r->npages * OX_ID_LEN;
  CLEANUP_FREE uint8_t *buf = NULL;
  uint8_t *p;

  if (strlen (url) >= sizeof h->store_url || strchr (url, '\n')) {
    errno = EINVAL;
    ox_error ("store URL unusable in an overlay header: %s", url);
    return -1;
  }
  p = buf = malloc (len);
  if (buf == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  /* The label with its NUL, then the root's identity, geometry and page
   * ids (FORMAT.md 8, root-digest). */
  memcpy (p, label, sizeof label), p += sizeof label;
  put_le64 (p, r->snapshot_id), p += 8;
  put_le64 (p, r->volume_size), p += 8;
  put_le32 (p, r->chunk_size), p += 4;
  put_le32 (p, r->chunks_per_page), p += 4;
  put_le32 (p, r->npages), p += 4;
  put_le16 (p, (uint16_t)name_len), p += 2;
  memcpy (p, r->volume, name_len), p += name_len;
  if (r->npages)
    memcpy (p, r->pages, (size_t)r->npages * OX_ID_LEN);

  memset (h, 0, sizeof *h);
  strcpy (h->store_url, url);
  memcpy (h->store_id, k->store_id, OX_STORE_ID_LEN);
  strcpy (h->volume, r->volume);
  h->snapshot_id = r->snapshot_id;
  ox_mac (k, buf, len, h->root_digest);
  h->volume_size = r->volume_size;
  h->chunk_size = r->chunk_size;
  h->version = OX_OVERLAY_VERSION;
  return 0;
}

int
ox_ovheader_format (const struct ox_ovheader *h, char *buf, size_t size,
                    size_t *len)
{
  char store_id[2 * OX_STORE_ID_LEN + 1], digest[2 * OX_ID_LEN + 1];
  char snap[17];
  size_t url_len = strnlen (h->store_url, sizeof h->store_url);
  int n;

  if (url_len == sizeof h->store_url || memchr (h->store_url, '\n', url_len)
      || strnlen (h->volume, sizeof h->volume) > OX_NAME_MAX
      || !ox_name_valid (h->volume) || h->volume_size == 0
      || h->volume_size > OX_OV_VOLUME_MAX
      || !ox_chunk_size_valid (h->chunk_size) || h->version < 0
      || h->version > OX_OVERLAY_VERSION) {
    errno = EINVAL;
    ox_error ("overlay header: a field cannot be written (store URL, "
              "volume name, volume size or chunk size)");
    return -1;
  }
  ox_hex (h->store_id, OX_STORE_ID_LEN, store_id);
  ox_hex (h->root_digest, OX_ID_LEN, digest);
  ox_snapshot_id_format (h->snapshot_id, snap);
  n = snprintf (buf, size,
                "%s\n"
                "block-size=%u\n"
                "store-id=%s\n"
                "store-url=%s\n"
                "volume=%s\n"
                "snapshot=%s\n"
                "root-digest=%s\n"
                "volume-size=%" PRIu64 "\n"
                "chunk-size=%" PRIu32 "\n"
                "%s",
                h->version == 1 ? HEADER_MAGIC_V1 : HEADER_MAGIC_V2,
                OX_OV_BLOCK_SIZE, store_id, h->store_url, h->volume, snap,
                digest, h->volume_size, h->chunk_size,
                h->complete ? "complete=1\n" : "");
  if (n < 0 || (size_t)n >= size) {
    errno = ERANGE;
    ox_error ("overlay header: does not fit in %zu bytes", size);
    return -1;
  }
  *len = (size_t)n;
  return 0;
}

/* The fields of the header, each a bit of the set seen; the first 8 are
 * required. */
static const char *const header_keys[] = {
  "block-size",  "store-id",    "store-url",  "volume",   "snapshot",
  "root-digest", "volume-size", "chunk-size", "complete",
};
#define HEADER_REQUIRED 0xffu

/* Set field number I of *H from the N bytes of value V. Returns 0, or -1
 * if the value is invalid. */
static int
header_field (struct ox_ovheader *h, int i, const char *v, size_t n)
{
  uint64_t x;

  switch (i) {
  case 0: /* block-size: the only value of version 1 */
    return parse_dec (v, n, &x) == 0 && x == OX_OV_BLOCK_SIZE ? 0 : -1;
  case 1:
    return n == 2 * OX_STORE_ID_LEN
                   && ox_unhex (v, h->store_id, OX_STORE_ID_LEN) == 0
               ? 0
               : -1;
  case 2: /* any bytes but NUL and newline, which cannot be here */
    if (n >= sizeof h->store_url)
      return -1;
    memcpy (h->store_url, v, n);
    h->store_url[n] = '\0';
    return 0;
  case 3:
    if (n > OX_NAME_MAX)
      return -1;
    memcpy (h->volume, v, n);
    h->volume[n] = '\0';
    return ox_name_valid (h->volume) ? 0 : -1;
  case 4:
    return n == 16 && ox_unhex_u64 (v, 16, &h->snapshot_id) == 0 ? 0 : -1;
  case 5:
    return n == 2 * OX_ID_LEN && ox_unhex (v, h->root_digest, OX_ID_LEN) == 0
               ? 0
               : -1;
  case 6:
    if (parse_dec (v, n, &x) == -1 || x == 0 || x > OX_OV_VOLUME_MAX)
      return -1;
    h->volume_size = x;
    return 0;
  case 7:
    if (parse_dec (v, n, &x) == -1 || !ox_chunk_size_valid (x))
      return -1;
    h->chunk_size = (uint32_t)x;
    return 0;
  case 8: /* optional */
    if (!equals (v, n, "1"))
      return -1;
    h->complete = 1;
    return 0;
  }
  return -1;
}

/* Parse the key=value lines from P to END, each with its newline. */
static int
header_lines (const char *what, const char *p, const char *end,
              struct ox_ovheader *h)
{
  unsigned seen = 0;
  const size_t nkeys = sizeof header_keys / sizeof header_keys[0];

  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *eq = memchr (p, '=', (nl ? nl : end) - p);
    size_t n = (nl ? nl : end) - p;
    size_t i;

    if (nl == NULL) {
      ox_error ("%s: truncated: the last line \"%.*s\" has no newline", what,
                show (n), p);
      return -1;
    }
    if (eq == NULL) {
      ox_error ("%s: corrupt line \"%.*s\"", what, show (n), p);
      return -1;
    }
    for (i = 0; i < nkeys; i++)
      if (equals (p, eq - p, header_keys[i]))
        break;
    if (i == nkeys) {
      ox_error ("%s: unknown field \"%.*s\"", what, show (eq - p), p);
      return -1;
    }
    if ((seen & 1u << i) || header_field (h, i, eq + 1, nl - eq - 1) == -1) {
      ox_error ("%s: invalid or repeated field \"%s\"", what, header_keys[i]);
      return -1;
    }
    seen |= 1u << i;
    p = nl + 1;
  }
  for (size_t i = 0; i < nkeys; i++)
    if ((HEADER_REQUIRED & 1u << i) && !(seen & 1u << i)) {
      ox_error ("%s: fields are missing (\"%s\")", what, header_keys[i]);
      return -1;
    }
  return 0;
}

int
ox_ovheader_parse (const char *what, const void *text, size_t len,
                   struct ox_ovheader *h)
{
  const char *p = text, *end = p + len, *nl;
  size_t first;
  int version;

  memset (h, 0, sizeof *h);
  errno = EINVAL;
  if (len > OX_OVHEADER_MAX) {
    errno = EFBIG;
    ox_error ("%s: header is too long (over %d bytes)", what, OX_OVHEADER_MAX);
    return -1;
  }
  if (memchr (p, '\0', len)) {
    ox_error ("%s: header holds a NUL byte", what);
    return -1;
  }
  nl = memchr (p, '\n', len);
  first = nl ? (size_t)(nl - p) : len;
  if (first < strlen (HEADER_PREFIX)
      || memcmp (p, HEADER_PREFIX, strlen (HEADER_PREFIX)) != 0) {
    ox_error ("%s: not an ox overlay header", what);
    return -1;
  }
  if (equals (p, first, HEADER_MAGIC_V1))
    version = 1;
  else if (equals (p, first, HEADER_MAGIC_V2))
    version = 2;
  else {
    ox_error ("%s: unknown overlay format version \"%.*s\"", what,
              show (first - strlen (HEADER_PREFIX)),
              p + strlen (HEADER_PREFIX));
    return -1;
  }
  if (nl == NULL) {
    ox_error ("%s: truncated: no field follows the first line", what);
    return -1;
  }
  if (header_lines (what, nl + 1, end, h) == -1) {
    memset (h, 0, sizeof *h);
    errno = EINVAL;
    return -1;
  }
  h->version = version;
  return 0;
}

/* ---- the map ------------------------------------------------------- */

int
ox_ovmap_check_len (const char *what, uint64_t len, uint64_t volume_size)
{
  errno = EINVAL;
  if (volume_size == 0 || volume_size > OX_OV_VOLUME_MAX) {
    ox_error ("%s: unsupported volume size %" PRIu64, what, volume_size);
    return -1;
  }
  if (len != ox_ovmap_len (volume_size)) {
    ox_error ("%s: corrupt overlay: expected a map of %" PRIu64
              " bytes for %" PRIu64 " blocks, found %" PRIu64,
              what, ox_ovmap_len (volume_size), ox_ovmap_nblocks (volume_size),
              len);
    return -1;
  }
  return 0;
}

uint64_t
ox_ovmap_decode (const void *bytes, size_t len, uint64_t offset,
                 uint64_t nblocks, uint64_t *words)
{
  const uint8_t *p = bytes;
  uint64_t count = 0;

  for (size_t i = 0; i < len / 8; i++) {
    uint64_t first = (offset / 8 + i) * 64; /* the block of bit 0 */
    uint64_t w = get_le64 (p + 8 * i);      /* read before WORDS[i] */

    if (first >= nblocks)
      w = 0;
    else if (nblocks - first < 64)
      w &= (UINT64_C (1) << (nblocks - first)) - 1;
    words[i] = w;
    count += (uint64_t)__builtin_popcountll (w);
  }
  return count;
}

void
ox_ovmap_encode (const uint64_t *words, size_t nwords, void *out)
{
  uint8_t *p = out;

  for (size_t i = 0; i < nwords; i++) {
    uint64_t w = words[i]; /* read before the bytes over it */
    put_le64 (p + 8 * i, w);
  }
}

/* ---- the statistics ------------------------------------------------ */

#define RUNTIME_S ((size_t)-1) /* derived from runtime_ms, not stored */
#define ST(field) offsetof (struct ox_ovstats, field)

/* The counters, in the order of the file. */
static const struct {
  const char *name;
  size_t off;
} counters[] = {
  { "updated", ST (updated) },
  { "runs", ST (runs) },
  { "demand_fetches", ST (fetches[OX_OVSTATS_DEMAND]) },
  { "readahead_fetches", ST (fetches[OX_OVSTATS_READAHEAD]) },
  { "background_fetches", ST (fetches[OX_OVSTATS_BACKGROUND]) },
  { "demand_bytes", ST (bytes[OX_OVSTATS_DEMAND]) },
  { "readahead_bytes", ST (bytes[OX_OVSTATS_READAHEAD]) },
  { "background_bytes", ST (bytes[OX_OVSTATS_BACKGROUND]) },
  { "fetch_errors", ST (fetch_errors) },
  { "reads", ST (reads) },
  { "read_bytes", ST (read_bytes) },
  { "writes", ST (writes) },
  { "write_bytes", ST (write_bytes) },
  { "zeros", ST (zeros) },
  { "flushes", ST (flushes) },
  { "errors", ST (errors) },
  { "local_reads", ST (local_reads) },
  { "basis_reads", ST (basis_reads) },
  { "runtime_ms", ST (runtime_ms) },
  { "runtime_s", RUNTIME_S },
  { "demand_rate", ST (rate[OX_OVSTATS_DEMAND]) },
  { "readahead_rate", ST (rate[OX_OVSTATS_READAHEAD]) },
  { "background_rate", ST (rate[OX_OVSTATS_BACKGROUND]) },
};
#define NCOUNTERS (sizeof counters / sizeof counters[0])
#define K_HYDRATE NCOUNTERS /* bits of the set of keys seen */
#define K_COMPLETE (NCOUNTERS + 1)

static const char *const hydrate_names[] = { "", "off", "on", "done" };

const char *
ox_ovstats_hydrate_name (enum ox_ovstats_hydrate h)
{
  return (unsigned)h < 4 ? hydrate_names[h] : "";
}

/* The counter at offset OFF of S. */
static uint64_t *
counter (struct ox_ovstats *s, size_t off)
{
  return (uint64_t *)((char *)s + off);
}

/* The value of the counter at offset OFF of S. */
static uint64_t
counter_value (const struct ox_ovstats *s, size_t off)
{
  return *(const uint64_t *)((const char *)s + off);
}

size_t
ox_ovstats_format (const struct ox_ovstats *s, char buf[OX_OVSTATS_TEXT_MAX])
{
  size_t n = 0;

  /* At most 23 lines of 19 + 1 + 20 + 1 bytes and two short ones: the
   * buffer always holds them. */
  for (size_t i = 0; i < NCOUNTERS; i++) {
    uint64_t v = counters[i].off == RUNTIME_S
                     ? s->runtime_ms / 1000
                     : counter_value (s, counters[i].off);
    n += (size_t)snprintf (buf + n, OX_OVSTATS_TEXT_MAX - n,
                           "%s=%" PRIu64 "\n", counters[i].name, v);
  }
  if (s->hydrate != OX_OVSTATS_HYDRATE_NONE)
    n += (size_t)snprintf (buf + n, OX_OVSTATS_TEXT_MAX - n, "hydrate=%s\n",
                           ox_ovstats_hydrate_name (s->hydrate));
  n += (size_t)snprintf (buf + n, OX_OVSTATS_TEXT_MAX - n, "complete=%d\n",
                         s->complete ? 1 : 0);
  return n;
}

/* Set key number K of *S from the N bytes of value V (runtime_s into
 * *RUNTIME_S). Returns 0 or -1. */
static int
stats_field (struct ox_ovstats *s, size_t k, const char *v, size_t n,
             uint64_t *runtime_s)
{
  if (k == K_HYDRATE) {
    for (int i = OX_OVSTATS_HYDRATE_OFF; i <= OX_OVSTATS_HYDRATE_DONE; i++)
      if (equals (v, n, hydrate_names[i])) {
        s->hydrate = i;
        return 0;
      }
    return -1;
  }
  if (k == K_COMPLETE) {
    if (!equals (v, n, "0") && !equals (v, n, "1"))
      return -1;
    s->complete = v[0] == '1';
    return 0;
  }
  return parse_dec (
      v, n,
      counters[k].off == RUNTIME_S ? runtime_s : counter (s, counters[k].off));
}

int
ox_ovstats_parse (const void *text, size_t len, struct ox_ovstats *s,
                  const char **why)
{
  const char *p = text, *end = p + len;
  uint64_t seen = 0, runtime_s = 0;

  memset (s, 0, sizeof *s);
  errno = EINVAL;
  if (len > OX_OVSTATS_MAX) {
    *why = "too large";
    return -1;
  }
  if (memchr (p, '\0', len)) {
    *why = "holds a NUL byte";
    return -1;
  }
  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *eq;
    size_t k;

    if (nl == NULL) {
      *why = "truncated: the last line has no newline";
      goto bad;
    }
    eq = memchr (p, '=', nl - p);
    if (eq == NULL || eq == p) {
      *why = "a line is not key=value";
      goto bad;
    }
    for (k = 0; k < NCOUNTERS; k++)
      if (equals (p, eq - p, counters[k].name))
        break;
    if (k == NCOUNTERS && equals (p, eq - p, "hydrate"))
      k = K_HYDRATE;
    else if (k == NCOUNTERS && equals (p, eq - p, "complete"))
      k = K_COMPLETE;
    else if (k == NCOUNTERS) { /* a key of a newer version */
      p = nl + 1;
      continue;
    }
    if ((seen >> k) & 1
        || stats_field (s, k, eq + 1, nl - eq - 1, &runtime_s) == -1) {
      *why = "a value is invalid or repeated";
      goto bad;
    }
    seen |= UINT64_C (1) << k;
    p = nl + 1;
  }
  /* Files of older versions kept whole seconds only. */
  if (s->runtime_ms == 0 && runtime_s) {
    if (runtime_s > UINT64_MAX / 1000) {
      *why = "a value is invalid or repeated";
      goto bad;
    }
    s->runtime_ms = runtime_s * 1000;
  }
  return 0;

bad:
  memset (s, 0, sizeof *s);
  errno = EINVAL;
  return -1;
}
