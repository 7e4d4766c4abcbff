/* oxsnap: an NBD export as the snapshot source (nbdsource.h). */
#include "nbdsource.h"

#include <inttypes.h>
#include <libnbd.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#define DIRTY_PREFIX "qemu:dirty-bitmap:"
#define NBD_STATE_DIRTY 1u /* of a qemu:dirty-bitmap context */
#define MAX_REQUEST (32u << 20)
#define STATUS_SPAN (1u << 30) /* bytes asked of one block status */

int
nbd_source_is_uri (const char *s)
{
  static const char *const schemes[]
      = { "nbd://",       "nbds://",      "nbd+unix://",
          "nbds+unix://", "nbd+vsock://", "nbds+vsock://" };

  for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
    if (strncmp (s, schemes[i], strlen (schemes[i])) == 0)
      return 1;
  return 0;
}

/* What one walk of block status has mapped so far: each context's ranges
 * end where its replies reached (replies may cover less than asked). */
struct status_walk {
  struct nbd_source *s;
  const char *dirty_ctx;
  uint64_t data_end, dirty_end;
  int failed;
};

/* Add the entries of one reply for the range at OFFSET to LIST, those
 * whose flags have MASK set (or, INVERT, not set); *END is how far the
 * list's context is mapped. */
static int
add_entries (struct status_walk *w, struct extent_list *list, uint64_t *end,
             uint64_t offset, const uint32_t *entries, size_t n, uint32_t mask,
             int invert)
{
  for (size_t i = 0; i + 1 < n; i += 2) {
    uint64_t start = offset, stop = offset + entries[i];
    int set = (entries[i + 1] & mask) != 0;

    offset = stop;
    if (stop > w->s->size)
      stop = w->s->size;
    if (stop <= *end)
      continue;
    if (start < *end)
      start = *end;
    if (set != invert && extent_list_add (list, start, stop) == -1)
      return -1;
    *end = stop;
  }
  return 0;
}

static int
status_cb (void *opaque, const char *ctx, uint64_t offset, uint32_t *entries,
           size_t n, int *error)
{
  struct status_walk *w = opaque;
  int r = 0;

  (void)error;
  if (strcmp (ctx, LIBNBD_CONTEXT_BASE_ALLOCATION) == 0)
    r = add_entries (w, &w->s->data, &w->data_end, offset, entries, n,
                     LIBNBD_STATE_ZERO, 1);
  else if (w->dirty_ctx && strcmp (ctx, w->dirty_ctx) == 0)
    r = add_entries (w, &w->s->dirty, &w->dirty_end, offset, entries, n,
                     NBD_STATE_DIRTY, 0);
  if (r == -1)
    w->failed = 1;
  return 0;
}

/* Map the export: its data ranges (if the server has base:allocation)
 * and its dirty ranges (DIRTY_CTX, if not NULL). Returns 0 or -1. */
static int
map_export (struct nbd_source *s, const char *dirty_ctx)
{
  struct status_walk w = { .s = s, .dirty_ctx = dirty_ctx };
  uint64_t off = 0;

  if (!s->mapped && !dirty_ctx)
    return 0;
  if (!s->mapped)
    w.data_end = s->size; /* not asked: every byte may hold data */
  if (!dirty_ctx)
    w.dirty_end = s->size;
  while (off < s->size) {
    uint64_t count = s->size - off < STATUS_SPAN ? s->size - off : STATUS_SPAN;
    nbd_extent_callback cb = { .callback = status_cb, .user_data = &w };
    uint64_t next;

    if (nbd_block_status (s->h, count, off, cb, 0) == -1) {
      ox_error ("%s: block status at offset %" PRIu64 ": %s", s->uri, off,
                nbd_get_error ());
      return -1;
    }
    if (w.failed)
      return -1;
    next = w.data_end < w.dirty_end ? w.data_end : w.dirty_end;
    if (next <= off) {
      ox_error ("%s: the server's block status made no progress at offset "
                "%" PRIu64,
                s->uri, off);
      return -1;
    }
    off = next;
  }
  return 0;
}

int
nbd_source_open (struct nbd_source *s, const char *uri, const char *bitmap)
{
  char ctx[sizeof DIRTY_PREFIX + 1024];
  int64_t size, max;

  memset (s, 0, sizeof *s);
  s->uri = uri;
  s->bitmap = bitmap;
  if (bitmap
      && (strlen (bitmap) == 0
          || (size_t)snprintf (ctx, sizeof ctx, DIRTY_PREFIX "%s", bitmap)
                 >= sizeof ctx)) {
    ox_error ("invalid dirty bitmap name '%s'", bitmap);
    return -1;
  }
  s->h = nbd_create ();
  if (!s->h
      || nbd_add_meta_context (s->h, LIBNBD_CONTEXT_BASE_ALLOCATION) == -1
      || (bitmap && nbd_add_meta_context (s->h, ctx) == -1)) {
    ox_error ("libnbd: %s", nbd_get_error ());
    goto fail;
  }
  if (nbd_connect_uri (s->h, uri) == -1) {
    ox_error ("cannot connect to NBD source %s: %s", uri, nbd_get_error ());
    goto fail;
  }
  size = nbd_get_size (s->h);
  if (size < 0) {
    ox_error ("%s: %s", uri, nbd_get_error ());
    goto fail;
  }
  if (size == 0) {
    ox_error ("source %s is empty", uri);
    goto fail;
  }
  s->size = (uint64_t)size;
  max = nbd_get_block_size (s->h, LIBNBD_SIZE_MAXIMUM);
  s->max_request = max > 0 && max < MAX_REQUEST ? (uint64_t)max : MAX_REQUEST;
  if (bitmap && nbd_can_meta_context (s->h, ctx) != 1) {
    ox_error ("NBD source %s has no dirty bitmap '%s' (meta context %s): "
              "export it with qemu-nbd --bitmap=%s, or nbd-server-add's "
              "\"bitmap\": \"%s\"",
              uri, bitmap, ctx, bitmap, bitmap);
    goto fail;
  }
  s->mapped = nbd_can_meta_context (s->h, LIBNBD_CONTEXT_BASE_ALLOCATION) == 1;
  if (map_export (s, bitmap ? ctx : NULL) == -1)
    goto fail;
  return 0;

fail:
  nbd_source_close (s);
  return -1;
}

int
nbd_source_read (struct nbd_source *s, void *buf, size_t len, uint64_t offset)
{
  while (len > 0) {
    size_t n = len < s->max_request ? len : s->max_request;

    if (nbd_pread (s->h, buf, n, offset, 0) == -1) {
      ox_error ("read error on %s at offset %" PRIu64 ": %s", s->uri, offset,
                nbd_get_error ());
      return -1;
    }
    buf = (char *)buf + n;
    len -= n;
    offset += n;
  }
  return 0;
}

uint64_t
nbd_source_next_data (const struct nbd_source *s, uint64_t offset)
{
  if (!s->mapped)
    return offset < s->size ? offset : s->size;
  return extent_list_next (&s->data, offset, s->size);
}

uint64_t
nbd_source_next_dirty (const struct nbd_source *s, uint64_t offset)
{
  return extent_list_next (&s->dirty, offset, s->size);
}

void
nbd_source_close (struct nbd_source *s)
{
  if (s->h) {
    nbd_shutdown (s->h, 0);
    nbd_close (s->h);
  }
  s->h = NULL;
  extent_list_free (&s->data);
  extent_list_free (&s->dirty);
}
