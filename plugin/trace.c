/* ox: read traces (see trace.h). */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "frame.h"
#include "le.h"
#include "log.h"

#define MAGIC "OXTRACE2"
#define PREFIX (8 + OX_ID_LEN) /* magic, then the body's id */
#define BODY_HEADER 24

struct trace {
  pthread_mutex_t lock;
  uint64_t nchunks;
  uint64_t *seen; /* one bit per chunk */
  uint64_t *order;
  uint32_t count, max;
};

struct trace *
trace_new (uint64_t nchunks, uint32_t max)
{
  struct trace *t = calloc (1, sizeof *t);

  if (t == NULL)
    return NULL;
  t->nchunks = nchunks;
  t->max = max < TRACE_MAX_CHUNKS ? max : TRACE_MAX_CHUNKS;
  t->seen = calloc ((nchunks + 63) / 64, 8);
  t->order = calloc (t->max ? t->max : 1, 8);
  if (t->seen == NULL || t->order == NULL) {
    trace_free (t);
    return NULL;
  }
  pthread_mutex_init (&t->lock, NULL);
  return t;
}

void
trace_note (struct trace *t, uint64_t ch)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&t->lock);

  if (ch >= t->nchunks || t->count >= t->max
      || (t->seen[ch / 64] >> (ch % 64)) & 1)
    return;
  t->seen[ch / 64] |= UINT64_C (1) << (ch % 64);
  t->order[t->count++] = ch;
}

uint32_t
trace_count (struct trace *t)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&t->lock);
  return t->count;
}

/* The object key of a trace. */
static void
trace_key (char *key, size_t size, const char *volume, uint64_t snapshot_id)
{
  snprintf (key, size, "volumes/%s/traces/%016" PRIx64, volume, snapshot_id);
}

int
trace_save (struct trace *t, struct ox_store *st, const struct ox_keys *k,
            const char *volume, uint64_t snapshot_id)
{
  char key[512];
  CLEANUP_FREE uint8_t *body = NULL, *obj = NULL;
  struct ox_codec *codec = NULL;
  size_t len, cap, flen;
  int r = -1;
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&t->lock);

  len = BODY_HEADER + (size_t)t->count * 8;
  cap = PREFIX + ox_frame_bound (len);
  body = malloc (len);
  obj = malloc (cap);
  codec = ox_codec_new (0);
  if (body == NULL || obj == NULL || codec == NULL) {
    ox_error ("cannot store the read trace: out of memory");
    goto out;
  }
  put_le64 (body, snapshot_id);
  put_le64 (body + 8, t->nchunks);
  put_le32 (body + 16, t->count);
  put_le32 (body + 20, 0);
  for (uint32_t i = 0; i < t->count; i++)
    put_le64 (body + BODY_HEADER + 8 * (size_t)i, t->order[i]);
  memcpy (obj, MAGIC, 8);
  ox_chunk_id (k, body, len, obj + 8);
  if (ox_frame_encode (codec, k, obj + 8, body, len, obj + PREFIX,
                       cap - PREFIX, &flen)
      == -1)
    goto out;
  trace_key (key, sizeof key, volume, snapshot_id);
  r = ox_store_put (st, key, obj, PREFIX + flen);
out:
  ox_codec_free (codec);
  return r;
}

void
trace_free (struct trace *t)
{
  if (t == NULL)
    return;
  if (t->seen && t->order)
    pthread_mutex_destroy (&t->lock);
  free (t->seen);
  free (t->order);
  free (t);
}

int
trace_load (struct ox_store *st, const struct ox_keys *k, const char *volume,
            uint64_t snapshot_id, uint64_t nchunks, uint64_t **chunks,
            size_t *n)
{
  char key[512];
  CLEANUP_FREE uint8_t *obj = NULL, *body = NULL;
  struct ox_codec *codec = NULL;
  const char *why = "not a trace";
  void *data = NULL;
  size_t len, blen = 0, count, j = 0;
  uint64_t size;
  int64_t plain;

  *chunks = NULL;
  *n = 0;
  trace_key (key, sizeof key, volume, snapshot_id);
  if (ox_store_stat (st, key, &size) == -1)
    return errno == ENOENT ? 0 : -1;
  if (size > PREFIX + ox_frame_bound (BODY_HEADER + 8 * TRACE_MAX_CHUNKS)) {
    ox_warning ("read trace %s ignored: %" PRIu64 " bytes is too large", key,
                size);
    return 0;
  }
  if (ox_store_get (st, key, &data, &len) == -1)
    return errno == ENOENT ? 0 : -1;
  obj = data;
  if (len < PREFIX || memcmp (obj, MAGIC, 8) != 0)
    goto ignore;
  plain = ox_frame_plain_len (obj + PREFIX, len - PREFIX, &why);
  if (plain < BODY_HEADER || (plain - BODY_HEADER) % 8 != 0
      || (uint64_t)plain > BODY_HEADER + 8 * (uint64_t)UINT32_MAX) {
    if (plain >= 0)
      why = "bad length";
    goto ignore;
  }
  body = malloc ((size_t)plain);
  codec = ox_codec_new (0);
  if (body == NULL || codec == NULL) {
    ox_codec_free (codec);
    ox_error ("cannot load the read trace: out of memory");
    return -1;
  }
  if (ox_frame_decode (codec, k, obj + 8, obj + PREFIX, len - PREFIX, body,
                       (size_t)plain, &blen, &why)
      == -1) {
    ox_codec_free (codec);
    goto ignore;
  }
  ox_codec_free (codec);
  count = get_le32 (body + 16);
  if (blen != (size_t)plain || get_le64 (body) != snapshot_id
      || get_le64 (body + 8) != nchunks || count != (blen - BODY_HEADER) / 8) {
    why = "made for another snapshot or geometry";
    goto ignore;
  }
  if (count == 0)
    return 0;
  *chunks = malloc (count * 8);
  if (*chunks == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  for (size_t i = 0; i < count; i++) {
    uint64_t ch = get_le64 (body + BODY_HEADER + 8 * i);
    if (ch < nchunks)
      (*chunks)[j++] = ch;
  }
  if (j == 0) { /* as documented: no chunks, no array */
    free (*chunks);
    *chunks = NULL;
  }
  *n = j;
  return 0;

ignore:
  ox_warning ("read trace %s ignored: %s", key, why);
  return 0;
}
