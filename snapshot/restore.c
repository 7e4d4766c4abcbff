/* oxsnap restore: write a snapshot back to a file or block device.
 *
 * Workers claim batches of consecutive chunks (about BATCH_BYTES), fetch
 * the frames of a batch with one ranged read per run of adjacent frames,
 * verify and decode them (every chunk id is checked) and write the result
 * at its offset. A file target is written under a temporary name and
 * renamed into place only when complete and durable, so a failed restore
 * never leaves a file that looks whole; ZERO chunks and all-zero 4 KiB
 * blocks stay holes. A block device is written in place, zeros included.
 *
 * Writes use direct I/O where the kernel allows it: no copy into the page
 * cache, and the device works while the workers decode, so the final fsync
 * has little left to do. Unaligned pieces (the end of a volume whose size
 * is not a multiple of 4 KiB) go through the page cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basis.h"
#include "lease.h"
#include "cli.h"
#include "fileio.h"
#include "iszero.h"
#include "log.h"
#include "manifest.h"
#include "names.h"
#include "progress.h"
#include "units.h"
#include "catalog.h"

#define BATCH_BYTES (4u << 20)
#define SYNC_BYTES (128u << 20) /* fdatasync while restoring, this often */
#define BLOCK 4096              /* zero detection and direct I/O alignment */

struct restore {
  struct cli *c;
  struct ox_basis *basis;
  const struct ox_root *root;
  const char *target;
  int fd;
  int dfd;           /* the target opened with O_DIRECT, or -1 */
  atomic_int direct; /* dfd is usable (cleared if the kernel refuses) */
  int is_blk;
  uint64_t nchunks;
  uint32_t batch;            /* chunks per batch */
  atomic_uint_fast64_t next; /* first chunk of the next batch */
  atomic_uint_fast64_t done_bytes;
  atomic_int failed;
  atomic_int running;
};

/* Write all of BUF at OFF: the aligned part directly when possible. */
static int
write_all (struct restore *r, const void *buf, size_t len, uint64_t off)
{
  const char *p = buf;

  if (atomic_load (&r->direct) && (uintptr_t)p % BLOCK == 0
      && off % BLOCK == 0) {
    size_t n = ox_pwrite_direct (r->dfd, p, len, off, BLOCK);
    if (errno == EINVAL)
      atomic_store (&r->direct, 0); /* refused: page cache from now on */
    else if (errno) {
      ox_error ("write error on %s at offset %" PRIu64 ": %m", r->target,
                off + n);
      return -1;
    }
    p += n;
    len -= n;
    off += n;
  }
  if (ox_pwrite_full (r->fd, p, len, off) == -1) {
    ox_error ("write error on %s at offset %" PRIu64 ": %m", r->target, off);
    return -1;
  }
  return 0;
}

/* Make [OFF, OFF+LEN) of a block device read as zeros. */
static int
zero_blk (struct restore *r, const void *zeros, uint64_t off, uint64_t len)
{
  uint64_t range[2] = { off, len };

  if (ioctl (r->fd, BLKZEROOUT, range) == 0)
    return 0;
  return write_all (r, zeros, len, off);
}

/* Write LEN bytes of BUF at OFF of a file target, leaving all-zero blocks
 * as holes (the temporary file starts empty). BUF and OFF are aligned. */
static int
write_sparse (struct restore *r, const uint8_t *buf, size_t len, uint64_t off)
{
  size_t pos = 0;

  while (pos < len) {
    size_t start;
    while (pos < len
           && ox_is_zero (buf + pos, len - pos < BLOCK ? len - pos : BLOCK))
      pos += BLOCK;
    start = pos;
    while (pos < len
           && !ox_is_zero (buf + pos, len - pos < BLOCK ? len - pos : BLOCK))
      pos += BLOCK;
    if (pos > len)
      pos = len;
    if (pos > start && write_all (r, buf + start, pos - start, off + start))
      return -1;
  }
  return 0;
}

/* One worker's state: its codec, and the fetched frames and decoded
 * chunks of one batch. */
struct wbuf {
  struct ox_codec *codec;
  struct ox_chunk_loc *locs;
  uint8_t *in, *out, *zeros;
  size_t in_cap;
};

/* Fetch the adjacent frames LOCS[0..N) of chunks FIRST.. (LEN bytes, as
 * ox_basis_frame_run found them) into IN. */
static int
fetch_run (struct restore *r, const struct ox_chunk_loc *locs, size_t n,
           uint64_t first, uint64_t len, uint8_t *in)
{
  if (ox_store_get_range (r->c->store, locs[0].key, locs[0].offset, in,
                          (size_t)len)
      == 0)
    return 0;
  if (errno == ENOENT)
    ox_error ("segment %s: not found in %s (needed for chunk %" PRIu64
              " of snapshot %s@%016" PRIx64 ")",
              locs[0].key, r->c->store->url, first, r->root->volume,
              r->root->snapshot_id);
  else
    ox_error ("segment %s: chunks %" PRIu64 "-%" PRIu64
              " (frames at offset %" PRIu32 ", %" PRIu64
              " bytes) could not be read",
              locs[0].key, first, first + n - 1, locs[0].offset, len);
  errno = EIO;
  return -1;
}

/* Fetch, verify and decode the data chunks of the batch at FIRST (N
 * chunks, already looked up in W->locs) into W->out. */
static int
decode_batch (struct restore *r, struct wbuf *w, uint64_t first, size_t n)
{
  uint32_t cs = r->root->chunk_size;
  size_t i, j;

  for (i = 0; i < n; i = j) {
    const struct ox_chunk_loc *a = &w->locs[i];
    uint64_t span = a->length;

    j = i + 1;
    if (a->zero)
      continue;
    if (a->length > w->in_cap) {
      ox_error ("segment %s: chunk %" PRIu64 " (frame at offset %" PRIu32
                ", %" PRIu32 " bytes): frame larger than any chunk's",
                a->key, first + i, a->offset, a->length);
      errno = EIO;
      return -1;
    }
    j = i + ox_basis_frame_run (a, n - i, w->in_cap, &span);
    if (fetch_run (r, a, j - i, first + i, span, w->in) == -1)
      return -1;
    for (size_t k = i; k < j; k++)
      if (ox_basis_decode (r->basis, w->codec, first + k, &w->locs[k],
                           w->in + (w->locs[k].offset - a->offset),
                           w->out + k * cs)
          == -1)
        return -1;
  }
  return 0;
}

/* Restore chunks [FIRST, FIRST+N). */
static int
restore_batch (struct restore *r, struct wbuf *w, uint64_t first, size_t n)
{
  uint32_t cs = r->root->chunk_size;
  uint64_t bytes = 0;
  size_t i, j;

  for (i = 0; i < n; i++)
    if (ox_basis_lookup (r->basis, first + i, &w->locs[i]) == -1)
      return -1;
  if (decode_batch (r, w, first, n) == -1)
    return -1;
  /* Write runs of data chunks; ZERO chunks stay holes, or are zeroed. */
  for (i = 0; i < n; i = j) {
    uint64_t off = ox_chunk_start (cs, first + i);
    size_t len = 0;
    int zero = w->locs[i].zero;

    for (j = i; j < n && w->locs[j].zero == zero; j++)
      len += w->locs[j].plain_len;
    bytes += len;
    if (zero) {
      for (size_t k = i; r->is_blk && k < j; k++)
        if (zero_blk (r, w->zeros, ox_chunk_start (cs, first + k),
                      w->locs[k].plain_len)
            == -1)
          return -1;
    } else if (r->is_blk ? write_all (r, w->out + i * cs, len, off)
                         : write_sparse (r, w->out + i * cs, len, off))
      return -1;
  }
  atomic_fetch_add (&r->done_bytes, bytes);
  return 0;
}

/* LEN bytes aligned for direct I/O, in huge pages where the system has
 * them (far fewer page faults to fill a fresh buffer), or NULL. */
static void *
alloc_buffer (size_t len)
{
  size_t huge = 2u << 20;
  void *p;

  len = (len + huge - 1) & ~(huge - 1);
  if (posix_memalign (&p, huge, len) != 0)
    return NULL;
  madvise (p, len, MADV_HUGEPAGE);
  return p;
}

static void *
restore_worker (void *arg)
{
  struct restore *r = arg;
  uint32_t cs = r->root->chunk_size;
  struct wbuf w;

  memset (&w, 0, sizeof w);
  w.in_cap = r->batch * ox_frame_bound (cs);
  w.in = alloc_buffer (w.in_cap);
  w.locs = calloc (r->batch, sizeof *w.locs);
  w.zeros = r->is_blk ? calloc (1, cs) : NULL;
  w.codec = ox_codec_new (0);
  w.out = alloc_buffer ((size_t)r->batch * cs);
  if (!w.in || !w.locs || !w.out || !w.codec || (r->is_blk && !w.zeros)) {
    ox_error ("out of memory");
    r->failed = 1;
    goto out;
  }
  while (!r->failed) {
    uint64_t first = atomic_fetch_add (&r->next, r->batch);
    size_t n;

    if (first >= r->nchunks)
      break;
    n = r->nchunks - first < r->batch ? (size_t)(r->nchunks - first)
                                      : r->batch;
    if (restore_batch (r, &w, first, n) == -1) {
      r->failed = 1;
      break;
    }
  }
out:
  atomic_fetch_sub (&r->running, 1);
  ox_codec_free (w.codec);
  free (w.zeros);
  free (w.out);
  free (w.locs);
  free (w.in);
  return NULL;
}

/* Open PATH a second time with O_DIRECT for the aligned writes; without
 * it (a file system that refuses) everything goes through r->fd. */
static void
open_direct (struct restore *r, const char *path)
{
  r->dfd = open (path, O_WRONLY | O_DIRECT | O_CLOEXEC);
  atomic_store (&r->direct, r->dfd >= 0);
}

/* Open the target: a block device in place, or a temporary file beside a
 * regular file target. Sets r->fd; *TMP receives the temporary name. */
static int
open_target (struct restore *r, char **tmp)
{
  struct stat st;
  uint64_t size = r->root->volume_size;
  int exists;

  *tmp = NULL;
  exists = stat (r->target, &st) == 0;
  if (!exists && errno != ENOENT) {
    ox_error ("%s: %m", r->target);
    return -1;
  }
  if (exists && S_ISBLK (st.st_mode)) {
    uint64_t dev_size;
    r->fd = open (r->target, O_WRONLY | O_CLOEXEC);
    if (r->fd == -1) {
      ox_error ("cannot open %s: %m", r->target);
      return -1;
    }
    if (ioctl (r->fd, BLKGETSIZE64, &dev_size) == -1) {
      ox_error ("%s: cannot get the device size: %m", r->target);
      return -1;
    }
    if (dev_size < size) {
      ox_error ("target %s is too small: %" PRIu64 " bytes, the snapshot "
                "needs %" PRIu64,
                r->target, dev_size, size);
      return -1;
    }
    r->is_blk = 1;
    open_direct (r, r->target);
    return 0;
  }
  if (exists && !S_ISREG (st.st_mode)) {
    ox_error ("target %s is not a regular file or a block device", r->target);
    return -1;
  }
  if (exists && st.st_size > 0 && !r->c->force) {
    ox_error ("target %s exists; use --force to replace it", r->target);
    return -1;
  }
  if (asprintf (tmp, "%s.oxsnap-partial", r->target) == -1) {
    *tmp = NULL;
    ox_error ("out of memory");
    return -1;
  }
  r->fd = open (*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (r->fd == -1) {
    ox_error ("cannot create %s: %m", *tmp);
    return -1;
  }
  if (ftruncate (r->fd, (off_t)size) == -1) {
    ox_error ("cannot size %s to %" PRIu64 " bytes: %m", *tmp, size);
    return -1;
  }
  open_direct (r, *tmp);
  return 0;
}

/* Make the restored file durable and give it its final name. */
static int
finish_target (struct restore *r, const char *tmp)
{
  if (fsync (r->fd) == -1) {
    ox_error ("fsync %s: %m", tmp ? tmp : r->target);
    return -1;
  }
  if (tmp) {
    int dfd;
    if (rename (tmp, r->target) == -1) {
      ox_error ("rename %s to %s: %m", tmp, r->target);
      return -1;
    }
    dfd = ox_open_parent_dir (r->target);
    if (dfd >= 0) {
      fsync (dfd);
      close (dfd);
    }
  }
  return 0;
}

static int
run_workers (struct restore *r)
{
  int jobs = r->c->jobs > 0 ? r->c->jobs : 2 * cli_default_jobs ();
  pthread_t t[256];
  int i, n = 0;
  struct progress p;
  uint64_t synced = 0;

  if (jobs < 4)
    jobs = 4;
  if (jobs > 256)
    jobs = 256;
  r->batch = BATCH_BYTES / r->root->chunk_size;
  if (r->batch < 1)
    r->batch = 1;
  /* Smaller batches when they would leave workers idle. */
  while (r->batch > 1 && r->nchunks / r->batch < (uint64_t)jobs * 4)
    r->batch /= 2;
  progress_start (&p, r->c->progress, "restore", r->root->volume_size);
  for (i = 0; i < jobs; i++) {
    atomic_fetch_add (&r->running, 1);
    if (pthread_create (&t[n], NULL, restore_worker, r) != 0) {
      atomic_fetch_sub (&r->running, 1);
      ox_error ("cannot create thread");
      r->failed = 1;
      break;
    }
    n++;
  }
  /* Meanwhile: progress, and make what is written durable as it goes
   * (the device flushes while the workers decode, not all at the end). */
  while (atomic_load (&r->running) > 0) {
    uint64_t done = atomic_load (&r->done_bytes);
    progress_update (&p, done);
    if (done - synced >= SYNC_BYTES) {
      /* An error is reported once per file: it must be caught here. */
      if (fdatasync (r->fd) == -1 && !r->failed) {
        ox_error ("fdatasync %s: %m", r->target);
        r->failed = 1;
      }
      synced = done;
    } else
      usleep (5000);
  }
  for (i = 0; i < n; i++)
    pthread_join (t[i], NULL);
  if (!r->failed)
    progress_update (&p, r->root->volume_size);
  progress_end (&p);
  return r->failed ? -1 : 0;
}

int
cmd_restore (struct cli *c, int argc, char **argv)
{
  struct restore r;
  struct ox_root *root = NULL;
  char *tmp = NULL;
  double t0 = progress_now ();
  int status = 1;
  struct ox_lease *lease = NULL;

  if (argc != 3) {
    ox_error ("usage: oxsnap restore STORE VOLUME[@ID|:TAG] TARGET");
    return 2;
  }
  memset (&r, 0, sizeof r);
  r.c = c;
  r.fd = -1;
  r.dfd = -1;
  r.target = argv[2];
  if (cli_open_store (c, argv[0]) == -1
      || ox_snapshot_resolve (c->store, &c->keys, &c->hw, argv[1], &root)
             == -1)
    goto out;
  if (ox_basis_open (c->store, &c->keys, root, &r.basis) == -1) {
    root = NULL; /* the basis took it over */
    goto out;
  }
  root = NULL;
  r.root = ox_basis_root (r.basis);
  /* Pin the snapshot, so that garbage collection keeps its objects should
   * it be forgotten meanwhile; without a lease (a read-only store) the
   * restore still runs. */
  if (ox_lease_take (c->store, "restore", r.root, &lease) == -1)
    ox_warning ("restoring without a lease: a garbage collection of %s "
                "now could remove what this restore reads",
                argv[0]);
  r.nchunks = ox_root_nchunks (r.root);
  if (open_target (&r, &tmp) == -1 || run_workers (&r) == -1
      || finish_target (&r, tmp) == -1)
    goto out;
  if (!c->quiet) {
    char a[32];
    double secs = progress_now () - t0;
    fprintf (stderr,
             "oxsnap: restored %s@%016" PRIx64 " (%s) to %s in %.2f s, "
             "%.1f MB/s\n",
             r.root->volume, r.root->snapshot_id,
             ox_format_size (r.root->volume_size, a, sizeof a), r.target, secs,
             r.root->volume_size / 1e6 / (secs > 1e-6 ? secs : 1e-6));
  }
  status = 0;
out:
  if (r.dfd >= 0)
    close (r.dfd);
  if (r.fd >= 0)
    close (r.fd);
  if (status != 0 && tmp) {
    unlink (tmp);
    ox_error ("restore failed; %s was not written", r.target);
  } else if (status != 0 && r.is_blk)
    ox_error ("restore failed; the contents of %s are incomplete", r.target);
  free (tmp);
  ox_lease_drop (lease);
  ox_root_free (root);
  ox_basis_close (r.basis);
  return status;
}
