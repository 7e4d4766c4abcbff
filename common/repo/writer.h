/* ox: the snapshot writer: reads a volume from a source, and writes its
 * chunks (deduplicated, framed, packed into segments), its manifest pages
 * and its root to a store (docs/FORMAT.md, sections 5 and 6), with a pool
 * of worker threads. The root is published only after everything it
 * references is durable. */
#ifndef OX_WRITER_H
#define OX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "basis.h"
#include "lease.h"
#include "keys.h"
#include "store.h"

/* What the writer reads: SIZE (> 0) bytes of a volume. */
struct ox_writer_source {
  const char *name; /* for messages */
  uint64_t size;
  void *opaque;
  /* Read LEN bytes at OFFSET into BUF; called from several threads at
   * once. Returns 0, or -1 with the error reported. */
  int (*read) (void *opaque, void *buf, size_t len, uint64_t offset);
  /* The first offset at or after OFFSET that may hold data, or SIZE when
   * only holes follow (chunks wholly in holes are recorded as ZERO
   * unread); NULL: all of the source may hold data. */
  uint64_t (*next_data) (void *opaque, uint64_t offset);
  /* The first offset at or after OFFSET whose bytes may differ from the
   * parent's (the options' parent, at the same offsets), or SIZE when none
   * after it do: a source that knows what changed (a dirty bitmap, a
   * clone's written blocks). A chunk wholly unchanged is the parent's chunk
   * at that index, unread (unless the parent's chunk there is shorter, as
   * at its end). NULL: every chunk that may hold data is read. */
  uint64_t (*next_changed) (void *opaque, uint64_t offset);
};

/* Progress of the packer (one thread): first called with DONE 0 when
 * packing starts, then as chunks are packed, lastly with FINISHED set and
 * DONE == TOTAL once every chunk is packed. */
typedef void ox_writer_progress_fn (void *arg, uint64_t done, uint64_t total,
                                    int finished);

struct ox_writer_options {
  uint32_t chunk_size;   /* a power of two from 4 KiB to 64 MiB */
  uint64_t segment_size; /* at least twice the chunk size, at most 2 GiB */
  int jobs;              /* worker threads, 1 to 256 */
  int compress_level;    /* zstd level of the chunks */
  ox_writer_progress_fn *progress; /* NULL: none */
  void *progress_arg;
  /* Incremental: the parent snapshot (recorded in the root), whose frames
   * and pages are referenced instead of stored again; its chunk size must
   * be CHUNK_SIZE. NULL: a full snapshot. */
  struct ox_basis *parent;
  /* More snapshots whose frames may be referenced (store-wide dedup);
   * those of another chunk size are passed over. */
  struct ox_basis *const *also;
  size_t nalso;
  /* Reference the frames of this volume's interrupted snapshots (their
   * marked segments, resume.h); every durable segment is marked. */
  int resume;
  /* With the source's next_changed: read and hash this many unchanged
   * chunks (spread over the volume) and fail, writing nothing, unless each
   * equals the parent's: a change list that does not start at the parent
   * is refused. 0: no check. */
  int check_unchanged;
  /* The writer's lease (lease.h), taken before any root or marker was
   * read: the root is not published once it lapsed. NULL: none (a store
   * that no garbage collection runs on). */
  struct ox_lease *lease;
};

/* What a snapshot holds, once written. */
struct ox_writer_stats {
  uint64_t snapshot_id;
  uint64_t volume_size, nchunks;
  uint64_t data_chunks;   /* chunks that are not all zeros */
  uint64_t dedup_chunks;  /* data chunks that repeat an earlier one */
  uint64_t reused_chunks; /* data chunks stored by an earlier snapshot */
  uint64_t unread_chunks; /* unchanged data chunks taken from the parent,
                           * unread */
  uint64_t new_chunks;    /* frames stored */
  uint64_t stored_bytes;  /* bytes of those frames */
  uint64_t known_chunks;  /* frames of earlier snapshots it could reuse */
  size_t nsegments;
  uint32_t npages;
  uint32_t reused_pages;   /* pages an earlier snapshot stored already */
  size_t resumed_segments; /* segments of interrupted snapshots known */
};

/* Fill OPTS with the defaults of oxsnap snapshot (256 KiB chunks, 32 MiB
 * segments, one job, zstd level 1, no progress). */
void ox_writer_options_default (struct ox_writer_options *opts)
    __attribute__ ((__nonnull__ (1)));

/* Write a complete snapshot of SRC as volume VOLUME to ST (keys K): reserve
 * its id, write its segments, pages and root; set *STATS. Returns 0, or -1
 * with the error reported (nothing is published then). */
int ox_writer_snapshot (struct ox_store *st, const struct ox_keys *k,
                        const struct ox_writer_source *src, const char *volume,
                        const struct ox_writer_options *opts,
                        struct ox_writer_stats *stats)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 5, 6)));

#endif
