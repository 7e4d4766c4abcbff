/* ox: the clone's internals, shared by the engine's files: clone.c
 * (creation, counters), fetch.c (flights and pools), read.c, write.c,
 * extents.c, readahead.c (readahead and flusher threads) and hydrate.c
 * (background hydration, through clone.h only). Not an interface for
 * anything else: see clone.h.
 *
 * Locks of the clone engine (clone, readahead, hydrate, overlay, stats):
 *
 *   lock                guards                            taken by
 *   ------------------  --------------------------------  -----------------
 *   stripes[ch % 64]    every mutation of chunk ch's      fill_gaps (copy-
 *                       blocks in the overlay: data and   in, fetch.c),
 *                       its map bits (writes, zero/trim,  write_locked
 *                       copy-on-read, hydration)          (write.c)
 *   flight_lock         the flight table (flights), each  fetch.c only: the
 *                       flight's refs, done and err; the  flight_*, codec_*
 *                       codec pool (codecs, ncodecs,      and buf_* helpers,
 *                       codecs_cap) and the chunk buffer  fetch_chunk,
 *                       pool (bufs, nbufs)                fetch_frames
 *   ra_lock             the readahead queue (ra_queue,    readahead.c only
 *                       ra_head, ra_len), stopping,
 *                       running (may clone_ra_submit
 *                       queue), the flusher's sleep
 *   clone_stream.lock   one connection's sequential       clone_ra_note
 *                       state (next_off, ra_next, window)
 *   hydrate.lock        the hydrator's state (hydrate.c)  hydrate.c
 *   overlay.flush_lock  one flush at a time; the header   overlay_flush,
 *                       pin (overlay.c)                   set_complete
 *   pstats.lock         stopping, the statistics files    stats.c
 *   basis.lock          the basis's page table (basis.c)  ox_basis_lookup
 *
 * Order: pstats.lock -> hydrate.lock (the statistics thread samples
 * hydrate_stats while it holds its lock); every other lock is never
 * nested, neither with another lock of this table nor with itself (one
 * stripe at a time): clone_ra_note releases its stream lock before it
 * submits to the readahead queue; the flusher, hydration and FUA writes
 * release their own lock before overlay_flush; lookups (basis.lock) run
 * before flight_lock or a stripe is taken; a flight is fetched before its
 * chunk's stripe is taken, and waiting for a flight (flight_done) holds no
 * stripe. A new nesting must keep that order or lift it into this table.
 *
 * The stripe lock is held across writeback: hydration's copy-in writes
 * with overlay_pwrite_bulk, which waits for writeback (sync_file_range
 * WAIT) while fill_gaps holds the chunk's stripe. So a client write to
 * another chunk of the same stripe (chunks 64 apart) waits for that
 * writeback, at most one chunk's copy-in (a run of CLONE_RUN_BYTES at
 * most). That is acceptable: the wait is bounded and rare (1 in 64 chunks
 * and only while hydration writes back), it is what keeps bulk data from
 * piling up dirty in the page cache, and releasing the stripe between the
 * write and the map bit would let copied-in basis bytes land over a
 * client's write. Readers take no stripe: a bit is set only after its
 * block's bytes are written, so a reader that sees the bit reads the new
 * bytes.
 *
 * Atomic (C11 <stdatomic.h>, no lock): the overlay's map words (set with
 * release, read with acquire: overlay.c); the counters of struct clone
 * (relaxed adds through count(), relaxed loads in clone_stats); fg_active
 * (acq_rel adds, acquire loads) and fg_seq, demand_seq (release adds,
 * acquire loads), last_demand (relaxed: published by demand_seq);
 * hydrate.stopping (also read without its lock by the rate limiter's
 * sleep); the statistics histograms (stats.c).
 *
 * A flight's states:
 *
 *   state       in table  done  err  who holds refs       buf
 *   ----------  --------  ----  ---  -------------------  ----------------
 *   registered  yes       0     0    table + leader (+    NULL until the
 *                                    waiters sleeping on  leader decodes
 *                                    flight_done)
 *   published   yes       1     0    table + leader +     the verified
 *                                    waiters              bytes; waiters
 *                                                         read them while
 *                                                         the leader copies
 *                                                         them in
 *   failed      yes       1     EIO  (set by flight_end   NULL or unused
 *                                    as it ends)
 *   ended       no        1     any  leader + waiters     as before
 *   freed       -         -     -    none (last           back to the pool
 *                                    flight_put)
 *
 * registered -> published (fetch_lead: flight_publish) -> ended
 * (flight_end, after the copy-in: a later miss finds the chunk local, or
 * fetches again if the copy-in failed); registered -> failed -> ended in
 * one step (flight_end with r = -1); ended -> freed when the last
 * reference is put. fetch_frames registers a run of flights under one
 * flight_lock and leads each; if its ranged read fails, each is fetched
 * on its own.
 */
#ifndef OX_CLONE_INT_H
#define OX_CLONE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "clone.h"
#include "manifest.h"

#define BS OVERLAY_BLOCK_SIZE
#define BSHIFT OVERLAY_BLOCK_SHIFT
#define NSTRIPES 64  /* per-chunk mutation locks, chosen by chunk index */
#define RA_QUEUE 256 /* readahead requests waiting at most */
#define RA_START 2   /* chunks ahead when a reader turns sequential */
#define RA_GROUP 16  /* adjacent chunks a readahead thread reads at once */
#define BUF_POOL 16  /* free chunk buffers kept for reuse, at most */

/* One fetch of a basis chunk in progress or done, shared by every request
 * that missed the chunk while it was in progress. */
struct flight {
  struct flight *next;
  uint64_t chunk;
  int done, err;
  unsigned refs;
  size_t len;
  /* The chunk's bytes once done without error, from the clone's pool of
   * block-aligned buffers (page-aligned copies are cheapest for the
   * kernel); taken by the leader only when it decodes, so that registering
   * a long run of flights costs no memory. */
  char *buf;
};

struct clone {
  struct overlay *ov;
  struct ox_basis *basis; /* NULL when detached (the overlay is complete) */
  struct clone_options opts;
  uint64_t size, nchunks;
  uint32_t chunk_size;

  pthread_mutex_t stripes[NSTRIPES];

  pthread_mutex_t flight_lock; /* flights, refs, codecs, bufs (above) */
  pthread_cond_t flight_done;
  struct flight *flights; /* in progress */
  struct ox_codec **codecs;
  size_t ncodecs, codecs_cap;
  char *bufs[BUF_POOL]; /* free chunk buffers */
  size_t nbufs;

  pthread_mutex_t ra_lock; /* queue, stopping, running (above) */
  pthread_cond_t ra_cond, stop_cond;
  uint64_t ra_queue[RA_QUEUE];
  size_t ra_head, ra_len;
  int stopping, running;
  pthread_t *workers;
  unsigned nworkers;
  pthread_t flusher;
  int flusher_started;

  /* Atomics (see the table above). */
  _Atomic uint64_t fetches, fetch_waits, fetch_errors, copied_blocks;
  _Atomic uint64_t class_fetches[CLONE_NCLASSES], class_bytes[CLONE_NCLASSES];
  _Atomic uint64_t local_reads, basis_reads, run_reads;
  _Atomic unsigned fg_active; /* demand and readahead fetches being led */
  _Atomic uint64_t fg_seq;    /* bumped with each demand or readahead fetch */
  _Atomic uint64_t last_demand; /* the chunk of the latest demand miss */
  _Atomic uint64_t demand_seq;  /* bumped with each demand miss */
};

/* Add N to a counter. */
static inline void
count (_Atomic uint64_t *counter, uint64_t n)
{
  atomic_fetch_add_explicit (counter, n, memory_order_relaxed);
}

/* The chunk that holds byte OFF. */
static inline uint64_t
chunk_of (const struct clone *c, uint64_t off)
{
  return ox_chunk_index (c->chunk_size, off);
}

/* First byte of chunk CH. */
static inline uint64_t
chunk_start (const struct clone *c, uint64_t ch)
{
  return ox_chunk_start (c->chunk_size, ch);
}

/* Bytes of chunk CH (the last may be short). */
static inline uint64_t
chunk_len (const struct clone *c, uint64_t ch)
{
  return ox_chunk_len (c->size, c->chunk_size, ch);
}

/* Bytes of block BLK (the last may be short). */
static inline uint64_t
block_len (const struct clone *c, uint64_t blk)
{
  uint64_t left = c->size - (blk << BSHIFT);
  return left < BS ? left : BS;
}

/* First block and number of blocks of chunk CH. */
static inline void
chunk_blocks (const struct clone *c, uint64_t ch, uint64_t *first, uint64_t *n)
{
  *first = chunk_start (c, ch) >> BSHIFT;
  *n = (chunk_len (c, ch) + BS - 1) >> BSHIFT;
}

/* True if every block of chunk CH is local. */
static inline int
chunk_is_local (const struct clone *c, uint64_t ch)
{
  uint64_t first, n;
  chunk_blocks (c, ch, &first, &n);
  return overlay_run (c->ov, first, n, 1) == n;
}

/* The mutation lock of chunk CH. */
static inline pthread_mutex_t *
stripe (struct clone *c, uint64_t ch)
{
  return &c->stripes[ch % NSTRIPES];
}

/* Initialise and destroy the flight table and the pools (fetch.c). */
void clone_fetch_init (struct clone *c);
void clone_fetch_destroy (struct clone *c);

/* Look up chunk CH in the basis. Returns 0 or -1 (errno EIO) (fetch.c). */
int clone_lookup (struct clone *c, uint64_t ch, struct ox_chunk_loc *loc);

/* Get basis chunk CH for reading blocks that are not local, as a fetch of
 * class CLS: sets *F to a flight (release it with clone_flight_put), or
 * to NULL for a ZERO chunk or one that is all local by now. Returns 0 or
 * -1 (errno EIO) (fetch.c). */
int clone_get_chunk (struct clone *c, uint64_t ch, enum clone_class cls,
                     struct flight **f);

/* Release a reference to flight F (fetch.c). */
void clone_flight_put (struct clone *c, struct flight *f);

/* Bring chunk CH into the overlay unless it is local or ZERO, as a fetch
 * of class CLS (fetch.c). Returns 0 or -1 (errno). */
int clone_ensure_chunk (struct clone *c, uint64_t ch, enum clone_class cls);

/* Initialise and destroy the readahead queue's lock and conditions
 * (readahead.c). */
void clone_ra_init (struct clone *c);
void clone_ra_destroy (struct clone *c);

/* Queue chunk CH for a readahead thread; dropped when the queue is full
 * (readahead.c). */
void clone_ra_submit (struct clone *c, uint64_t ch);

/* Note a read of COUNT bytes at OFFSET by stream S for sequential
 * readahead (readahead.c). */
void clone_ra_note (struct clone *c, struct clone_stream *s, uint64_t offset,
                    uint32_t count);

#endif
