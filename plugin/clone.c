/* ox: a writable clone of a snapshot (see clone.h). */
#include "clone.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "log.h"

#define BS OVERLAY_BLOCK_SIZE
#define BSHIFT OVERLAY_BLOCK_SHIFT
#define NSTRIPES 64  /* per-chunk mutation locks, chosen by chunk index */
#define RA_QUEUE 256 /* readahead requests waiting at most */
#define RA_START 2   /* chunks ahead when a reader turns sequential */

/* One fetch of a basis chunk in progress or done, shared by every request
 * that missed the chunk while it was in progress. */
struct flight {
  struct flight *next;
  uint64_t chunk;
  int done, err;
  unsigned refs;
  size_t len;
  char buf[]; /* the chunk's bytes once done without error */
};

struct clone {
  struct overlay *ov;
  struct ox_basis *basis;
  struct clone_options opts;
  uint64_t size, nchunks;
  uint32_t chunk_size;
  unsigned chunk_shift;

  pthread_mutex_t stripes[NSTRIPES];

  pthread_mutex_t flight_lock; /* guards flights, flight refs and codecs */
  pthread_cond_t flight_done;
  struct flight *flights; /* in progress */
  struct ox_codec **codecs;
  size_t ncodecs, codecs_cap;

  pthread_mutex_t ra_lock; /* guards the readahead queue and STOPPING */
  pthread_cond_t ra_cond, stop_cond;
  uint64_t ra_queue[RA_QUEUE];
  size_t ra_head, ra_len;
  int stopping, running;
  pthread_t *workers;
  unsigned nworkers;
  pthread_t flusher;
  int flusher_started;

  uint64_t fetches, fetch_waits, fetch_errors, prefetches, copied_blocks;
};

void
clone_options_default (struct clone_options *o)
{
  o->readahead_threads = 4;
  o->readahead_max = 32;
  o->flush_interval = 5;
}

static void
count (uint64_t *counter, uint64_t n)
{
  __atomic_fetch_add (counter, n, __ATOMIC_RELAXED);
}

/* ---- geometry ------------------------------------------------------ */

static uint64_t
chunk_start (const struct clone *c, uint64_t ch)
{
  return ch << c->chunk_shift;
}

/* Bytes of chunk CH (the last may be short). */
static uint64_t
chunk_len (const struct clone *c, uint64_t ch)
{
  uint64_t left = c->size - chunk_start (c, ch);
  return left < c->chunk_size ? left : c->chunk_size;
}

/* Bytes of block BLK (the last may be short). */
static uint64_t
block_len (const struct clone *c, uint64_t blk)
{
  uint64_t left = c->size - (blk << BSHIFT);
  return left < BS ? left : BS;
}

/* First block and number of blocks of chunk CH. */
static void
chunk_blocks (const struct clone *c, uint64_t ch, uint64_t *first, uint64_t *n)
{
  *first = chunk_start (c, ch) >> BSHIFT;
  *n = (chunk_len (c, ch) + BS - 1) >> BSHIFT;
}

static int
chunk_is_local (const struct clone *c, uint64_t ch)
{
  uint64_t first, n;
  chunk_blocks (c, ch, &first, &n);
  return overlay_run (c->ov, first, n, 1) == n;
}

static pthread_mutex_t *
stripe (struct clone *c, uint64_t ch)
{
  return &c->stripes[ch % NSTRIPES];
}

/* ---- creation ------------------------------------------------------ */

int
clone_new (struct overlay *ov, struct ox_basis *b,
           const struct clone_options *opts, struct clone **out)
{
  const struct ox_root *r = ox_basis_root (b);
  struct clone *c;

  if (r->volume_size != overlay_size (ov) || r->chunk_size < BS
      || (r->chunk_size & (r->chunk_size - 1))) {
    ox_error ("overlay %s does not fit snapshot %s@%016" PRIx64,
              overlay_dir (ov), r->volume, r->snapshot_id);
    return -1;
  }
  c = calloc (1, sizeof *c);
  if (c == NULL) {
    ox_error ("calloc: %m");
    return -1;
  }
  c->ov = ov;
  c->basis = b;
  c->opts = *opts;
  c->size = r->volume_size;
  c->chunk_size = r->chunk_size;
  c->chunk_shift = __builtin_ctz (r->chunk_size);
  c->nchunks = ox_root_nchunks (r);
  for (int i = 0; i < NSTRIPES; i++)
    pthread_mutex_init (&c->stripes[i], NULL);
  pthread_mutex_init (&c->flight_lock, NULL);
  pthread_cond_init (&c->flight_done, NULL);
  pthread_mutex_init (&c->ra_lock, NULL);
  pthread_cond_init (&c->ra_cond, NULL);
  {
    pthread_condattr_t a;
    pthread_condattr_init (&a);
    pthread_condattr_setclock (&a, CLOCK_MONOTONIC);
    pthread_cond_init (&c->stop_cond, &a);
    pthread_condattr_destroy (&a);
  }
  *out = c;
  return 0;
}

void
clone_free (struct clone *c)
{
  if (c == NULL)
    return;
  clone_stop_threads (c);
  for (size_t i = 0; i < c->ncodecs; i++)
    ox_codec_free (c->codecs[i]);
  free (c->codecs);
  for (int i = 0; i < NSTRIPES; i++)
    pthread_mutex_destroy (&c->stripes[i]);
  pthread_mutex_destroy (&c->flight_lock);
  pthread_cond_destroy (&c->flight_done);
  pthread_mutex_destroy (&c->ra_lock);
  pthread_cond_destroy (&c->ra_cond);
  pthread_cond_destroy (&c->stop_cond);
  free (c);
}

uint64_t
clone_size (const struct clone *c)
{
  return c->size;
}

void
clone_stats (struct clone *c, struct clone_stats *s)
{
  s->fetches = __atomic_load_n (&c->fetches, __ATOMIC_RELAXED);
  s->fetch_waits = __atomic_load_n (&c->fetch_waits, __ATOMIC_RELAXED);
  s->fetch_errors = __atomic_load_n (&c->fetch_errors, __ATOMIC_RELAXED);
  s->prefetches = __atomic_load_n (&c->prefetches, __ATOMIC_RELAXED);
  s->copied_blocks = __atomic_load_n (&c->copied_blocks, __ATOMIC_RELAXED);
}

/* ---- codecs: a pool, as fetches run on many threads ---------------- */

static struct ox_codec *
codec_get (struct clone *c)
{
  struct ox_codec *codec = NULL;

  pthread_mutex_lock (&c->flight_lock);
  if (c->ncodecs > 0)
    codec = c->codecs[--c->ncodecs];
  pthread_mutex_unlock (&c->flight_lock);
  if (codec == NULL && (codec = ox_codec_new (0)) == NULL)
    ox_error ("cannot create a decoder: %m");
  return codec;
}

static void
codec_put (struct clone *c, struct ox_codec *codec)
{
  pthread_mutex_lock (&c->flight_lock);
  if (c->ncodecs == c->codecs_cap) {
    size_t cap = c->codecs_cap ? 2 * c->codecs_cap : 8;
    struct ox_codec **p = realloc (c->codecs, cap * sizeof *p);
    if (p == NULL) {
      pthread_mutex_unlock (&c->flight_lock);
      ox_codec_free (codec);
      return;
    }
    c->codecs = p, c->codecs_cap = cap;
  }
  c->codecs[c->ncodecs++] = codec;
  pthread_mutex_unlock (&c->flight_lock);
}

/* ---- fetching chunks once ------------------------------------------ */

/* Copy the blocks of chunk CH that are not local yet from F into the
 * overlay and mark them local. Blocks that became local meanwhile keep
 * their bytes: the chunk's lock orders this against writes. A failure
 * (a full file system) only leaves blocks to the basis. */
static void
copy_in (struct clone *c, uint64_t ch, const struct flight *f)
{
  uint64_t first, n, blk, end, base = chunk_start (c, ch);
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (stripe (c, ch));

  chunk_blocks (c, ch, &first, &n);
  end = first + n;
  for (blk = first; blk < end;) {
    uint64_t run, off, len;

    blk += overlay_run (c->ov, blk, end - blk, 1);
    if (blk >= end)
      break;
    run = overlay_run (c->ov, blk, end - blk, 0);
    off = blk << BSHIFT;
    len = (run << BSHIFT) < c->size - off ? run << BSHIFT : c->size - off;
    if (overlay_pwrite (c->ov, f->buf + (off - base), len, off) == -1)
      return;
    overlay_mark_local (c->ov, blk, run);
    count (&c->copied_blocks, run);
    blk += run;
  }
}

/* Release a reference to F. */
static void
flight_put (struct clone *c, struct flight *f)
{
  int last;
  pthread_mutex_lock (&c->flight_lock);
  last = --f->refs == 0;
  pthread_mutex_unlock (&c->flight_lock);
  if (last)
    free (f);
}

/* Fetch, verify and decode chunk CH, as the leader of flight F, and copy
 * it into the overlay. Returns 0 or -1. */
static int
fetch_lead (struct clone *c, uint64_t ch, struct flight *f)
{
  struct ox_codec *codec = codec_get (c);
  int r = -1;

  if (codec) {
    r = ox_basis_read_chunk (c->basis, codec, ch, f->buf, &f->len);
    codec_put (c, codec);
  }
  if (r == 0 && f->len != chunk_len (c, ch)) {
    ox_error ("chunk %" PRIu64 ": basis returned %zu bytes, expected %" PRIu64,
              ch, f->len, chunk_len (c, ch));
    r = -1;
  }
  if (r == -1) {
    count (&c->fetch_errors, 1);
    return -1;
  }
  count (&c->fetches, 1);
  copy_in (c, ch, f);
  return 0;
}

/* Set *OUT to a reference to the bytes of basis chunk CH, fetching it
 * unless a fetch is in progress, in which case wait for that one; or to
 * NULL when the chunk is all local by now (a fetch finished since the
 * caller looked). The caller releases it with flight_put. Returns 0, or -1
 * with errno. */
static int
fetch_chunk (struct clone *c, uint64_t ch, struct flight **out)
{
  struct flight *f;
  int r;

  *out = NULL;
  pthread_mutex_lock (&c->flight_lock);
  for (f = c->flights; f; f = f->next)
    if (f->chunk == ch)
      break;
  if (f) {
    f->refs++;
    count (&c->fetch_waits, 1);
    while (!f->done)
      pthread_cond_wait (&c->flight_done, &c->flight_lock);
    r = f->err;
    pthread_mutex_unlock (&c->flight_lock);
    if (r) {
      flight_put (c, f);
      errno = r;
      return -1;
    }
    *out = f;
    return 0;
  }
  /* A finished fetch leaves the table only after its copy-in. */
  if (chunk_is_local (c, ch)) {
    pthread_mutex_unlock (&c->flight_lock);
    return 0;
  }
  f = malloc (sizeof *f + c->chunk_size);
  if (f == NULL) {
    pthread_mutex_unlock (&c->flight_lock);
    ox_error ("chunk %" PRIu64 ": cannot allocate %" PRIu32 " bytes: %m", ch,
              c->chunk_size);
    errno = ENOMEM;
    return -1;
  }
  f->chunk = ch;
  f->done = f->err = 0;
  f->refs = 2; /* ours and the table's */
  f->len = 0;
  f->next = c->flights;
  c->flights = f;
  pthread_mutex_unlock (&c->flight_lock);

  r = fetch_lead (c, ch, f);

  pthread_mutex_lock (&c->flight_lock);
  for (struct flight **p = &c->flights; *p; p = &(*p)->next)
    if (*p == f) {
      *p = f->next;
      break;
    }
  f->done = 1;
  f->err = r ? EIO : 0;
  f->refs--;
  pthread_cond_broadcast (&c->flight_done);
  pthread_mutex_unlock (&c->flight_lock);
  if (r) {
    flight_put (c, f);
    errno = EIO;
    return -1;
  }
  *out = f;
  return 0;
}

/* Get basis chunk CH for reading blocks that are not local: sets *F to a
 * flight, or to NULL for a ZERO chunk or one that is all local by now.
 * Returns 0 or -1 (errno EIO). */
static int
basis_chunk (struct clone *c, uint64_t ch, struct flight **f)
{
  struct ox_chunk_loc loc;

  *f = NULL;
  if (ox_basis_lookup (c->basis, ch, &loc) == -1) {
    errno = EIO;
    return -1;
  }
  if (loc.zero)
    return 0;
  return fetch_chunk (c, ch, f);
}

/* Bring chunk CH into the overlay unless it is local or ZERO. */
static int
ensure_chunk (struct clone *c, uint64_t ch)
{
  struct flight *f;

  if (chunk_is_local (c, ch))
    return 0;
  if (basis_chunk (c, ch, &f) == -1)
    return -1;
  if (f)
    flight_put (c, f);
  return 0;
}

/* ---- readahead ----------------------------------------------------- */

/* Queue chunk CH for a readahead thread (dropped when the queue is full). */
static void
ra_submit (struct clone *c, uint64_t ch)
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

    pthread_mutex_lock (&c->ra_lock);
    while (c->ra_len == 0 && !c->stopping)
      pthread_cond_wait (&c->ra_cond, &c->ra_lock);
    if (c->stopping) {
      pthread_mutex_unlock (&c->ra_lock);
      return NULL;
    }
    ch = c->ra_queue[c->ra_head];
    c->ra_head = (c->ra_head + 1) % RA_QUEUE;
    c->ra_len--;
    pthread_mutex_unlock (&c->ra_lock);

    if (!chunk_is_local (c, ch)) {
      uint64_t before = __atomic_load_n (&c->fetches, __ATOMIC_RELAXED);
      if (ensure_chunk (c, ch) == 0
          && __atomic_load_n (&c->fetches, __ATOMIC_RELAXED) != before)
        count (&c->prefetches, 1);
    }
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
 * window that doubles with each sequential read up to readahead_max. */
static void
ra_note (struct clone *c, struct clone_stream *s, uint64_t offset,
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
  cur = (offset + count - 1) >> c->chunk_shift;
  from = cur + 1 > s->ra_next ? cur + 1 : s->ra_next;
  to = cur + s->window;
  if (to >= c->nchunks)
    to = c->nchunks - 1;
  if (from <= to)
    s->ra_next = to + 1;
  pthread_mutex_unlock (&s->lock);

  for (uint64_t ch = from; ch <= to; ch++)
    ra_submit (c, ch);
}

/* ---- background flush ---------------------------------------------- */

static void *
flusher (void *arg)
{
  struct clone *c = arg;
  struct timespec t;

  pthread_mutex_lock (&c->ra_lock);
  while (!c->stopping) {
    clock_gettime (CLOCK_MONOTONIC, &t);
    t.tv_sec += c->opts.flush_interval;
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

/* ---- reads --------------------------------------------------------- */

/* Serve LEN bytes at OFF (within one chunk) block run by block run: local
 * runs from the overlay, the others from F (NULL: zeros). */
static int
read_mixed (struct clone *c, char *buf, uint64_t off, uint64_t len,
            const struct flight *f, uint64_t base)
{
  uint64_t end = off + len;

  while (off < end) {
    uint64_t blk = off >> BSHIFT;
    uint64_t nblk = ((end - 1) >> BSHIFT) - blk + 1;
    int local = overlay_is_local (c->ov, blk);
    uint64_t run = overlay_run (c->ov, blk, nblk, local);
    uint64_t stop = (blk + run) << BSHIFT;
    uint64_t n = (stop < end ? stop : end) - off;

    if (local) {
      if (overlay_pread (c->ov, buf, n, off) == -1)
        return -1;
    } else if (f)
      memcpy (buf, f->buf + (off - base), n);
    else
      memset (buf, 0, n);
    buf += n, off += n;
  }
  return 0;
}

/* Read LEN bytes at OFF, all within chunk CH. */
static int
read_piece (struct clone *c, uint64_t ch, char *buf, uint64_t off,
            uint64_t len)
{
  uint64_t blk = off >> BSHIFT;
  uint64_t nblk = ((off + len - 1) >> BSHIFT) - blk + 1;
  struct flight *f;
  int r;

  if (overlay_run (c->ov, blk, nblk, 1) == nblk)
    return overlay_pread (c->ov, buf, len, off);
  if (basis_chunk (c, ch, &f) == -1)
    return -1;
  r = read_mixed (c, buf, off, len, f, chunk_start (c, ch));
  if (f)
    flight_put (c, f);
  return r;
}

int
clone_pread (struct clone *c, struct clone_stream *stream, void *buf,
             uint32_t count, uint64_t offset)
{
  uint64_t end = offset + count, first, last;
  char *p = buf;

  if (count == 0)
    return 0;
  if (offset > c->size || count > c->size - offset) {
    errno = EINVAL;
    ox_error ("read beyond the end of the volume");
    return -1;
  }
  ra_note (c, stream, offset, count);
  /* A request over several chunks fetches them in parallel. */
  first = offset >> c->chunk_shift;
  last = (end - 1) >> c->chunk_shift;
  for (uint64_t ch = first + 1; ch <= last; ch++)
    ra_submit (c, ch);
  for (uint64_t ch = first; ch <= last; ch++) {
    uint64_t s = chunk_start (c, ch), e = s + chunk_len (c, ch);
    uint64_t from = offset > s ? offset : s, to = end < e ? end : e;
    if (read_piece (c, ch, p, from, to - from) == -1)
      return -1;
    p += to - from;
  }
  return 0;
}

/* ---- writes -------------------------------------------------------- */

/* Write block BLK with its bytes in [OFF, OFF+LEN) replaced by DATA (NULL:
 * zeros) and the rest kept: from the overlay when local, else from F
 * (NULL: a ZERO chunk). Called with the chunk's lock held. */
static int
rmw_block (struct clone *c, uint64_t blk, const char *data, uint64_t off,
           uint64_t len, const struct flight *f, uint64_t base)
{
  char tmp[BS];
  uint64_t bstart = blk << BSHIFT, blen = block_len (c, blk);
  uint64_t from = off > bstart ? off : bstart;
  uint64_t to = off + len < bstart + blen ? off + len : bstart + blen;

  if (overlay_is_local (c->ov, blk)) {
    if (overlay_pread (c->ov, tmp, blen, bstart) == -1)
      return -1;
  } else if (f)
    memcpy (tmp, f->buf + (bstart - base), blen);
  else
    memset (tmp, 0, blen);
  if (data)
    memcpy (tmp + (from - bstart), data + (from - off), to - from);
  else
    memset (tmp + (from - bstart), 0, to - from);
  if (overlay_pwrite (c->ov, tmp, blen, bstart) == -1)
    return -1;
  overlay_mark_local (c->ov, blk, 1);
  return 0;
}

/* True if block BLK is only partly covered by [OFF, OFF+LEN). */
static int
block_partial (const struct clone *c, uint64_t blk, uint64_t off, uint64_t len)
{
  uint64_t bstart = blk << BSHIFT;
  return off > bstart || off + len < bstart + block_len (c, blk);
}

/* The locked part of write_piece. */
static int
write_locked (struct clone *c, uint64_t ch, const char *data, uint64_t off,
              uint64_t len, const struct flight *f)
{
  uint64_t b0 = off >> BSHIFT, b1 = (off + len - 1) >> BSHIFT;
  uint64_t base = chunk_start (c, ch);
  uint64_t full0 = b0, full1 = b1 + 1; /* whole blocks [full0, full1) */
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (stripe (c, ch));

  if (block_partial (c, b0, off, len)) {
    if (rmw_block (c, b0, data, off, len, f, base) == -1)
      return -1;
    full0 = b0 + 1;
  }
  if (b1 >= full0 && block_partial (c, b1, off, len)) {
    if (rmw_block (c, b1, data, off, len, f, base) == -1)
      return -1;
    full1 = b1;
  }
  if (full0 < full1) {
    uint64_t s = full0 << BSHIFT;
    uint64_t e = (full1 << BSHIFT) < c->size ? full1 << BSHIFT : c->size;
    int r = data ? overlay_pwrite (c->ov, data + (s - off), e - s, s)
                 : overlay_punch (c->ov, s, e - s);
    if (r == -1)
      return -1;
    overlay_mark_local (c->ov, full0, full1 - full0);
  }
  return 0;
}

/* Write DATA (NULL: zeros) to LEN bytes at OFF within chunk CH. Only a
 * partial block that is not local needs the basis chunk. */
static int
write_piece (struct clone *c, uint64_t ch, const char *data, uint64_t off,
             uint64_t len)
{
  uint64_t b0 = off >> BSHIFT, b1 = (off + len - 1) >> BSHIFT;
  struct flight *f = NULL;
  int r;

  if ((block_partial (c, b0, off, len) && !overlay_is_local (c->ov, b0))
      || (block_partial (c, b1, off, len) && !overlay_is_local (c->ov, b1))) {
    if (basis_chunk (c, ch, &f) == -1)
      return -1;
  }
  r = write_locked (c, ch, data, off, len, f);
  if (f)
    flight_put (c, f);
  return r;
}

/* Write or zero COUNT bytes at OFFSET chunk by chunk. */
static int
write_range (struct clone *c, const char *data, uint32_t count,
             uint64_t offset, int fua)
{
  uint64_t end = offset + count;

  if (count == 0)
    return fua ? clone_flush (c) : 0;
  if (offset > c->size || count > c->size - offset) {
    errno = EINVAL;
    ox_error ("write beyond the end of the volume");
    return -1;
  }
  for (uint64_t ch = offset >> c->chunk_shift;
       ch <= (end - 1) >> c->chunk_shift; ch++) {
    uint64_t s = chunk_start (c, ch), e = s + chunk_len (c, ch);
    uint64_t from = offset > s ? offset : s, to = end < e ? end : e;
    if (write_piece (c, ch, data ? data + (from - offset) : NULL, from,
                     to - from)
        == -1)
      return -1;
  }
  return fua ? clone_flush (c) : 0;
}

int
clone_pwrite (struct clone *c, const void *buf, uint32_t count,
              uint64_t offset, int fua)
{
  return write_range (c, buf, count, offset, fua);
}

int
clone_zero (struct clone *c, uint32_t count, uint64_t offset, int fua)
{
  return write_range (c, NULL, count, offset, fua);
}

int
clone_flush (struct clone *c)
{
  return overlay_flush (c->ov);
}

int
clone_cache (struct clone *c, uint32_t count, uint64_t offset)
{
  uint64_t first, last;

  if (count == 0)
    return 0;
  if (offset > c->size || count > c->size - offset) {
    errno = EINVAL;
    ox_error ("cache request beyond the end of the volume");
    return -1;
  }
  first = offset >> c->chunk_shift;
  last = (offset + count - 1) >> c->chunk_shift;
  for (uint64_t ch = first + 1; ch <= last; ch++)
    ra_submit (c, ch);
  for (uint64_t ch = first; ch <= last; ch++)
    if (ensure_chunk (c, ch) == -1)
      return -1;
  return 0;
}

/* ---- extents ------------------------------------------------------- */

struct extent_acc {
  clone_extent_fn fn;
  void *opaque;
  uint64_t start, len;
  uint32_t type;
  int emitted, req_one;
};

/* Add an extent, merging it with the previous one of the same type.
 * Returns 1 when the walk can stop (REQ_ONE), 0, or -1. */
static int
extent_add (struct extent_acc *a, uint64_t off, uint64_t len, uint32_t type)
{
  if (a->len > 0 && a->type == type) {
    a->len += len;
    return 0;
  }
  if (a->len > 0) {
    if (a->fn (a->opaque, a->start, a->len, a->type) == -1)
      return -1;
    if (a->req_one)
      return 1;
  }
  a->start = off, a->len = len, a->type = type;
  return 0;
}

/* Describe the extent at OFF (below END, within one chunk): sets *LEN and
 * *TYPE. */
static int
extent_at (struct clone *c, uint64_t off, uint64_t end, uint64_t *len,
           uint32_t *type)
{
  uint64_t blk = off >> BSHIFT;
  uint64_t nblk = ((end - 1) >> BSHIFT) - blk + 1;
  uint64_t run = overlay_run (c->ov, blk, nblk, 1);
  struct ox_chunk_loc loc;

  if (run > 0) {
    uint64_t stop = (blk + run) << BSHIFT;
    int allocated;
    if (overlay_alloc_run (c->ov, off, stop < end ? stop : end, &allocated,
                           len)
        == -1)
      return -1;
    *type = allocated ? 0 : CLONE_EXTENT_HOLE | CLONE_EXTENT_ZERO;
    return 0;
  }
  run = overlay_run (c->ov, blk, nblk, 0);
  if (ox_basis_lookup (c->basis, off >> c->chunk_shift, &loc) == -1) {
    errno = EIO;
    return -1;
  }
  *len = ((blk + run) << BSHIFT < end ? (blk + run) << BSHIFT : end) - off;
  *type = loc.zero ? CLONE_EXTENT_HOLE | CLONE_EXTENT_ZERO : 0;
  return 0;
}

int
clone_extents (struct clone *c, uint32_t count, uint64_t offset, int req_one,
               clone_extent_fn fn, void *opaque)
{
  struct extent_acc a = { .fn = fn, .opaque = opaque, .req_one = req_one };
  uint64_t end, off = offset;

  if (offset >= c->size || count == 0) {
    errno = EINVAL;
    ox_error ("extents request beyond the end of the volume");
    return -1;
  }
  end = count > c->size - offset ? c->size : offset + count;
  while (off < end) {
    uint64_t ch_end = chunk_start (c, off >> c->chunk_shift) + c->chunk_size;
    uint64_t stop = ch_end < end ? ch_end : end, len;
    uint32_t type;
    int r;

    if (extent_at (c, off, stop, &len, &type) == -1)
      return -1;
    r = extent_add (&a, off, len, type);
    if (r == -1)
      return -1;
    if (r == 1)
      return 0;
    off += len;
  }
  return a.fn (a.opaque, a.start, a.len, a.type);
}
