/* ox: read traces (see trace.h). */
#include "trace.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "le.h"
#include "log.h"

#define MAGIC "OXTRACE1"
#define HEADER 32

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
  t->max = max;
  t->seen = calloc ((nchunks + 63) / 64, 8);
  t->order = calloc (max ? max : 1, 8);
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
trace_save (struct trace *t, struct ox_store *st, const char *volume,
            uint64_t snapshot_id)
{
  char key[512];
  CLEANUP_FREE uint8_t *buf = NULL;
  size_t len;
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&t->lock);

  len = HEADER + (size_t)t->count * 8;
  buf = malloc (len);
  if (buf == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  memcpy (buf, MAGIC, 8);
  put_le64 (buf + 8, snapshot_id);
  put_le64 (buf + 16, t->nchunks);
  put_le32 (buf + 24, t->count);
  put_le32 (buf + 28, 0);
  for (uint32_t i = 0; i < t->count; i++)
    put_le64 (buf + HEADER + 8 * (size_t)i, t->order[i]);
  trace_key (key, sizeof key, volume, snapshot_id);
  return ox_store_put (st, key, buf, len);
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
trace_load (struct ox_store *st, const char *volume, uint64_t snapshot_id,
            uint64_t nchunks, uint64_t **chunks, size_t *n)
{
  char key[512];
  CLEANUP_FREE uint8_t *buf = NULL;
  void *data = NULL;
  size_t len, count, j = 0;

  *chunks = NULL;
  *n = 0;
  trace_key (key, sizeof key, volume, snapshot_id);
  if (ox_store_get (st, key, &data, &len) == -1)
    return errno == ENOENT ? 0 : -1;
  buf = data;
  if (len < HEADER || memcmp (buf, MAGIC, 8) != 0
      || get_le64 (buf + 8) != snapshot_id || get_le64 (buf + 16) != nchunks
      || (len - HEADER) / 8 != get_le32 (buf + 24)
      || (len - HEADER) % 8 != 0) {
    ox_warning ("trace %s does not fit this snapshot; ignored", key);
    return 0;
  }
  count = get_le32 (buf + 24);
  if (count == 0)
    return 0;
  *chunks = malloc (count * 8);
  if (*chunks == NULL) {
    ox_error ("malloc: %m");
    return -1;
  }
  for (size_t i = 0; i < count; i++) {
    uint64_t ch = get_le64 (buf + HEADER + 8 * i);
    if (ch < nchunks)
      (*chunks)[j++] = ch;
  }
  *n = j;
  return 0;
}
