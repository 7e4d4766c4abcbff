/* ox: the clone's internals, shared by clone.c (read and write paths),
 * readahead.c (readahead and flusher threads) and hydrate.c (background
 * hydration). Not an interface for anything else: see clone.h.
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

  pthread_mutex_t flight_lock; /* guards flights, flight refs and codecs */
  pthread_cond_t flight_done;
  struct flight *flights; /* in progress */
  struct ox_codec **codecs;
  size_t ncodecs, codecs_cap;
  char *bufs[BUF_POOL]; /* free chunk buffers */
  size_t nbufs;

  pthread_mutex_t ra_lock; /* guards the readahead queue and STOPPING */
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
  return ch << c->chunk_shift;
}

/* Bytes of chunk CH (the last may be short). */
static inline uint64_t
chunk_len (const struct clone *c, uint64_t ch)
{
  uint64_t left = c->size - chunk_start (c, ch);
  return left < c->chunk_size ? left : c->chunk_size;
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
