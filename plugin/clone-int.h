/* ox: the clone's internals, shared by clone.c (read and write paths),
 * readahead.c (readahead and flusher threads) and hydrate.c (background
 * hydration). Not an interface for anything else: see clone.h.
 *
 * Locks of the clone engine (clone, readahead, hydrate, overlay, stats):
 *
 *   lock                 guards                            taken by
 *   -------------------  --------------------------------  ----------------
 *   stripes[ch % 64]     every mutation of chunk ch's      fill_gaps (copy-
 *                        blocks in the overlay: data and   in), write_locked
 *                        its map bits (writes, zero/trim,  (writes, zeroes)
 *                        copy-on-read, hydration)
 *   flight_lock          flights (the table, refs, done,   fetch_chunk and
 *                        err), the codec pool, the chunk   the flight_* and
 *                        buffer pool (bufs, nbufs)         pool helpers
 *   ra_lock              the readahead queue, stopping,    readahead.c
 *                        running, the threads' start/stop
 *   clone_stream.lock    one connection's sequential       clone_ra_note
 *                        state (next_off, ra_next, window)
 *   hydrate.lock         the hydrator's state (hydrate.c)  hydrate.c
 *   overlay.flush_lock   one flush at a time; the header   overlay_flush,
 *                        pin (overlay.c)                   set_complete
 *   pstats.lock          stopping, the statistics files    stats.c
 *
 * Order: no lock of this table is held while another is taken; every
 * lock is a leaf: clone_ra_note releases its stream
 * lock before it submits to the readahead queue; the flusher, hydration
 * and FUA writes release their own lock before overlay_flush; a flight is
 * fetched before its chunk's stripe is taken, and waiting for a flight
 * (flight_done) holds no stripe. So there is no lock order to break.
 *
 * Costs worth knowing: a stripe is held across the overlay write of a
 * copy-in, and for background (hydration) data that write is
 * overlay_pwrite_bulk, which waits for writeback (sync_file_range WAIT):
 * a client write to another chunk of the same stripe (chunks 64 apart)
 * waits for that writeback, at most one run of CLONE_RUN_BYTES. Readers
 * take no stripe: a bit is set only after its block's bytes are written,
 * so a reader that sees the bit reads the new bytes.
 *
 * Not under a lock: the overlay's map words (64-bit atomics, set with
 * release and read with acquire), the counters below (relaxed atomic
 * adds through count()), fg_active, fg_seq, last_demand and demand_seq
 * (atomics), and the statistics histograms (stats.c).
 *
 * A flight's states: registered (in the table, done = 0; its leader is
 * fetching; waiters sleep on flight_done) -> published (done = 1, err = 0,
 * buf holds the verified bytes; waiters use them while the leader still
 * copies them in) or failed (done = 1, err = EIO) -> ended (out of the
 * table after the copy-in: a later miss finds the chunk local) -> freed
 * when the last reference is put (its buffer back to the pool).
 */
#ifndef OX_CLONE_INT_H
#define OX_CLONE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "clone.h"

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
  unsigned chunk_shift;

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

  uint64_t fetches, fetch_waits, fetch_errors, copied_blocks;
  uint64_t class_fetches[CLONE_NCLASSES], class_bytes[CLONE_NCLASSES];
  uint64_t local_reads, basis_reads, run_reads;
  unsigned fg_active;   /* demand and readahead fetches being led */
  uint64_t fg_seq;      /* bumped with each demand or readahead fetch */
  uint64_t last_demand; /* the chunk of the latest demand miss */
  uint64_t demand_seq;  /* bumped with each demand miss */
};

/* Add N to a counter. */
static inline void
count (uint64_t *counter, uint64_t n)
{
  __atomic_fetch_add (counter, n, __ATOMIC_RELAXED);
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

/* Bring chunk CH into the overlay unless it is local or ZERO, as a fetch
 * of class CLS (clone.c). Returns 0 or -1 (errno). */
int clone_ensure_chunk (struct clone *c, uint64_t ch, enum clone_class cls);

/* Queue chunk CH for a readahead thread; dropped when the queue is full
 * (readahead.c). */
void clone_ra_submit (struct clone *c, uint64_t ch);

/* Note a read of COUNT bytes at OFFSET by stream S for sequential
 * readahead (readahead.c). */
void clone_ra_note (struct clone *c, struct clone_stream *s, uint64_t offset,
                    uint32_t count);

#endif
