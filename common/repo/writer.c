/* ox: the snapshot writer's pipeline (writer.h).
 *
 *   workers (--jobs)          packer (main thread)         uploaders
 *   claim chunk i, read it,   take results in order,       put sealed
 *   zero check, id, encode -> hand them to the        -> segments and
 *   into slot i % window      assembler (assemble.h)       pages to the store
 *
 * This file is the threads and their hand-offs; what goes into segments,
 * pages and the root (dedup, packing, page tables) is assemble.c.
 *
 * Memory is bounded: at most WINDOW chunks are in flight between workers and
 * packer, and at most QUEUE_MAX sealed segments wait for upload. The root
 * is written only after every segment and page it references is durable.
 *
 * An incremental snapshot first loads the frames of its parent (and of
 * any other snapshots given) into the assembler; a worker that finds a
 * chunk's id among them neither compresses nor encrypts it, and the packer
 * references the stored frame (FORMAT.md 5.2, 6.2). Each segment, once
 * durable, is marked (resume.h), so that a run killed half way leaves its
 * frames findable: the next run of the volume knows them too.
 *
 * Chunks that lie wholly in a hole of the source never reach the workers:
 * the packer records a run of them as ZERO in one go. Segments are built
 * in a small pool of reused, aligned buffers (no fresh memory to fault in
 * per segment, and the file store can write them with direct I/O).
 */
#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writer.h"

#include "assemble.h"
#include "catalog.h"
#include "frame.h"
#include "iszero.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "objects.h"
#include "resume.h"
#include "segment.h"

#define QUEUE_MAX 2    /* sealed segments waiting for an uploader */
#define UPLOADS_MAX 64 /* objects waiting: segments and (small) pages */
/* Segment buffers are aligned to (and sized in) huge pages. */
#define SEG_BUF_ALIGN (2u << 20)

enum slot_state { SLOT_EMPTY, SLOT_BUSY, SLOT_READY };

struct slot {
  enum slot_state state;
  int zero;
  int known; /* an earlier snapshot stored this id: nothing encoded */
  uint8_t id[OX_ID_LEN];
  uint8_t *frame;
  size_t frame_len;
  uint32_t plain_len;
};

/* A segment being built or uploaded, and the pool buffer it is built in. */
struct seg {
  struct ox_segment_writer *w;
  uint8_t *buf;
};

/* An object waiting for an uploader: a segment to seal and store, or
 * (w == NULL) an encoded page frame OBJ of OBJ_LEN bytes to store at KEY. */
struct upload {
  struct seg seg;
  void *obj;
  size_t obj_len;
  char key[OX_KEY_MAX];
};

struct snap {
  struct ox_store *st;
  const struct ox_keys *k;
  const struct ox_writer_source *src;
  const char *volume;
  struct ox_writer_options opt;
  uint64_t snap_id;
  uint32_t chunk_size;
  uint64_t nchunks;
  uint64_t parent_size, parent_nchunks; /* of opt.parent, if any */
  uint64_t unread_chunks; /* the packer's: taken from the parent unread */

  pthread_mutex_t lock;
  pthread_cond_t slot_free;  /* workers wait for window space */
  pthread_cond_t slot_ready; /* packer waits for a result */
  pthread_cond_t queue_cond; /* uploaders and packer wait on the queue */
  int failed;

  /* Workers. */
  size_t window;
  struct slot *slots;
  uint64_t next_claim, next_pack;

  /* Upload queue (a ring); at most QUEUE_MAX of it are segments. */
  struct upload queue[UPLOADS_MAX];
  size_t qhead, qlen, qsegs;
  int uploading; /* segments being put right now */
  int no_more_segments;

  /* Free segment buffers (guarded by lock), each seg_buf_cap bytes. */
  uint8_t **pool;
  size_t npool, seg_buf_cap;

  /* Interrupted snapshots whose frames are known (set before the
   * threads start). */
  struct ox_resume_set resumed;

  /* The packer's (packer thread only). */
  struct ox_assembler *as;
  struct ox_assembler_ops as_ops;
};

static void
fail (struct snap *s)
{
  pthread_mutex_lock (&s->lock);
  s->failed = 1;
  pthread_cond_broadcast (&s->slot_free);
  pthread_cond_broadcast (&s->slot_ready);
  pthread_cond_broadcast (&s->queue_cond);
  pthread_mutex_unlock (&s->lock);
}

/* The first offset at or after OFF that may hold data (OFF < size). */
static uint64_t
next_data (const struct snap *s, uint64_t off)
{
  if (!s->src->next_data)
    return off;
  return s->src->next_data (s->src->opaque, off);
}

/* True if chunk IDX lies wholly in a hole of the source. */
static int
chunk_is_hole (const struct snap *s, uint64_t idx)
{
  uint64_t start, len;

  ox_chunk_range (s->src->size, s->chunk_size, idx, &start, &len);
  return next_data (s, start) >= start + len;
}

/* True if chunk IDX is the parent's, unchanged: the source says so, and
 * the parent's chunk there is as long as ours. */
static int
chunk_is_unchanged (const struct snap *s, uint64_t idx)
{
  uint64_t start, len, pstart, plen;

  if (!s->src->next_changed || !s->opt.parent || idx >= s->parent_nchunks)
    return 0;
  ox_chunk_range (s->src->size, s->chunk_size, idx, &start, &len);
  ox_chunk_range (s->parent_size, s->chunk_size, idx, &pstart, &plen);
  return plen == len
         && s->src->next_changed (s->src->opaque, start) >= start + len;
}

/* True if chunk IDX is not read: wholly in a hole, or unchanged. */
static int
chunk_is_skipped (const struct snap *s, uint64_t idx)
{
  return chunk_is_hole (s, idx) || chunk_is_unchanged (s, idx);
}

/* The first chunk at or after IDX that is read (neither wholly in a hole
 * nor unchanged), or NCHUNKS. Runs are crossed in jumps: the chunks before
 * the next data, or before the next change but short of either volume's
 * last chunk (which may be shorter), need no test of their own. */
static uint64_t
next_read_chunk (const struct snap *s, uint64_t idx)
{
  while (idx < s->nchunks) {
    uint64_t start = ox_chunk_start (s->chunk_size, idx), off, next;

    if (chunk_is_hole (s, idx))
      off = next_data (s, start);
    else if (chunk_is_unchanged (s, idx)) {
      off = s->src->next_changed (s->src->opaque, start);
      if (off > ox_chunk_start (s->chunk_size, s->parent_nchunks - 1))
        off = ox_chunk_start (s->chunk_size, s->parent_nchunks - 1);
    } else
      return idx;
    if (off > ox_chunk_start (s->chunk_size, s->nchunks - 1))
      off = ox_chunk_start (s->chunk_size, s->nchunks - 1);
    next = ox_chunk_index (s->chunk_size, off);
    idx = next > idx ? next : idx + 1;
  }
  return s->nchunks;
}

/* Read, check, hash and encode chunk IDX (not a hole) into SLOT. */
static int
encode_chunk (struct snap *s, struct ox_codec *codec, uint8_t *buf,
              uint64_t idx, struct slot *slot)
{
  uint64_t off, len;

  ox_chunk_range (s->src->size, s->chunk_size, idx, &off, &len);
  slot->plain_len = (uint32_t)len;
  slot->zero = 0;
  slot->known = 0;
  if (s->src->read (s->src->opaque, buf, len, off) == -1)
    return -1;
  if (ox_is_zero (buf, len)) {
    slot->zero = 1;
    return 0;
  }
  ox_chunk_id (s->k, buf, len, slot->id);
  /* The known map is read-only while the workers run. */
  if (ox_asm_is_known (s->as, slot->id)) {
    slot->known = 1;
    return 0;
  }
  return ox_frame_encode (codec, s->k, slot->id, buf, len, slot->frame,
                          ox_frame_bound (s->chunk_size), &slot->frame_len);
}

static void *
worker (void *arg)
{
  struct snap *s = arg;
  struct ox_codec *codec = ox_codec_new (s->opt.compress_level);
  uint8_t *buf = malloc (s->chunk_size);

  if (!codec || !buf) {
    ox_error ("out of memory");
    fail (s);
    goto out;
  }
  for (;;) {
    uint64_t idx;
    struct slot *slot;
    int r;

    pthread_mutex_lock (&s->lock);
    for (;;) {
      /* Holes and unchanged chunks are the packer's: skip them unread. */
      if (s->next_claim < s->nchunks && chunk_is_skipped (s, s->next_claim))
        s->next_claim = next_read_chunk (s, s->next_claim);
      if (s->failed || s->next_claim >= s->nchunks
          || s->next_claim < s->next_pack + s->window)
        break;
      pthread_cond_wait (&s->slot_free, &s->lock);
    }
    if (s->failed || s->next_claim >= s->nchunks) {
      pthread_mutex_unlock (&s->lock);
      break;
    }
    idx = s->next_claim++;
    slot = &s->slots[idx % s->window];
    slot->state = SLOT_BUSY;
    pthread_mutex_unlock (&s->lock);

    r = encode_chunk (s, codec, buf, idx, slot);
    if (r == -1) {
      fail (s);
      break;
    }
    pthread_mutex_lock (&s->lock);
    slot->state = SLOT_READY;
    if (idx == s->next_pack) /* what the packer waits for */
      pthread_cond_signal (&s->slot_ready);
    pthread_mutex_unlock (&s->lock);
  }
out:
  free (buf);
  ox_codec_free (codec);
  return NULL;
}

static void *
uploader (void *arg)
{
  struct snap *s = arg;

  for (;;) {
    struct upload u;
    const void *data;
    size_t len;
    int r;

    pthread_mutex_lock (&s->lock);
    while (!s->failed && s->qlen == 0 && !s->no_more_segments)
      pthread_cond_wait (&s->queue_cond, &s->lock);
    if (s->failed || s->qlen == 0) {
      pthread_mutex_unlock (&s->lock);
      return NULL;
    }
    u = s->queue[s->qhead];
    s->qhead = (s->qhead + 1) % UPLOADS_MAX;
    s->qlen--;
    if (u.seg.w)
      s->qsegs--;
    s->uploading++;
    pthread_cond_broadcast (&s->queue_cond);
    pthread_mutex_unlock (&s->lock);

    if (u.seg.w) {
      r = ox_segw_seal (u.seg.w, &data, &len);
      if (r == 0) {
        ox_segment_key (ox_segw_id (u.seg.w), u.key);
        r = ox_store_put (s->st, u.key, data, len);
      }
      /* Only a durable segment is marked (a resumed run reads it). */
      if (r == 0 && s->opt.resume)
        r = ox_resume_mark (s->st, s->volume, s->snap_id,
                            ox_segw_id (u.seg.w));
      ox_segw_free (u.seg.w);
    } else {
      r = ox_store_put (s->st, u.key, u.obj, u.obj_len);
      free (u.obj);
    }

    pthread_mutex_lock (&s->lock);
    if (u.seg.buf)
      s->pool[s->npool++] = u.seg.buf;
    s->uploading--;
    pthread_cond_broadcast (&s->queue_cond);
    pthread_mutex_unlock (&s->lock);
    if (r == -1) {
      fail (s);
      return NULL;
    }
  }
}

/* What queue_wait waits for. */
enum queue_room {
  ROOM_PAGE,    /* room in the queue for one more page */
  ROOM_SEGMENT, /* for one more segment (at most QUEUE_MAX of them) */
  DRAINED,      /* the queue empty and no upload running */
};

/* With s->lock held: wait on queue_cond until ROOM holds. Returns 0, or -1
 * once the writer failed. */
static int
queue_wait (struct snap *s, enum queue_room room)
{
  for (;;) {
    int busy;

    if (s->failed)
      return -1;
    if (room == DRAINED)
      busy = s->qlen > 0 || s->uploading > 0;
    else
      busy = s->qlen == UPLOADS_MAX
             || (room == ROOM_SEGMENT && s->qsegs == QUEUE_MAX);
    if (!busy)
      return 0;
    pthread_cond_wait (&s->queue_cond, &s->lock);
  }
}

/* Hand U to the uploaders (blocking while the queue is full). On success
 * the uploaders own what U points to; on failure the caller still does. */
static int
queue_upload (struct snap *s, const struct upload *u)
{
  int r;

  pthread_mutex_lock (&s->lock);
  r = queue_wait (s, u->seg.w ? ROOM_SEGMENT : ROOM_PAGE);
  if (r == 0) {
    s->queue[(s->qhead + s->qlen) % UPLOADS_MAX] = *u;
    s->qlen++;
    if (u->seg.w)
      s->qsegs++;
    pthread_cond_broadcast (&s->queue_cond);
  }
  pthread_mutex_unlock (&s->lock);
  return r;
}

/* A free segment buffer from the pool, or a new one (the assembler's
 * segment_buffer). */
static uint8_t *
pool_get (void *opaque)
{
  struct snap *s = opaque;
  void *buf = NULL;

  pthread_mutex_lock (&s->lock);
  if (s->npool > 0)
    buf = s->pool[--s->npool];
  pthread_mutex_unlock (&s->lock);
  if (buf)
    return buf;
  if (posix_memalign (&buf, SEG_BUF_ALIGN, s->seg_buf_cap) != 0) {
    ox_error ("out of memory for a segment buffer of %zu bytes",
              s->seg_buf_cap);
    return NULL;
  }
  /* Fewer page faults when huge pages are available (else no effect). */
  madvise (buf, s->seg_buf_cap, MADV_HUGEPAGE);
  return buf;
}

/* The assembler's full segment W (in pool buffer BUF), to the uploaders:
 * sealed and stored there. */
static int
queue_segment (void *opaque, struct ox_segment_writer *w, uint8_t *buf)
{
  struct upload u;

  memset (&u, 0, sizeof u);
  u.seg.w = w;
  u.seg.buf = buf;
  return queue_upload (opaque, &u);
}

/* The assembler's sealed page OBJ, to the uploaders. */
static int
queue_page (void *opaque, const char *key, void *obj, size_t len)
{
  struct upload u;

  memset (&u, 0, sizeof u);
  u.obj = obj;
  u.obj_len = len;
  snprintf (u.key, sizeof u.key, "%s", key);
  return queue_upload (opaque, &u);
}

/* Tell the caller that DONE bytes are packed (FINISHED: all). */
static void
progress (struct snap *s, uint64_t done, int finished)
{
  if (s->opt.progress)
    s->opt.progress (s->opt.progress_arg, done, s->src->size, finished);
}

/* The chunks up to IDX are packed (the last from SLOT, or none for a run
 * of holes): free the slot and let the workers claim further. */
static void
packed (struct snap *s, uint64_t idx, struct slot *slot)
{
  pthread_mutex_lock (&s->lock);
  if (slot)
    slot->state = SLOT_EMPTY;
  s->next_pack = idx + 1;
  pthread_cond_broadcast (&s->slot_free);
  pthread_mutex_unlock (&s->lock);
}

/* Add chunk IDX, which is not read: ZERO in a hole, else the parent's
 * entry (its frame is known: load_known). */
static int
add_unread (struct snap *s, uint64_t idx)
{
  struct ox_chunk_loc loc;

  if (chunk_is_hole (s, idx))
    return ox_asm_add_zero (s->as);
  if (ox_basis_lookup (s->opt.parent, idx, &loc) == -1)
    return -1;
  if (loc.zero)
    return ox_asm_add_zero (s->as);
  s->unread_chunks++;
  return ox_asm_add_chunk (s->as, loc.id, NULL, 0, loc.plain_len);
}

/* The packer loop: consume results in chunk order. */
static int
pack_all (struct snap *s)
{
  uint64_t idx;

  progress (s, 0, 0);
  for (idx = 0; idx < s->nchunks; idx++) {
    struct slot *slot = &s->slots[idx % s->window];
    int r;

    if (chunk_is_skipped (s, idx)) {
      /* A run of holes and unchanged chunks, then one wake-up for the
       * workers. */
      uint64_t end = next_read_chunk (s, idx);
      for (; idx < end; idx++)
        if (add_unread (s, idx) == -1)
          return -1;
      packed (s, --idx, NULL);
      progress (s, ox_chunk_start (s->chunk_size, idx + 1), 0);
      continue;
    }
    pthread_mutex_lock (&s->lock);
    while (!s->failed && slot->state != SLOT_READY)
      pthread_cond_wait (&s->slot_ready, &s->lock);
    pthread_mutex_unlock (&s->lock);
    if (s->failed)
      return -1;
    if (slot->zero)
      r = ox_asm_add_zero (s->as);
    else if (slot->known)
      r = ox_asm_add_chunk (s->as, slot->id, NULL, 0, slot->plain_len);
    else
      r = ox_asm_add_chunk (s->as, slot->id, slot->frame, slot->frame_len,
                            slot->plain_len);
    if (r == -1)
      return -1;
    packed (s, idx, slot);
    progress (s, ox_chunk_start (s->chunk_size, idx), 0);
  }
  progress (s, s->src->size, 1);
  return ox_asm_finish (s->as);
}

/* Wait until every queued segment and page is durable. Returns 0 or -1. */
static int
drain_uploads (struct snap *s)
{
  int r;

  pthread_mutex_lock (&s->lock);
  s->no_more_segments = 1;
  pthread_cond_broadcast (&s->queue_cond);
  r = queue_wait (s, DRAINED);
  pthread_mutex_unlock (&s->lock);
  return r;
}

/* Publish the root, once everything it names is durable. */
static int
write_root (struct snap *s)
{
  struct ox_root r;

  ox_asm_root (s->as, &r);
  if (s->opt.lease && !ox_lease_valid (s->opt.lease))
    return -1;
  if (ox_root_put (s->st, s->k, &r) == 0)
    return 0;
  if (errno == EEXIST) {
    char id[17];
    /* The id was reserved, so only a writer that does not reserve (or the
     * S3 fallback's race, docs/DESIGN.md) gets here: fail, replace nothing. */
    ox_snapshot_id_format (s->snap_id, id);
    ox_error ("snapshot %s@%s: another writer published a snapshot of this "
              "id first; nothing was published (run the snapshot again)",
              s->volume, id);
  }
  return -1;
}

/* Start N threads running FN (S) into T; returns how many started (all,
 * or fewer after a failure, reported, that stops the writer). */
static int
start_threads (struct snap *s, void *(*fn) (void *), int n, pthread_t *t)
{
  int i;

  for (i = 0; i < n && !s->failed; i++)
    if (pthread_create (&t[i], NULL, fn, s) != 0) {
      ox_error ("cannot create thread");
      fail (s);
      break;
    }
  return i;
}

static int
run_pipeline (struct snap *s)
{
  int jobs = s->opt.jobs, nup = jobs < 2 ? 1 : (jobs > 4 ? 4 : jobs);
  pthread_t wt[256], ut[4];
  int i, nw = 0, nu = 0, r = 0;
  size_t bound = ox_frame_bound (s->chunk_size);

  s->window = (size_t)jobs * 4;
  s->slots = calloc (s->window, sizeof *s->slots);
  /* At most one segment is being built, QUEUE_MAX wait and NUP upload. */
  s->pool = calloc (1 + QUEUE_MAX + (size_t)nup, sizeof *s->pool);
  if (!s->slots || !s->pool) {
    ox_error ("out of memory");
    return -1;
  }
  for (size_t k = 0; k < s->window; k++)
    if (!(s->slots[k].frame = malloc (bound))) {
      ox_error ("out of memory");
      return -1;
    }
  nw = start_threads (s, worker, jobs, wt);
  nu = start_threads (s, uploader, nup, ut);
  if (s->failed || pack_all (s) == -1 || drain_uploads (s) == -1)
    r = -1;
  if (r == -1)
    fail (s);
  else
    drain_uploads (s); /* wakes the uploaders so they exit */
  for (i = 0; i < nw; i++)
    pthread_join (wt[i], NULL);
  for (i = 0; i < nu; i++)
    pthread_join (ut[i], NULL);
  /* Anything still queued after a failure. */
  while (s->qlen > 0) {
    ox_segw_free (s->queue[s->qhead].seg.w);
    free (s->queue[s->qhead].seg.buf);
    free (s->queue[s->qhead].obj);
    s->qhead = (s->qhead + 1) % UPLOADS_MAX;
    s->qlen--;
  }
  return r;
}

static void
snap_free (struct snap *s)
{
  size_t k;

  if (s->slots)
    for (k = 0; k < s->window; k++)
      free (s->slots[k].frame);
  free (s->slots);
  ox_asm_free (s->as);
  ox_resume_set_free (&s->resumed);
  while (s->npool > 0)
    free (s->pool[--s->npool]);
  free (s->pool);
  pthread_mutex_destroy (&s->lock);
  pthread_cond_destroy (&s->slot_free);
  pthread_cond_destroy (&s->slot_ready);
  pthread_cond_destroy (&s->queue_cond);
}

void
ox_writer_options_default (struct ox_writer_options *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->chunk_size = 256u << 10;
  opts->segment_size = 32u << 20;
  opts->jobs = 1;
  opts->compress_level = 1;
}

/* Teach the assembler the frames and pages of snapshot B. Returns 0 or -1
 * (a page that cannot be read fails the snapshot: never guess). */
static int
load_known (struct snap *s, struct ox_basis *b)
{
  const struct ox_root *r = ox_basis_root (b);
  uint64_t n = ox_root_nchunks (r), i;
  struct ox_chunk_loc loc;

  for (i = 0; i < r->npages; i++)
    if (ox_asm_add_known_page (s->as, r->pages[i]) == -1)
      return -1;
  for (i = 0; i < n; i++) {
    if (ox_basis_lookup (b, i, &loc) == -1)
      return -1;
    if (!loc.zero
        && ox_asm_add_known (s->as, loc.segment_id, loc.id, loc.offset,
                             loc.length)
               == -1)
      return -1;
  }
  return 0;
}

/* Load the parent's frames and the other snapshots' (of this chunk size),
 * and record the parent. Returns 0 or -1. */
static int
load_parents (struct snap *s)
{
  const struct ox_writer_options *o = &s->opt;
  size_t i;

  if (o->parent) {
    const struct ox_root *p = ox_basis_root (o->parent);
    if (p->chunk_size != s->chunk_size) {
      ox_error ("snapshot of %s: the parent %s has chunks of %" PRIu32
                " bytes, not %" PRIu32,
                s->src->name, p->volume, p->chunk_size, s->chunk_size);
      return -1;
    }
    ox_asm_set_parent (s->as, p->volume, p->snapshot_id);
    s->parent_size = p->volume_size;
    s->parent_nchunks = ox_root_nchunks (p);
    if (load_known (s, o->parent) == -1)
      return -1;
  }
  for (i = 0; i < o->nalso; i++)
    if (ox_basis_root (o->also[i])->chunk_size == s->chunk_size
        && load_known (s, o->also[i]) == -1)
      return -1;
  return 0;
}

/* Read and hash the Ith of N chunks spread over those unchanged that are
 * not holes, checked against the parent; CHECK_UNCHANGED of them in all
 * (opt.check_unchanged). Returns 0, or -1 when one differs (reported). */
static int
check_unchanged (struct snap *s)
{
  uint64_t idx, n = 0, step, seen = 0, start, len;
  uint8_t *buf, id[OX_ID_LEN];
  struct ox_chunk_loc loc;
  int r = 0;

  if (s->opt.check_unchanged <= 0 || !s->opt.parent || !s->src->next_changed)
    return 0;
  for (idx = 0; idx < s->nchunks; idx++)
    n += chunk_is_unchanged (s, idx) && !chunk_is_hole (s, idx);
  if (n == 0)
    return 0;
  step = n / (uint64_t)s->opt.check_unchanged;
  step = step ? step : 1;
  buf = malloc (s->chunk_size);
  if (!buf) {
    ox_error ("out of memory");
    return -1;
  }
  for (idx = 0; r == 0 && idx < s->nchunks; idx++) {
    const struct ox_root *p = ox_basis_root (s->opt.parent);
    char pid[17];
    int same;

    if (!chunk_is_unchanged (s, idx) || chunk_is_hole (s, idx)
        || seen++ % step != step / 2)
      continue;
    ox_chunk_range (s->src->size, s->chunk_size, idx, &start, &len);
    if (s->src->read (s->src->opaque, buf, len, start) == -1
        || ox_basis_lookup (s->opt.parent, idx, &loc) == -1) {
      r = -1;
      break;
    }
    if (loc.zero)
      same = ox_is_zero (buf, len);
    else {
      ox_chunk_id (s->k, buf, len, id);
      same = memcmp (id, loc.id, OX_ID_LEN) == 0;
    }
    if (same)
      continue;
    ox_snapshot_id_format (p->snapshot_id, pid);
    ox_error ("snapshot of %s: chunk %" PRIu64 " (offset %" PRIu64
              ") is unchanged by the source's change list but differs from "
              "the parent %s@%s: the list does not start at that snapshot "
              "(no snapshot is made)",
              s->src->name, idx, start, p->volume, pid);
    r = -1;
  }
  free (buf);
  return r;
}

/* ox_resume_find's callback: the frames of an interrupted snapshot's
 * segment become known. */
static int
resume_known (void *opaque, const struct ox_segment_index *idx)
{
  struct snap *s = opaque;

  for (uint32_t i = 0; i < idx->nframes; i++)
    if (ox_asm_add_known (s->as, idx->segment_id, idx->frames[i].id,
                          idx->frames[i].offset, idx->frames[i].length)
        == -1)
      return -1;
  return 0;
}

/* Once the root is published: this snapshot's markers, and those of the
 * interrupted snapshots it took frames over from, are no longer needed. */
static void
forget_markers (struct snap *s)
{
  if (!s->opt.resume)
    return;
  ox_resume_forget (s->st, s->volume, s->snap_id);
  for (size_t i = 0; i < s->resumed.nids; i++)
    ox_resume_forget (s->st, s->volume, s->resumed.ids[i]);
}

/* Check what the CLI checks too (with its own messages) for other callers. */
static int
check_options (const struct ox_writer_source *src, const char *volume,
               const struct ox_writer_options *o)
{
  if (!ox_name_valid (volume)) {
    ox_error ("invalid volume name '%s' (use 1-128 of A-Z a-z 0-9 . _ -)",
              volume);
    return -1;
  }
  if (!ox_chunk_size_valid (o->chunk_size)
      || o->segment_size < 2 * (uint64_t)o->chunk_size
      || o->segment_size > (1ull << 31) || o->jobs < 1 || o->jobs > 256
      || src->size == 0) {
    ox_error ("snapshot of %s: invalid writer options", src->name);
    return -1;
  }
  return 0;
}

int
ox_writer_snapshot (struct ox_store *st, const struct ox_keys *k,
                    const struct ox_writer_source *src, const char *volume,
                    const struct ox_writer_options *opts,
                    struct ox_writer_stats *stats)
{
  const struct ox_asm_stats *as;
  struct snap s;
  int r = -1;

  memset (stats, 0, sizeof *stats);
  if (check_options (src, volume, opts) == -1)
    return -1;
  memset (&s, 0, sizeof s);
  pthread_mutex_init (&s.lock, NULL);
  pthread_cond_init (&s.slot_free, NULL);
  pthread_cond_init (&s.slot_ready, NULL);
  pthread_cond_init (&s.queue_cond, NULL);
  s.st = st;
  s.k = k;
  s.src = src;
  s.volume = volume;
  s.opt = *opts;
  /* The id is reserved before anything names it (catalog.h). */
  if (ox_snapshot_id_reserve (st, volume, &s.snap_id) == -1)
    goto out;
  /* Page indexes must stay below 2^24 (kept as oxsnap always checked). */
  if ((src->size / opts->chunk_size + 1) / OX_DEFAULT_CHUNKS_PER_PAGE + 1
      > (1u << 24)) {
    ox_error ("source %s is too large for chunk size %" PRIu32, src->name,
              opts->chunk_size);
    goto out;
  }
  s.chunk_size = opts->chunk_size;
  s.nchunks = ox_chunk_count (src->size, s.chunk_size);
  /* Room for a full segment and its index, in whole huge pages. */
  s.seg_buf_cap = (s.opt.segment_size + (1u << 20) + SEG_BUF_ALIGN - 1)
                  & ~(size_t)(SEG_BUF_ALIGN - 1);
  s.as_ops = (struct ox_assembler_ops){ .opaque = &s,
                                        .segment_buffer = pool_get,
                                        .segment_done = queue_segment,
                                        .page_done = queue_page };
  s.as = ox_asm_new (k, s.snap_id, volume, src->size, s.chunk_size,
                     opts->segment_size, s.seg_buf_cap, &s.as_ops);
  if (!s.as || load_parents (&s) == -1
      || (opts->resume
          && ox_resume_find (st, k, volume, s.snap_id, resume_known, &s,
                             &s.resumed)
                 == -1)
      || check_unchanged (&s) == -1 || run_pipeline (&s) == -1
      || write_root (&s) == -1)
    goto out;
  forget_markers (&s);
  as = ox_asm_stats (s.as);
  stats->snapshot_id = s.snap_id;
  stats->volume_size = src->size;
  stats->nchunks = s.nchunks;
  stats->data_chunks = as->data_chunks;
  stats->dedup_chunks = as->dedup_chunks;
  stats->reused_chunks = as->reused_chunks;
  stats->unread_chunks = s.unread_chunks;
  stats->known_chunks = as->known_chunks;
  stats->reused_pages = as->reused_pages;
  stats->resumed_segments = s.resumed.nsegments;
  stats->new_chunks = as->new_chunks;
  stats->stored_bytes = as->stored_bytes;
  stats->nsegments = as->nsegments;
  stats->npages = as->npages;
  r = 0;
out:
  snap_free (&s);
  return r;
}
