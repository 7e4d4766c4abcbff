/* ox: read traces (see trace.h). */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "tracefmt.h"

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
  CLEANUP_FREE uint8_t *obj = NULL;
  struct ox_codec *codec = NULL;
  size_t cap, len;
  int r = -1;
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&t->lock);

  cap = ox_trace_bound (t->count);
  obj = malloc (cap);
  codec = ox_codec_new (0);
  if (obj == NULL || codec == NULL) {
    ox_error ("cannot store the read trace: out of memory");
    goto out;
  }
  if (ox_trace_format (codec, k, snapshot_id, t->nchunks, t->order, t->count,
                       obj, cap, &len)
      == -1)
    goto out;
  trace_key (key, sizeof key, volume, snapshot_id);
  r = ox_store_put (st, key, obj, len);
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
  CLEANUP_FREE uint8_t *obj = NULL;
  struct ox_codec *codec;
  const char *why;
  void *data = NULL;
  size_t len;
  uint64_t size;
  int r;

  *chunks = NULL;
  *n = 0;
  trace_key (key, sizeof key, volume, snapshot_id);
  if (ox_store_stat (st, key, &size) == -1)
    return errno == ENOENT ? 0 : -1;
  if (size > ox_trace_bound (OX_TRACE_MAX_CHUNKS)) {
    ox_warning ("read trace %s ignored: %" PRIu64 " bytes is too large", key,
                size);
    return 0;
  }
  if (ox_store_get (st, key, &data, &len) == -1)
    return errno == ENOENT ? 0 : -1;
  obj = data;
  codec = ox_codec_new (0);
  if (codec == NULL) {
    ox_error ("cannot load the read trace: out of memory");
    return -1;
  }
  r = ox_trace_parse (codec, k, obj, len, snapshot_id, nchunks, chunks, n,
                      &why);
  ox_codec_free (codec);
  if (r == -1 && errno == EINVAL) {
    ox_warning ("read trace %s ignored: %s", key, why);
    return 0;
  }
  return r;
}
