/* ox: a writable clone of a snapshot: its creation, geometry and
 * counters (see clone.h). The work is done next door: fetch.c (flights and
 * pools: fetching basis chunks once), read.c, write.c, extents.c and
 * readahead.c (the threads). */
#include "clone.h"

#include <inttypes.h>
#include <stdlib.h>

#include "clone-int.h"
#include "log.h"

/* A valid chunk holds whole overlay blocks. */
_Static_assert(OX_CHUNK_SIZE_MIN % BS == 0, "chunks of whole blocks");

void
clone_options_default (struct clone_options *o)
{
  o->readahead_threads = 4;
  o->readahead_max = 64;
  o->flush_interval = 5;
  o->on_demand_miss = NULL;
  o->miss_opaque = NULL;
}

int
clone_new (struct overlay *ov, struct ox_basis *b,
           const struct clone_options *opts, struct clone **out)
{
  const struct ox_root *r = b ? ox_basis_root (b) : NULL;
  const struct ox_ovheader *pin = overlay_get_pin (ov);
  uint32_t chunk_size = r ? r->chunk_size : pin->chunk_size;
  struct clone *c;

  if (r == NULL && !overlay_complete (ov)) {
    ox_error ("overlay %s is not complete: it needs the store",
              overlay_dir (ov));
    return -1;
  }
  if ((r && r->volume_size != overlay_size (ov))
      || !ox_chunk_size_valid (chunk_size)) {
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
  c->nchunks = ox_chunk_count (c->size, chunk_size);
  for (int i = 0; i < NSTRIPES; i++)
    pthread_mutex_init (&c->stripes[i], NULL);
  clone_fetch_init (c);
  clone_ra_init (c);
  *out = c;
  return 0;
}

void
clone_free (struct clone *c)
{
  if (c == NULL)
    return;
  clone_stop_threads (c);
  clone_ra_destroy (c);
  clone_fetch_destroy (c);
  for (int i = 0; i < NSTRIPES; i++)
    pthread_mutex_destroy (&c->stripes[i]);
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
  s->fetches = atomic_load_explicit (&c->fetches, memory_order_relaxed);
  s->fetch_waits
      = atomic_load_explicit (&c->fetch_waits, memory_order_relaxed);
  s->fetch_errors
      = atomic_load_explicit (&c->fetch_errors, memory_order_relaxed);
  s->prefetches = atomic_load_explicit (&c->class_fetches[CLONE_READAHEAD],
                                        memory_order_relaxed);
  s->copied_blocks
      = atomic_load_explicit (&c->copied_blocks, memory_order_relaxed);
  for (int i = 0; i < CLONE_NCLASSES; i++) {
    s->class_fetches[i]
        = atomic_load_explicit (&c->class_fetches[i], memory_order_relaxed);
    s->class_bytes[i]
        = atomic_load_explicit (&c->class_bytes[i], memory_order_relaxed);
  }
  s->local_reads
      = atomic_load_explicit (&c->local_reads, memory_order_relaxed);
  s->run_reads = atomic_load_explicit (&c->run_reads, memory_order_relaxed);
  s->basis_reads
      = atomic_load_explicit (&c->basis_reads, memory_order_relaxed);
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
  return atomic_load_explicit (&c->fg_active, memory_order_acquire);
}

uint64_t
clone_foreground_seq (const struct clone *c)
{
  return atomic_load_explicit (&c->fg_seq, memory_order_acquire);
}

uint64_t
clone_last_demand (const struct clone *c, uint64_t *ch)
{
  uint64_t seq = atomic_load_explicit (&c->demand_seq, memory_order_acquire);
  *ch = atomic_load_explicit (&c->last_demand, memory_order_relaxed);
  return seq;
}

int
clone_flush (struct clone *c)
{
  return overlay_flush (c->ov);
}
