/* ox: a writable clone of a snapshot: the overlay on top of the basis.
 *
 * Reads come from local blocks of the overlay, else from the basis chunk
 * holding them, fetched once (concurrent misses on one chunk wait for the
 * same fetch) and copied into the overlay's non-local blocks (copy-on-
 * read). Writes go to the overlay in 4 KiB blocks; a partial block is
 * read-modified-written, fetching its chunk only if the block is not local.
 * Zeroing punches holes. All mutations of one chunk's blocks are ordered by
 * a per-chunk lock, so copied-in basis data never lands over a client's
 * write. A readahead pool prefetches ahead of sequential readers, and a
 * flusher thread persists copied-in blocks every few seconds.
 *
 * Every function is thread-safe. Errors are reported with ox_error and
 * return -1 with errno set for the client: EIO for a chunk that cannot be
 * fetched or verified, ENOSPC or EIO from the overlay's file system.
 * Nothing here knows about nbdkit.
 */
#ifndef OX_CLONE_H
#define OX_CLONE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "basis.h"
#include "overlay.h"

struct clone;

/* Who a fetch is for: a client (demand), readahead, or hydration. */
enum clone_class {
  CLONE_DEMAND,
  CLONE_READAHEAD,
  CLONE_BACKGROUND,
  CLONE_NCLASSES
};

struct clone_options {
  unsigned readahead_threads; /* prefetching threads; 0 = no readahead */
  unsigned readahead_max;     /* chunks kept ahead of a sequential reader */
  unsigned flush_interval;    /* seconds between background flushes; 0 = off */
  /* Called with each chunk a client's request misses (may be NULL). */
  void (*on_demand_miss) (void *opaque, uint64_t chunk);
  void *miss_opaque;
};

/* Per-reader state for sequential detection (one per NBD connection). */
struct clone_stream {
  pthread_mutex_t lock;
  uint64_t next_off; /* where the next sequential read starts */
  uint64_t ra_next;  /* first chunk not yet submitted for readahead */
  unsigned window;   /* chunks to keep ahead; 0 = not sequential */
};

/* Counters since clone_new. */
struct clone_stats {
  uint64_t fetches;       /* chunks fetched from the basis */
  uint64_t fetch_waits;   /* misses that waited for another's fetch */
  uint64_t fetch_errors;  /* chunks that failed to fetch or verify */
  uint64_t prefetches;    /* of the fetches, made by readahead */
  uint64_t copied_blocks; /* blocks copied into the overlay on read */
  uint64_t class_fetches[CLONE_NCLASSES]; /* fetches by class */
  uint64_t class_bytes[CLONE_NCLASSES];   /* their bytes from the store */
  uint64_t run_reads;   /* ranged reads of several frames at once */
  uint64_t local_reads; /* read pieces served from the overlay alone */
  uint64_t basis_reads; /* read pieces that needed the basis */
};

/* The default options. */
void clone_options_default (struct clone_options *o)
    __attribute__ ((__nonnull__ (1)));

/* Combine overlay OV and basis B (which must describe the same volume and
 * outlive the clone). B may be NULL only for a complete overlay: the clone
 * is then detached and never needs the store. Starts no thread. Returns 0
 * or -1. */
int clone_new (struct overlay *ov, struct ox_basis *b,
               const struct clone_options *opts, struct clone **out)
    __attribute__ ((__nonnull__ (1, 3, 4)));

/* Start the readahead and flusher threads (after nbdkit forks). */
int clone_start_threads (struct clone *c) __attribute__ ((__nonnull__ (1)));

/* Stop and join the threads; queued readahead is dropped. */
void clone_stop_threads (struct clone *c) __attribute__ ((__nonnull__ (1)));

/* Stop the threads and free the clone (NULL is fine). Does not flush. */
void clone_free (struct clone *c);

/* Volume size in bytes. */
uint64_t clone_size (const struct clone *c) __attribute__ ((__nonnull__ (1)));

/* Initialise and destroy a reader's stream state. */
void clone_stream_init (struct clone_stream *s)
    __attribute__ ((__nonnull__ (1)));
void clone_stream_destroy (struct clone_stream *s)
    __attribute__ ((__nonnull__ (1)));

/* Read COUNT bytes at OFFSET into BUF. STREAM (may be NULL) drives
 * readahead. Returns 0 or -1 (errno). */
int clone_pread (struct clone *c, struct clone_stream *stream, void *buf,
                 uint32_t count, uint64_t offset)
    __attribute__ ((__nonnull__ (1, 3)));

/* Set to 1 on the calling thread by a clone_pread that needed the basis
 * (a cold read); the caller resets it before the call to classify one
 * read (statistics). */
extern __thread int clone_thread_missed;

/* Write COUNT bytes at OFFSET; with FUA, durable on return. */
int clone_pwrite (struct clone *c, const void *buf, uint32_t count,
                  uint64_t offset, int fua)
    __attribute__ ((__nonnull__ (1, 2)));

/* Make COUNT bytes at OFFSET read as zeros (for both trim and write
 * zeroes): whole blocks become holes that never show basis data again. */
int clone_zero (struct clone *c, uint32_t count, uint64_t offset, int fua)
    __attribute__ ((__nonnull__ (1)));

/* Make every completed write durable. Returns 0 or -1 (errno EIO). */
int clone_flush (struct clone *c) __attribute__ ((__nonnull__ (1)));

/* Fetch the range into the overlay now. Returns 0 or -1 (errno). */
int clone_cache (struct clone *c, uint32_t count, uint64_t offset)
    __attribute__ ((__nonnull__ (1)));

#define CLONE_EXTENT_HOLE 1u /* the same values as NBD's block status */
#define CLONE_EXTENT_ZERO 2u

/* Called for each extent, in ascending order without gaps. Returns 0 or -1
 * (which ends the walk). */
typedef int (*clone_extent_fn) (void *opaque, uint64_t offset, uint64_t len,
                                uint32_t type);

/* Describe COUNT bytes at OFFSET: local holes and ZERO basis chunks as
 * HOLE|ZERO, everything else as data; adjacent extents of one type are
 * merged. With REQ_ONE, stop after the first extent. Returns 0 or -1. */
int clone_extents (struct clone *c, uint32_t count, uint64_t offset,
                   int req_one, clone_extent_fn fn, void *opaque)
    __attribute__ ((__nonnull__ (1, 5)));

/* Bytes per chunk of the volume. */
uint32_t clone_chunk_size (const struct clone *c)
    __attribute__ ((__nonnull__ (1)));

/* Number of chunks of the volume. */
uint64_t clone_nchunks (const struct clone *c)
    __attribute__ ((__nonnull__ (1)));

/* True if every block of chunk CH is local. */
int clone_chunk_local (const struct clone *c, uint64_t ch)
    __attribute__ ((__nonnull__ (1)));

/* Where the store holds chunk CH (loc->zero for a ZERO chunk). Returns 0
 * or -1 (errno EIO). */
int clone_chunk_loc (struct clone *c, uint64_t ch, struct ox_chunk_loc *loc)
    __attribute__ ((__nonnull__ (1, 3)));

#define CLONE_RUN_MAX 64           /* chunks of clone_fill_run, at most */
#define CLONE_RUN_BYTES (8u << 20) /* bytes of one ranged read, at most */

/* Make the N chunks from FIRST local (at most CLONE_RUN_MAX; chunks local
 * already are skipped) as fetches of class CLS, reading each run of
 * frames that lie back to back in one segment with one ranged read of at
 * most CLONE_RUN_BYTES; ZERO chunks become holes for CLONE_BACKGROUND and
 * are left alone otherwise. Concurrent readers of these chunks wait for
 * this fetch. PACE (may be NULL) is called with OPAQUE and the bytes of
 * each read before it starts (rate limiting). Blocks a client wrote,
 * trimmed or zeroed keep their bytes. Returns the number of chunks that
 * failed (logged). */
unsigned clone_fill_run (struct clone *c, uint64_t first, unsigned n,
                         enum clone_class cls, void (*pace) (void *, uint64_t),
                         void *opaque) __attribute__ ((__nonnull__ (1)));

/* Number of demand and readahead fetches in progress (background work
 * yields while it is not 0). */
unsigned clone_foreground_busy (const struct clone *c)
    __attribute__ ((__nonnull__ (1)));

/* A number that changes with each demand or readahead fetch (0: none
 * yet): background work sees from it that clients are reading. */
uint64_t clone_foreground_seq (const struct clone *c)
    __attribute__ ((__nonnull__ (1)));

/* The chunk of the latest demand miss in *CH; returns a number that
 * changes with each demand miss (0: none yet). */
uint64_t clone_last_demand (const struct clone *c, uint64_t *ch)
    __attribute__ ((__nonnull__ (1, 2)));

/* Counters since clone_new. */
void clone_stats (struct clone *c, struct clone_stats *s)
    __attribute__ ((__nonnull__ (1, 2)));

#endif
