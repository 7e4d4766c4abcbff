/* oxsnap restore: write a snapshot back to a file or block device.
 *
 * Workers fetch, verify and decode chunks in parallel and write them at
 * their offsets. A file target is written under a temporary name and
 * renamed into place only when complete and durable, so a failed restore
 * never leaves a file that looks whole; ZERO chunks stay holes. A block
 * device is written in place, ZERO chunks as zeros.
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
#include <sys/stat.h>
#include <unistd.h>

#include "basis.h"
#include "cli.h"
#include "log.h"
#include "names.h"
#include "progress.h"
#include "units.h"

struct restore {
  struct cli *c;
  struct ox_basis *basis;
  const struct ox_root *root;
  const char *target;
  int fd;
  int is_blk;
  uint64_t nchunks;
  atomic_uint_fast64_t next;
  atomic_uint_fast64_t done_bytes;
  atomic_int failed;
  atomic_int running;
};

static int
write_all (struct restore *r, const void *buf, size_t len, uint64_t off)
{
  const char *p = buf;

  while (len > 0) {
    ssize_t n = pwrite (r->fd, p, len, (off_t)off);
    if (n == -1) {
      if (errno == EINTR)
        continue;
      ox_error ("write error on %s at offset %" PRIu64 ": %m", r->target, off);
      return -1;
    }
    p += n;
    len -= (size_t)n;
    off += (uint64_t)n;
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

static void *
restore_worker (void *arg)
{
  struct restore *r = arg;
  uint32_t cs = r->root->chunk_size;
  void *buf = malloc (cs);
  void *zeros = r->is_blk ? calloc (1, cs) : NULL;
  struct ox_codec *codec = ox_codec_new (0);

  if (!buf || !codec || (r->is_blk && !zeros)) {
    ox_error ("out of memory");
    r->failed = 1;
    goto out;
  }
  while (!r->failed) {
    uint64_t idx = atomic_fetch_add (&r->next, 1);
    struct ox_chunk_loc loc;
    size_t len;

    if (idx >= r->nchunks)
      break;
    if (ox_basis_lookup (r->basis, idx, &loc) == -1) {
      r->failed = 1;
      break;
    }
    if (loc.zero) {
      if (r->is_blk && zero_blk (r, zeros, idx * cs, loc.plain_len) == -1) {
        r->failed = 1;
        break;
      }
      len = loc.plain_len;
    } else if (ox_basis_read_chunk (r->basis, codec, idx, buf, &len) == -1
               || write_all (r, buf, len, idx * cs) == -1) {
      r->failed = 1;
      break;
    }
    atomic_fetch_add (&r->done_bytes, len);
  }
out:
  atomic_fetch_sub (&r->running, 1);
  ox_codec_free (codec);
  free (zeros);
  free (buf);
  return NULL;
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
    char *dir = strdup (r->target), *slash;
    int dfd;
    if (!dir) {
      ox_error ("out of memory");
      return -1;
    }
    if (rename (tmp, r->target) == -1) {
      ox_error ("rename %s to %s: %m", tmp, r->target);
      free (dir);
      return -1;
    }
    slash = strrchr (dir, '/');
    if (slash)
      slash[slash == dir ? 1 : 0] = '\0';
    dfd = open (slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      fsync (dfd);
      close (dfd);
    }
    free (dir);
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

  if (jobs < 4)
    jobs = 4;
  if (jobs > 256)
    jobs = 256;
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
  while (atomic_load (&r->running) > 0) {
    progress_update (&p, atomic_load (&r->done_bytes));
    usleep (20000);
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

  if (argc != 3) {
    ox_error ("usage: oxsnap restore STORE VOLUME[@ID|:TAG] TARGET");
    return 2;
  }
  memset (&r, 0, sizeof r);
  r.c = c;
  r.fd = -1;
  r.target = argv[2];
  if (cli_open_store (c, argv[0]) == -1
      || ox_snapshot_resolve (c->store, &c->keys, argv[1], &root) == -1)
    goto out;
  if (ox_basis_open (c->store, &c->keys, root, &r.basis) == -1) {
    root = NULL; /* the basis took it over */
    goto out;
  }
  root = NULL;
  r.root = ox_basis_root (r.basis);
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
  if (r.fd >= 0)
    close (r.fd);
  if (status != 0 && tmp) {
    unlink (tmp);
    ox_error ("restore failed; %s was not written", r.target);
  } else if (status != 0 && r.is_blk)
    ox_error ("restore failed; the contents of %s are incomplete", r.target);
  free (tmp);
  ox_root_free (root);
  ox_basis_close (r.basis);
  return status;
}
