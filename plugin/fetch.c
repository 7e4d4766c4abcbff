/* ox: fetching basis chunks once: the flights that concurrent misses of
 * one chunk share, the pools of codecs and chunk buffers, the copy-in of
 * fetched chunks into the overlay, and runs of adjacent frames fetched
 * with one ranged read (see clone-int.h for the locks and a flight's
 * states). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "clone-int.h"
#include "log.h"

void
clone_fetch_init (struct clone *c)
{
  pthread_mutex_init (&c->flight_lock, NULL);
  pthread_cond_init (&c->flight_done, NULL);
}

void
clone_fetch_destroy (struct clone *c)
{
  for (size_t i = 0; i < c->ncodecs; i++)
    ox_codec_free (c->codecs[i]);
  for (size_t i = 0; i < c->nbufs; i++)
    free (c->bufs[i]);
  free (c->codecs);
  pthread_mutex_destroy (&c->flight_lock);
  pthread_cond_destroy (&c->flight_done);
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

/* ---- chunk buffers: a small pool (fresh memory faults in slowly) ---- */

/* A block-aligned buffer of a chunk's size, or NULL (logged). */
static char *
buf_get (struct clone *c)
{
  char *b = NULL;
  size_t size = ((size_t)c->chunk_size + BS - 1) & ~(size_t)(BS - 1);

  pthread_mutex_lock (&c->flight_lock);
  if (c->nbufs > 0)
    b = c->bufs[--c->nbufs];
  pthread_mutex_unlock (&c->flight_lock);
  if (b == NULL && (b = aligned_alloc (BS, size)) == NULL)
    ox_error ("cannot allocate %zu bytes for a chunk: %m", size);
  return b;
}

/* Return buffer B (NULL is fine) to the pool, or free it. */
static void
buf_put (struct clone *c, char *b)
{
  if (b == NULL)
    return;
  pthread_mutex_lock (&c->flight_lock);
  if (c->nbufs < BUF_POOL) {
    c->bufs[c->nbufs++] = b;
    b = NULL;
  }
  pthread_mutex_unlock (&c->flight_lock);
  free (b);
}

/* ---- fetching chunks once ------------------------------------------ */

/* Fill the blocks of chunk CH that are not local yet and mark them local:
 * with the chunk's bytes from F (copy-on-read), or as holes when F is NULL
 * (a ZERO chunk). Blocks that became local meanwhile keep their bytes: the
 * chunk's lock orders this against writes. Returns 0, or -1 when the
 * overlay's file system fails (logged; the blocks stay with the basis). */
static int
fill_gaps (struct clone *c, uint64_t ch, const struct flight *f,
           enum clone_class cls)
{
  uint64_t first, n, blk, end, base = chunk_start (c, ch);
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (stripe (c, ch));

  chunk_blocks (c, ch, &first, &n);
  end = first + n;
  for (blk = first; blk < end;) {
    uint64_t run, off, len;
    int r;

    blk += overlay_run (c->ov, blk, end - blk, 1);
    if (blk >= end)
      break;
    run = overlay_run (c->ov, blk, end - blk, 0);
    off = blk << BSHIFT;
    len = (run << BSHIFT) < c->size - off ? run << BSHIFT : c->size - off;
    if (f == NULL)
      r = overlay_punch (c->ov, off, len);
    else if (cls == CLONE_BACKGROUND) /* not read again soon: uncached */
      r = overlay_pwrite_bulk (c->ov, f->buf + (off - base), len, off);
    else
      r = overlay_pwrite (c->ov, f->buf + (off - base), len, off);
    if (r == -1)
      return -1;
    overlay_mark_local (c->ov, blk, run);
    if (f)
      count (&c->copied_blocks, run);
    blk += run;
  }
  return 0;
}

/* Release a reference to F. */
void
clone_flight_put (struct clone *c, struct flight *f)
{
  int last;
  pthread_mutex_lock (&c->flight_lock);
  last = --f->refs == 0;
  pthread_mutex_unlock (&c->flight_lock);
  if (last) {
    buf_put (c, f->buf);
    free (f);
  }
}

/* Let the waiters of flight F use its bytes (decoded and verified), while
 * its leader still copies them in; F stays in the table until then. */
static void
flight_publish (struct clone *c, struct flight *f)
{
  pthread_mutex_lock (&c->flight_lock);
  f->done = 1;
  f->err = 0;
  pthread_cond_broadcast (&c->flight_done);
  pthread_mutex_unlock (&c->flight_lock);
}

/* Fetch, verify and decode chunk CH (FRAME_LEN bytes in the store), as
 * the leader of flight F for class CLS, and copy it into the overlay.
 * Returns 0 or -1. */
static int
fetch_lead (struct clone *c, uint64_t ch, struct flight *f,
            enum clone_class cls, const struct ox_chunk_loc *loc,
            const void *frame)
{
  struct ox_codec *codec = codec_get (c);
  int r = -1;

  f->buf = buf_get (c);
  if (f->buf == NULL && codec) {
    codec_put (c, codec);
    codec = NULL;
  }
  if (cls != CLONE_BACKGROUND) {
    atomic_fetch_add_explicit (&c->fg_active, 1, memory_order_acq_rel);
    atomic_fetch_add_explicit (&c->fg_seq, 1, memory_order_release);
  }
  if (codec && frame) { /* fetched by the caller */
    r = ox_basis_decode (c->basis, codec, ch, loc, frame, f->buf);
    f->len = loc->plain_len;
  } else if (codec)
    r = ox_basis_read_chunk (c->basis, codec, ch, f->buf, &f->len);
  if (codec)
    codec_put (c, codec);
  if (cls != CLONE_BACKGROUND)
    atomic_fetch_sub_explicit (&c->fg_active, 1, memory_order_acq_rel);
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
  count (&c->class_fetches[cls], 1);
  count (&c->class_bytes[cls], loc->length);
  flight_publish (c, f);     /* waiters need not wait for the copy-in */
  fill_gaps (c, ch, f, cls); /* a failure leaves blocks to the basis */
  return 0;
}

/* A new flight for chunk CH, in the table, led by the caller (FLIGHT_LOCK
 * held); NULL with errno ENOMEM. */
static struct flight *
flight_add (struct clone *c, uint64_t ch)
{
  struct flight *f = malloc (sizeof *f);

  if (f == NULL) {
    ox_error ("chunk %" PRIu64 ": cannot allocate a fetch: %m", ch);
    errno = ENOMEM;
    return NULL;
  }
  f->chunk = ch;
  f->done = f->err = 0;
  f->refs = 2; /* the leader's and the table's */
  f->len = 0;
  f->buf = NULL;
  f->next = c->flights;
  c->flights = f;
  return f;
}

/* The flight of chunk CH in progress, or NULL (FLIGHT_LOCK held). */
static struct flight *
flight_find (struct clone *c, uint64_t ch)
{
  struct flight *f;

  for (f = c->flights; f; f = f->next)
    if (f->chunk == ch)
      break;
  return f;
}

/* End flight F, which its leader finished with result R (0 or -1): take it
 * out of the table and wake its waiters (unless published already). The
 * leader keeps its reference. */
static void
flight_end (struct clone *c, struct flight *f, int r)
{
  pthread_mutex_lock (&c->flight_lock);
  for (struct flight **p = &c->flights; *p; p = &(*p)->next)
    if (*p == f) {
      *p = f->next;
      break;
    }
  if (!f->done) {
    f->done = 1;
    f->err = r ? EIO : 0;
  }
  f->refs--;
  pthread_cond_broadcast (&c->flight_done);
  pthread_mutex_unlock (&c->flight_lock);
}

/* Set *OUT to a reference to the bytes of basis chunk CH, fetching it
 * unless a fetch is in progress, in which case wait for that one; or to
 * NULL when the chunk is all local by now (a fetch finished since the
 * caller looked). The caller releases it with flight_put. Returns 0, or -1
 * with errno. */
static int
fetch_chunk (struct clone *c, uint64_t ch, enum clone_class cls,
             const struct ox_chunk_loc *loc, struct flight **out)
{
  struct flight *f;
  int r;

  *out = NULL;
  pthread_mutex_lock (&c->flight_lock);
  f = flight_find (c, ch);
  if (f) {
    f->refs++;
    count (&c->fetch_waits, 1);
    while (!f->done)
      pthread_cond_wait (&c->flight_done, &c->flight_lock);
    r = f->err;
    pthread_mutex_unlock (&c->flight_lock);
    if (r) {
      clone_flight_put (c, f);
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
  f = flight_add (c, ch);
  pthread_mutex_unlock (&c->flight_lock);
  if (f == NULL)
    return -1;

  r = fetch_lead (c, ch, f, cls, loc, NULL);
  flight_end (c, f, r);
  if (r) {
    clone_flight_put (c, f);
    errno = EIO;
    return -1;
  }
  *out = f;
  return 0;
}

/* Look up chunk CH in the basis. Returns 0 or -1 (errno EIO). */
int
clone_lookup (struct clone *c, uint64_t ch, struct ox_chunk_loc *loc)
{
  if (c->basis == NULL) {
    /* Cannot happen: a detached clone has every block local. */
    ox_error ("overlay %s: chunk %" PRIu64 " is not local in a detached "
              "clone",
              overlay_dir (c->ov), ch);
    errno = EIO;
    return -1;
  }
  if (ox_basis_lookup (c->basis, ch, loc) == -1) {
    errno = EIO;
    return -1;
  }
  return 0;
}

/* Get basis chunk CH for reading blocks that are not local, as a fetch of
 * class CLS: sets *F to a flight, or to NULL for a ZERO chunk or one that
 * is all local by now. Returns 0 or -1 (errno EIO). */
int
clone_get_chunk (struct clone *c, uint64_t ch, enum clone_class cls,
                 struct flight **f)
{
  struct ox_chunk_loc loc;

  *f = NULL;
  if (clone_lookup (c, ch, &loc) == -1)
    return -1;
  if (loc.zero)
    return 0;
  if (cls == CLONE_DEMAND) {
    atomic_store_explicit (&c->last_demand, ch, memory_order_relaxed);
    atomic_fetch_add_explicit (&c->demand_seq, 1, memory_order_release);
    if (c->opts.on_demand_miss)
      c->opts.on_demand_miss (c->opts.miss_opaque, ch);
  }
  return fetch_chunk (c, ch, cls, &loc, f);
}

int
clone_ensure_chunk (struct clone *c, uint64_t ch, enum clone_class cls)
{
  struct flight *f;

  if (chunk_is_local (c, ch))
    return 0;
  if (clone_get_chunk (c, ch, cls, &f) == -1)
    return -1;
  if (f)
    clone_flight_put (c, f);
  return 0;
}

int
clone_chunk_loc (struct clone *c, uint64_t ch, struct ox_chunk_loc *loc)
{
  return clone_lookup (c, ch, loc);
}

/* Fetch the N chunks from CH0, whose frames LOCS lie back to back in one
 * segment (TOTAL bytes), with one ranged read, as class CLS: lead a flight
 * for each that is neither local nor being fetched (so that readers of
 * them wait for this read rather than fetch again), then decode and copy
 * each in. If the read fails, each led chunk is fetched on its own. PACE
 * (may be NULL) is called with the bytes about to be read. Returns the
 * number of chunks that failed. */
static unsigned
fetch_frames (struct clone *c, uint64_t ch0, const struct ox_chunk_loc *locs,
              unsigned n, uint64_t total, enum clone_class cls,
              void (*pace) (void *, uint64_t), void *opaque)
{
  struct flight *fl[CLONE_RUN_MAX];
  CLEANUP_FREE char *buf = NULL;
  unsigned led = 0, failed = 0;
  int got = 0;

  /* Wait for the rate before registering: readers of these chunks must
   * not wait behind the rate limit. */
  if (pace)
    pace (opaque, total);
  pthread_mutex_lock (&c->flight_lock);
  for (unsigned k = 0; k < n; k++) {
    fl[k] = NULL;
    if (flight_find (c, ch0 + k) == NULL && !chunk_is_local (c, ch0 + k)) {
      fl[k] = flight_add (c, ch0 + k);
      if (fl[k] == NULL)
        failed++;
      else
        led++;
    }
  }
  pthread_mutex_unlock (&c->flight_lock);
  if (led == 0)
    return failed;

  if (n > 1 && (buf = malloc (total)) != NULL) {
    if (cls != CLONE_BACKGROUND)
      atomic_fetch_add_explicit (&c->fg_active, 1, memory_order_acq_rel);
    got = ox_basis_read_frames (c->basis, ch0, locs, n, buf, total) == 0;
    if (cls != CLONE_BACKGROUND)
      atomic_fetch_sub_explicit (&c->fg_active, 1, memory_order_acq_rel);
    if (got)
      count (&c->run_reads, 1);
    else
      ox_warning ("reading chunks %" PRIu64 "-%" PRIu64 " one by one", ch0,
                  ch0 + n - 1);
  }
  for (unsigned k = 0; k < n; k++) {
    int r;

    if (fl[k] == NULL)
      continue;
    r = fetch_lead (c, ch0 + k, fl[k], cls, &locs[k],
                    got ? buf + (locs[k].offset - locs[0].offset) : NULL);
    flight_end (c, fl[k], r);
    clone_flight_put (c, fl[k]);
    if (r == 0 && !chunk_is_local (c, ch0 + k))
      r = -1; /* the copy-in failed (logged) */
    failed += r == -1;
  }
  return failed;
}

unsigned
clone_fill_run (struct clone *c, uint64_t first, unsigned n,
                enum clone_class cls, void (*pace) (void *, uint64_t),
                void *opaque)
{
  struct ox_chunk_loc locs[CLONE_RUN_MAX];
  unsigned failed = 0, i = 0, j;

  if (n > CLONE_RUN_MAX)
    n = CLONE_RUN_MAX;
  if (first >= c->nchunks)
    return 0;
  if (n > c->nchunks - first)
    n = c->nchunks - first;
  while (i < n) {
    uint64_t total;

    if (chunk_is_local (c, first + i)) {
      i++;
      continue;
    }
    if (clone_lookup (c, first + i, &locs[i]) == -1) {
      failed++, i++;
      continue;
    }
    if (locs[i].zero) {
      if (cls == CLONE_BACKGROUND)
        failed += fill_gaps (c, first + i, NULL, cls) == -1;
      i++;
      continue;
    }
    /* Look up the chunks after it that are not local, then take the
     * longest run of them that one ranged read fetches. */
    for (j = i + 1; j < n; j++)
      if (chunk_is_local (c, first + j)
          || clone_lookup (c, first + j, &locs[j]) == -1 || locs[j].zero)
        break;
    j = i + ox_basis_frame_run (&locs[i], j - i, CLONE_RUN_BYTES, &total);
    failed += fetch_frames (c, first + i, &locs[i], j - i, total, cls, pace,
                            opaque);
    i = j;
  }
  return failed;
}
