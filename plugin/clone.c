/* ox: a writable clone of a snapshot (see clone.h). */
#include "clone.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "clone-int.h"
#include "log.h"
#include "monotime.h"

__thread int clone_thread_missed;

void
clone_options_default (struct clone_options *o)
{
  o->readahead_threads = 4;
  o->readahead_max = 64;
  o->flush_interval = 5;
  o->on_demand_miss = NULL;
  o->miss_opaque = NULL;
}

/* ---- creation ------------------------------------------------------ */

int
clone_new (struct overlay *ov, struct ox_basis *b,
           const struct clone_options *opts, struct clone **out)
{
  const struct ox_root *r = b ? ox_basis_root (b) : NULL;
  const struct overlay_pin *pin = overlay_get_pin (ov);
  uint32_t chunk_size = r ? r->chunk_size : pin->chunk_size;
  struct clone *c;

  if (r == NULL && !overlay_complete (ov)) {
    ox_error ("overlay %s is not complete: it needs the store",
              overlay_dir (ov));
    return -1;
  }
  if ((r && r->volume_size != overlay_size (ov)) || chunk_size < BS
      || (chunk_size & (chunk_size - 1))) {
    ox_error ("overlay %s does not fit snapshot %s@%016" PRIx64,
              overlay_dir (ov), pin->volume, pin->snapshot_id);
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
  c->size = overlay_size (ov);
  c->chunk_size = chunk_size;
  c->chunk_shift = __builtin_ctz (chunk_size);
  c->nchunks = (c->size + chunk_size - 1) >> c->chunk_shift;
  for (int i = 0; i < NSTRIPES; i++)
    pthread_mutex_init (&c->stripes[i], NULL);
  pthread_mutex_init (&c->flight_lock, NULL);
  pthread_cond_init (&c->flight_done, NULL);
  pthread_mutex_init (&c->ra_lock, NULL);
  pthread_cond_init (&c->ra_cond, NULL);
  ox_cond_init_monotonic (&c->stop_cond);
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
  for (size_t i = 0; i < c->nbufs; i++)
    free (c->bufs[i]);
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
  s->prefetches
      = __atomic_load_n (&c->class_fetches[CLONE_READAHEAD], __ATOMIC_RELAXED);
  s->copied_blocks = __atomic_load_n (&c->copied_blocks, __ATOMIC_RELAXED);
  for (int i = 0; i < CLONE_NCLASSES; i++) {
    s->class_fetches[i]
        = __atomic_load_n (&c->class_fetches[i], __ATOMIC_RELAXED);
    s->class_bytes[i] = __atomic_load_n (&c->class_bytes[i], __ATOMIC_RELAXED);
  }
  s->local_reads = __atomic_load_n (&c->local_reads, __ATOMIC_RELAXED);
  s->run_reads = __atomic_load_n (&c->run_reads, __ATOMIC_RELAXED);
  s->basis_reads = __atomic_load_n (&c->basis_reads, __ATOMIC_RELAXED);
}

uint32_t
clone_chunk_size (const struct clone *c)
{
  return c->chunk_size;
}

uint64_t
clone_nchunks (const struct clone *c)
{
  return c->nchunks;
}

int
clone_chunk_local (const struct clone *c, uint64_t ch)
{
  return chunk_is_local (c, ch);
}

unsigned
clone_foreground_busy (const struct clone *c)
{
  return __atomic_load_n (&c->fg_active, __ATOMIC_ACQUIRE);
}

uint64_t
clone_foreground_seq (const struct clone *c)
{
  return __atomic_load_n (&c->fg_seq, __ATOMIC_ACQUIRE);
}

uint64_t
clone_last_demand (const struct clone *c, uint64_t *ch)
{
  uint64_t seq = __atomic_load_n (&c->demand_seq, __ATOMIC_ACQUIRE);
  *ch = __atomic_load_n (&c->last_demand, __ATOMIC_RELAXED);
  return seq;
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
static void
flight_put (struct clone *c, struct flight *f)
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
    __atomic_fetch_add (&c->fg_active, 1, __ATOMIC_ACQ_REL);
    __atomic_fetch_add (&c->fg_seq, 1, __ATOMIC_RELEASE);
  }
  if (codec && frame) { /* fetched by the caller */
    r = ox_basis_decode (c->basis, codec, ch, loc, frame, f->buf);
    f->len = loc->plain_len;
  } else if (codec)
    r = ox_basis_read_chunk (c->basis, codec, ch, f->buf, &f->len);
  if (codec)
    codec_put (c, codec);
  if (cls != CLONE_BACKGROUND)
    __atomic_fetch_sub (&c->fg_active, 1, __ATOMIC_ACQ_REL);
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
  f = flight_add (c, ch);
  pthread_mutex_unlock (&c->flight_lock);
  if (f == NULL)
    return -1;

  r = fetch_lead (c, ch, f, cls, loc, NULL);
  flight_end (c, f, r);
  if (r) {
    flight_put (c, f);
    errno = EIO;
    return -1;
  }
  *out = f;
  return 0;
}

/* Look up chunk CH in the basis. Returns 0 or -1 (errno EIO). */
static int
lookup (struct clone *c, uint64_t ch, struct ox_chunk_loc *loc)
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
static int
basis_chunk (struct clone *c, uint64_t ch, enum clone_class cls,
             struct flight **f)
{
  struct ox_chunk_loc loc;

  *f = NULL;
  if (lookup (c, ch, &loc) == -1)
    return -1;
  if (loc.zero)
    return 0;
  if (cls == CLONE_DEMAND) {
    __atomic_store_n (&c->last_demand, ch, __ATOMIC_RELAXED);
    __atomic_fetch_add (&c->demand_seq, 1, __ATOMIC_RELEASE);
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
  if (basis_chunk (c, ch, cls, &f) == -1)
    return -1;
  if (f)
    flight_put (c, f);
  return 0;
}

int
clone_chunk_loc (struct clone *c, uint64_t ch, struct ox_chunk_loc *loc)
{
  return lookup (c, ch, loc);
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
      __atomic_fetch_add (&c->fg_active, 1, __ATOMIC_ACQ_REL);
    got = ox_basis_read_frames (c->basis, ch0, locs, n, buf, total) == 0;
    if (cls != CLONE_BACKGROUND)
      __atomic_fetch_sub (&c->fg_active, 1, __ATOMIC_ACQ_REL);
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
    flight_put (c, fl[k]);
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
    if (lookup (c, first + i, &locs[i]) == -1) {
      failed++, i++;
      continue;
    }
    if (locs[i].zero) {
      if (cls == CLONE_BACKGROUND)
        failed += fill_gaps (c, first + i, NULL, cls) == -1;
      i++;
      continue;
    }
    total = locs[i].length;
    for (j = i + 1; j < n; j++) {
      if (chunk_is_local (c, first + j)
          || lookup (c, first + j, &locs[j]) == -1 || locs[j].zero
          || strcmp (locs[j].key, locs[i].key) != 0
          || locs[j].offset != locs[j - 1].offset + locs[j - 1].length
          || total + locs[j].length > CLONE_RUN_BYTES)
        break;
      total += locs[j].length;
    }
    failed += fetch_frames (c, first + i, &locs[i], j - i, total, cls, pace,
                            opaque);
    i = j;
  }
  return failed;
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

  if (overlay_run (c->ov, blk, nblk, 1) == nblk) {
    count (&c->local_reads, 1);
    return overlay_pread (c->ov, buf, len, off);
  }
  count (&c->basis_reads, 1);
  clone_thread_missed = 1;
  if (basis_chunk (c, ch, CLONE_DEMAND, &f) == -1)
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
  clone_ra_note (c, stream, offset, count);
  /* A request over several chunks fetches them in parallel. */
  first = offset >> c->chunk_shift;
  last = (end - 1) >> c->chunk_shift;
  for (uint64_t ch = first + 1; ch <= last; ch++)
    clone_ra_submit (c, ch);
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
    if (basis_chunk (c, ch, CLONE_DEMAND, &f) == -1)
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
    clone_ra_submit (c, ch);
  for (uint64_t ch = first; ch <= last; ch++)
    if (clone_ensure_chunk (c, ch, CLONE_DEMAND) == -1)
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
  if (lookup (c, off >> c->chunk_shift, &loc) == -1)
    return -1;
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
