/* ox: the clone's threads: readahead for sequential readers and the
 * background flusher (see clone.h). Readahead reaches the engine only
 * through clone_fill_run (fetch.c) and the chunk geometry of
 * clone-int.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clone-int.h"
#include "log.h"
#include "monotime.h"

/* ---- readahead ----------------------------------------------------- */

void
clone_ra_init (struct clone *c)
{
  pthread_mutex_init (&c->ra_lock, NULL);
  pthread_cond_init (&c->ra_cond, NULL);
  ox_cond_init_monotonic (&c->stop_cond);
}

void
clone_ra_destroy (struct clone *c)
{
  pthread_mutex_destroy (&c->ra_lock);
  pthread_cond_destroy (&c->ra_cond);
  pthread_cond_destroy (&c->stop_cond);
}

/* Queue chunk CH for a readahead thread (dropped when the queue is full). */
void
clone_ra_submit (struct clone *c, uint64_t ch)
{
  if (ch >= c->nchunks || chunk_is_local (c, ch))
    return;
  pthread_mutex_lock (&c->ra_lock);
  if (c->running && !c->stopping && c->ra_len < RA_QUEUE) {
    c->ra_queue[(c->ra_head + c->ra_len++) % RA_QUEUE] = ch;
    pthread_cond_signal (&c->ra_cond);
  }
  pthread_mutex_unlock (&c->ra_lock);
}

static void *
ra_worker (void *arg)
{
  struct clone *c = arg;

  for (;;) {
    uint64_t ch;
    unsigned n = 1;

    pthread_mutex_lock (&c->ra_lock);
    while (c->ra_len == 0 && !c->stopping)
      pthread_cond_wait (&c->ra_cond, &c->ra_lock);
    if (c->stopping) {
      pthread_mutex_unlock (&c->ra_lock);
      return NULL;
    }
    /* Take the chunk at the head and those queued right after it that
     * follow it, to read their frames at once. */
    ch = c->ra_queue[c->ra_head];
    c->ra_head = (c->ra_head + 1) % RA_QUEUE;
    c->ra_len--;
    while (c->ra_len > 0 && n < RA_GROUP
           && c->ra_queue[c->ra_head] == ch + n) {
      c->ra_head = (c->ra_head + 1) % RA_QUEUE;
      c->ra_len--;
      n++;
    }
    pthread_mutex_unlock (&c->ra_lock);

    clone_fill_run (c, ch, n, CLONE_READAHEAD, NULL, NULL);
  }
}

void
clone_stream_init (struct clone_stream *s)
{
  memset (s, 0, sizeof *s);
  pthread_mutex_init (&s->lock, NULL);
}

void
clone_stream_destroy (struct clone_stream *s)
{
  pthread_mutex_destroy (&s->lock);
}

/* Note a read of COUNT bytes at OFFSET by stream S: a reader that
 * continues where it stopped gets the chunks ahead of it prefetched, in a
 * window that doubles with each sequential read up to readahead_max. The
 * window is refilled in batches (once half of it is used up), so that the
 * readahead threads get runs of adjacent chunks to read at once. */
void
clone_ra_note (struct clone *c, struct clone_stream *s, uint64_t offset,
               uint32_t count)
{
  uint64_t cur, from, to;

  if (s == NULL || c->nworkers == 0 || c->opts.readahead_max == 0)
    return;
  pthread_mutex_lock (&s->lock);
  if (offset != s->next_off) {
    s->window = 0;
    s->ra_next = 0;
    s->next_off = offset + count;
    pthread_mutex_unlock (&s->lock);
    return;
  }
  s->next_off = offset + count;
  s->window = s->window ? 2 * s->window : RA_START;
  if (s->window > c->opts.readahead_max)
    s->window = c->opts.readahead_max;
  cur = chunk_of (c, offset + count - 1);
  from = cur + 1 > s->ra_next ? cur + 1 : s->ra_next;
  to = cur + s->window;
  if (to >= c->nchunks)
    to = c->nchunks - 1;
  /* Still more than half a window submitted ahead: wait for a batch. */
  if (from > cur + 1 && from - (cur + 1) > s->window / 2
      && to + 1 < c->nchunks)
    from = to + 1;
  if (from <= to)
    s->ra_next = to + 1;
  pthread_mutex_unlock (&s->lock);

  for (uint64_t ch = from; ch <= to; ch++)
    clone_ra_submit (c, ch);
}

/* ---- background flush ---------------------------------------------- */

static void *
flusher (void *arg)
{
  struct clone *c = arg;
  struct timespec t;

  pthread_mutex_lock (&c->ra_lock);
  while (!c->stopping) {
    ox_deadline (&t, (uint64_t)c->opts.flush_interval * 1000000000);
    while (!c->stopping
           && pthread_cond_timedwait (&c->stop_cond, &c->ra_lock, &t)
                  != ETIMEDOUT)
      ;
    if (c->stopping)
      break;
    pthread_mutex_unlock (&c->ra_lock);
    if (overlay_dirty (c->ov) && overlay_flush (c->ov) == -1)
      ox_warning ("background flush of overlay %s failed",
                  overlay_dir (c->ov));
    pthread_mutex_lock (&c->ra_lock);
  }
  pthread_mutex_unlock (&c->ra_lock);
  return NULL;
}

int
clone_start_threads (struct clone *c)
{
  int err;

  pthread_mutex_lock (&c->ra_lock);
  c->running = 1;
  c->stopping = 0;
  pthread_mutex_unlock (&c->ra_lock);
  c->workers = calloc (c->opts.readahead_threads + 1, sizeof *c->workers);
  if (c->workers == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  for (unsigned i = 0; i < c->opts.readahead_threads; i++) {
    err = pthread_create (&c->workers[i], NULL, ra_worker, c);
    if (err) {
      errno = err;
      ox_error ("cannot start a readahead thread: %m");
      return -1;
    }
    c->nworkers++;
  }
  if (c->opts.flush_interval > 0) {
    err = pthread_create (&c->flusher, NULL, flusher, c);
    if (err) {
      errno = err;
      ox_error ("cannot start the flush thread: %m");
      return -1;
    }
    c->flusher_started = 1;
  }
  return 0;
}

void
clone_stop_threads (struct clone *c)
{
  pthread_mutex_lock (&c->ra_lock);
  c->stopping = 1;
  c->ra_len = 0;
  pthread_cond_broadcast (&c->ra_cond);
  pthread_cond_broadcast (&c->stop_cond);
  pthread_mutex_unlock (&c->ra_lock);
  for (unsigned i = 0; i < c->nworkers; i++)
    pthread_join (c->workers[i], NULL);
  c->nworkers = 0;
  free (c->workers);
  c->workers = NULL;
  if (c->flusher_started)
    pthread_join (c->flusher, NULL);
  c->flusher_started = 0;
  pthread_mutex_lock (&c->ra_lock);
  c->running = 0;
  pthread_mutex_unlock (&c->ra_lock);
}
