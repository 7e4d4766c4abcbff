/* ox: the local copy-on-write overlay of a clone (see overlay.h). */
#include "overlay.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "hex.h"
#include "keys.h"
#include "log.h"
#include "names.h"

#define MAP_PAGE OX_OV_MAP_PAGE
#define WORDS_PER_PAGE (MAP_PAGE / 8)

/* A persistent bit map, one bit per block: the block map ("map": local
 * blocks) or, from format version 2, the written map ("written": blocks
 * the client wrote, a subset of the local ones in memory). */
struct bitfile {
  const char *name; /* OX_OVMAP_NAME or OX_OVWRITTEN_NAME */
  int fd;
  uint64_t *bits;  /* atomic words */
  uint64_t *dirty; /* 1 bit per page changed since the last flush */
};

struct overlay {
  char *dir;
  int dir_fd, data_fd;
  uint64_t size, nblocks;
  size_t nwords; /* of each map: = map_len / 8 */
  size_t npages; /* of each map */
  struct bitfile map, written;
  int data_dirty; /* atomic: written since the last flush */
  pthread_mutex_t flush_lock;
  int failed;             /* a sync failed: later flushes fail too */
  struct ox_ovheader pin; /* as in the header (guarded by flush_lock) */
};

/* ---- the header file ---------------------------------------------- */

/* Read and parse the header in directory DIR_FD (DIR is its path, for
 * messages) into *PIN. Returns 1 when read, 0 when there is no header,
 * -1 on error (reported). */
static int
header_read (int dir_fd, const char *dir, struct ox_ovheader *pin)
{
  CLEANUP_CLOSE int fd
      = openat (dir_fd, OX_OVHEADER_NAME, O_RDONLY | O_CLOEXEC);
  char what[PATH_MAX + sizeof OX_OVHEADER_NAME + 1];
  CLEANUP_FREE char *text = NULL;
  ssize_t r;

  snprintf (what, sizeof what, "%s/" OX_OVHEADER_NAME, dir);
  if (fd < 0) {
    if (errno == ENOENT)
      return 0;
    ox_error ("%s: %m", what);
    return -1;
  }
  /* One byte more than a header may have, so that the parser sees and
   * refuses a longer one. */
  text = malloc (OX_OVHEADER_MAX + 1);
  if (text == NULL) {
    ox_error ("%s: %m", what);
    return -1;
  }
  r = ox_read_full (fd, text, OX_OVHEADER_MAX + 1);
  if (r < 0) {
    ox_error ("%s: read: %m", what);
    return -1;
  }
  return ox_ovheader_parse (what, text, (size_t)r, pin) == 0 ? 1 : -1;
}

/* Write the header for PIN atomically (temporary file, fsync, rename,
 * fsync of the directory). Returns 0 or -1 (reported). */
static int
header_write (int dir_fd, const char *dir, const struct ox_ovheader *pin)
{
  CLEANUP_FREE char *text = malloc (OX_OVHEADER_MAX);
  const struct ox_write_opts o = { .tmp = OX_OVHEADER_TMP, .mode = 0600 };
  const char *step;
  size_t len;

  if (text == NULL) {
    ox_error ("%s/" OX_OVHEADER_NAME ": %m", dir);
    return -1;
  }
  if (ox_ovheader_format (pin, text, OX_OVHEADER_MAX, &len) == -1)
    return -1;
  if (ox_write_file_atomic (dir_fd, OX_OVHEADER_NAME, text, len, &o, &step)
      == -1) {
    ox_error ("%s/" OX_OVHEADER_NAME ": %s: %m", dir, step);
    return -1;
  }
  return 0;
}

/* ---- opening and creating ------------------------------------------ */

/* Create the missing parent directories of DIR, as mkdir -p does (mode
 * 0777 less the umask), so that overlay=/var/lib/ox/vm1 works on a fresh
 * machine. The overlay directory itself is made by dir_open. */
static int
mkdir_parents (const char *dir)
{
  char path[PATH_MAX];
  size_t len = strlen (dir);

  if (len >= sizeof path) {
    ox_error ("overlay directory %s: path too long", dir);
    return -1;
  }
  memcpy (path, dir, len + 1);
  while (len > 1 && path[len - 1] == '/') /* trailing slashes */
    path[--len] = '\0';
  for (char *p = path + 1; (p = strchr (p, '/')) != NULL; p++) {
    if (p[-1] == '/')
      continue;
    *p = '\0';
    if (mkdir (path, 0777) == -1 && errno != EEXIST) {
      ox_error ("cannot create %s, a parent of the overlay directory %s: %m",
                path, dir);
      return -1;
    }
    *p = '/';
  }
  return 0;
}

/* Open DIR, creating it (mode 0700) and its missing parents when CREATE. */
static int
dir_open (const char *dir, int create)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0 || errno != ENOENT || !create) {
    if (fd < 0 && (errno != ENOENT || create))
      ox_error ("overlay directory %s: %m", dir);
    return fd;
  }
  if (mkdir_parents (dir) == -1)
    return -1;
  if (mkdir (dir, 0700) == -1 && errno != EEXIST) {
    ox_error ("cannot create overlay directory %s: %m", dir);
    return -1;
  }
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    ox_error ("overlay directory %s: %m", dir);
  return fd;
}

int
overlay_probe (const char *dir, struct ox_ovheader *pin)
{
  CLEANUP_CLOSE int fd = dir_open (dir, 0);
  if (fd < 0)
    return errno == ENOENT ? 0 : -1;
  return header_read (fd, dir, pin);
}

/* Refuse a directory that holds anything but leftovers of an interrupted
 * creation (data, map, written, the temporary header). */
static int
dir_check_empty (int dir_fd, const char *dir)
{
  int fd = dup (dir_fd);
  DIR *d;
  struct dirent *e;
  int ret = 0;

  if (fd < 0 || (d = fdopendir (fd)) == NULL) {
    ox_error ("overlay directory %s: %m", dir);
    if (fd >= 0)
      close (fd);
    return -1;
  }
  rewinddir (d);
  while ((e = readdir (d)) != NULL) {
    const char *n = e->d_name;
    if (strcmp (n, ".") == 0 || strcmp (n, "..") == 0
        || strcmp (n, "data") == 0 || strcmp (n, "map") == 0
        || strcmp (n, OX_OVWRITTEN_NAME) == 0
        || strcmp (n, OX_OVHEADER_TMP) == 0)
      continue;
    ox_error ("%s holds other files (such as \"%s\") but no " OX_OVHEADER_NAME
              ": it is not an ox overlay; refusing to use it",
              dir, n);
    ret = -1;
    break;
  }
  closedir (d);
  return ret;
}

/* Create (or truncate) a file of LEN bytes; ALLOCATE reserves its space. */
static int
file_create (int dir_fd, const char *dir, const char *name, uint64_t len,
             int allocate)
{
  int fd, r;

  fd = openat (dir_fd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    ox_error ("%s/%s: %m", dir, name);
    return -1;
  }
  if (ftruncate (fd, len) == -1) {
    ox_error ("%s/%s: ftruncate: %m", dir, name);
    close (fd);
    return -1;
  }
  if (allocate && (r = posix_fallocate (fd, 0, len)) != 0) {
    errno = r;
    ox_error ("%s/%s: allocating %" PRIu64 " bytes: %m", dir, name, len);
    close (fd);
    return -1;
  }
  if (fsync (fd) == -1) {
    ox_error ("%s/%s: fsync: %m", dir, name);
    close (fd);
    return -1;
  }
  return fd;
}

/* Create a fresh overlay for PIN in the (empty) directory. */
static int
overlay_create (struct overlay *ov, const struct ox_ovheader *pin)
{
  ov->data_fd = file_create (ov->dir_fd, ov->dir, "data", pin->volume_size, 0);
  if (ov->data_fd < 0)
    return -1;
  ov->map.fd = file_create (ov->dir_fd, ov->dir, "map",
                            ox_ovmap_len (pin->volume_size), 1);
  if (ov->map.fd < 0)
    return -1;
  ov->written.fd = file_create (ov->dir_fd, ov->dir, OX_OVWRITTEN_NAME,
                                ox_ovmap_len (pin->volume_size), 1);
  if (ov->written.fd < 0)
    return -1;
  if (header_write (ov->dir_fd, ov->dir, pin) == -1)
    return -1;
  ox_debug ("created overlay %s for %s@%016" PRIx64, ov->dir, pin->volume,
            pin->snapshot_id);
  return 0;
}

/* Check that the overlay's pin HAVE matches what the caller wants. */
static int
pin_check (const char *dir, const struct ox_ovheader *have,
           const struct ox_ovheader *want)
{
  char h[OX_STORE_ID_LEN * 2 + 1], w[OX_STORE_ID_LEN * 2 + 1];

  if (memcmp (have->store_id, want->store_id, OX_STORE_ID_LEN) != 0) {
    ox_hex (have->store_id, OX_STORE_ID_LEN, h);
    ox_hex (want->store_id, OX_STORE_ID_LEN, w);
    ox_error ("overlay %s belongs to store %s (id %s), not to the store %s "
              "(id %s)",
              dir, have->store_url, h, want->store_url, w);
    return -1;
  }
  if (strcmp (have->volume, want->volume) != 0
      || have->snapshot_id != want->snapshot_id) {
    ox_error ("overlay %s is a clone of %s@%016" PRIx64
              ", not of %s@%016" PRIx64 "; use another overlay directory",
              dir, have->volume, have->snapshot_id, want->volume,
              want->snapshot_id);
    return -1;
  }
  if (memcmp (have->root_digest, want->root_digest, OX_ID_LEN) != 0
      || have->volume_size != want->volume_size
      || have->chunk_size != want->chunk_size) {
    ox_error ("overlay %s was made from a different snapshot named "
              "%s@%016" PRIx64 " (manifest digest or geometry differs)",
              dir, have->volume, have->snapshot_id);
    return -1;
  }
  if (strcmp (have->store_url, want->store_url) != 0)
    ox_debug ("overlay %s: store moved from %s to %s", dir, have->store_url,
              want->store_url);
  return 0;
}

/* Open an existing file NAME that must have LEN bytes. */
static int
file_open (int dir_fd, const char *dir, const char *name, uint64_t len)
{
  struct stat st;
  int fd = openat (dir_fd, name, O_RDWR | O_CLOEXEC);

  if (fd < 0) {
    ox_error ("%s/%s: %m", dir, name);
    return -1;
  }
  if (fstat (fd, &st) == -1) {
    ox_error ("%s/%s: fstat: %m", dir, name);
    close (fd);
    return -1;
  }
  if (!S_ISREG (st.st_mode) || (uint64_t)st.st_size != len) {
    ox_error ("%s/%s: corrupt overlay: expected a file of %" PRIu64
              " bytes, found %" PRIu64,
              dir, name, len, (uint64_t)st.st_size);
    close (fd);
    return -1;
  }
  return fd;
}

/* Read the file of BF into its in-memory bits. */
static int
bits_load (struct overlay *ov, struct bitfile *bf)
{
  size_t len = ov->nwords * 8;
  ssize_t r = ox_pread_full (bf->fd, bf->bits, len, 0);

  if (r < 0 || (size_t)r < len) {
    if (r >= 0)
      errno = EIO;
    ox_error ("%s/%s: read: %m", ov->dir, bf->name);
    return -1;
  }
  /* In place, to host order; bits past the last block mean nothing and
   * are cleared. */
  ox_ovmap_decode (bf->bits, len, 0, ov->nblocks, bf->bits);
  return 0;
}

/* Upgrade a version 1 overlay (FORMAT.md 8): its written map is a copy of
 * its block map (every local block counts as written: safe, only slower
 * to snapshot), made durable before the header says version 2. A crash
 * before the header is replaced leaves version 1, upgraded again. */
static int
overlay_upgrade (struct overlay *ov, struct ox_ovheader *pin)
{
  uint64_t len = ox_ovmap_len (pin->volume_size);
  CLEANUP_FREE uint64_t *copy = malloc (len);

  if (copy == NULL) {
    ox_error ("%s: out of memory", ov->dir);
    return -1;
  }
  memcpy (copy, ov->map.bits, len);
  ox_ovmap_encode (copy, len / 8, copy);
  ov->written.fd
      = file_create (ov->dir_fd, ov->dir, OX_OVWRITTEN_NAME, len, 1);
  if (ov->written.fd < 0)
    return -1;
  if (ox_pwrite_full (ov->written.fd, copy, len, 0) == -1
      || fdatasync (ov->written.fd) == -1) {
    ox_error ("%s/" OX_OVWRITTEN_NAME ": %m", ov->dir);
    return -1;
  }
  memcpy (ov->written.bits, ov->map.bits, len);
  pin->version = 2;
  if (header_write (ov->dir_fd, ov->dir, pin) == -1)
    return -1;
  ox_debug ("overlay %s: upgraded from format version 1 to 2", ov->dir);
  return 0;
}

/* Open the files of an overlay pinned to PIN (its header's), and upgrade
 * it to the current format version. */
static int
overlay_reopen (struct overlay *ov, struct ox_ovheader *pin)
{
  uint64_t len = ox_ovmap_len (pin->volume_size);

  ov->data_fd = file_open (ov->dir_fd, ov->dir, "data", pin->volume_size);
  if (ov->data_fd < 0)
    return -1;
  ov->map.fd = file_open (ov->dir_fd, ov->dir, "map", len);
  if (ov->map.fd < 0 || bits_load (ov, &ov->map) == -1)
    return -1;
  if (pin->version < 2)
    return overlay_upgrade (ov, pin);
  ov->written.fd = file_open (ov->dir_fd, ov->dir, OX_OVWRITTEN_NAME, len);
  if (ov->written.fd < 0)
    return -1;
  return bits_load (ov, &ov->written);
}

/* Allocate the in-memory state for a volume of SIZE bytes. */
static struct overlay *
overlay_alloc (const char *dir, uint64_t size)
{
  struct overlay *ov = calloc (1, sizeof *ov);
  uint64_t map_len = ox_ovmap_len (size);

  if (ov == NULL)
    return NULL;
  ov->dir_fd = ov->data_fd = ov->map.fd = ov->written.fd = -1;
  ov->map.name = OX_OVMAP_NAME;
  ov->written.name = OX_OVWRITTEN_NAME;
  ov->size = size;
  ov->nblocks = ox_ovmap_nblocks (size);
  ov->nwords = map_len / 8;
  ov->npages = map_len / MAP_PAGE;
  ov->dir = strdup (dir);
  ov->map.bits = calloc (ov->nwords, 8);
  ov->map.dirty = calloc ((ov->npages + 63) / 64, 8);
  ov->written.bits = calloc (ov->nwords, 8);
  ov->written.dirty = calloc ((ov->npages + 63) / 64, 8);
  pthread_mutex_init (&ov->flush_lock, NULL);
  if (ov->dir == NULL || ov->map.bits == NULL || ov->map.dirty == NULL
      || ov->written.bits == NULL || ov->written.dirty == NULL) {
    overlay_close (ov);
    return NULL;
  }
  return ov;
}

int
overlay_open (const char *dir, const struct ox_ovheader *pin,
              struct overlay **out)
{
  struct overlay *ov;
  struct ox_ovheader have;
  int r;

  if (pin->volume_size == 0 || pin->volume_size > (UINT64_C (1) << 62)) {
    ox_error ("overlay %s: unsupported volume size %" PRIu64, dir,
              pin->volume_size);
    return -1;
  }
  ov = overlay_alloc (dir, pin->volume_size);
  if (ov == NULL) {
    ox_error ("overlay %s: out of memory for the block map: %m", dir);
    return -1;
  }
  ov->dir_fd = dir_open (dir, 1);
  if (ov->dir_fd < 0)
    goto err;
  if (flock (ov->dir_fd, LOCK_EX | LOCK_NB) == -1) {
    if (errno == EWOULDBLOCK)
      ox_error ("overlay %s is in use by another process", dir);
    else
      ox_error ("overlay %s: flock: %m", dir);
    goto err;
  }
  r = header_read (ov->dir_fd, dir, &have);
  if (r < 0)
    goto err;
  if (r == 0) {
    if (dir_check_empty (ov->dir_fd, dir) == -1
        || overlay_create (ov, pin) == -1)
      goto err;
    ov->pin = *pin;
    ov->pin.complete = 0;
  } else {
    if (pin_check (dir, &have, pin) == -1 || overlay_reopen (ov, &have) == -1)
      goto err;
    ov->pin = have;
    if (have.complete && overlay_count_local (ov) != ov->nblocks) {
      ox_error ("overlay %s: corrupt overlay: the header says it is "
                "complete but %" PRIu64 " blocks are not local",
                dir, ov->nblocks - overlay_count_local (ov));
      goto err;
    }
  }
  *out = ov;
  return 0;

err:
  overlay_close (ov);
  return -1;
}

void
overlay_close (struct overlay *ov)
{
  if (ov == NULL)
    return;
  if (ov->data_fd >= 0)
    close (ov->data_fd);
  if (ov->map.fd >= 0)
    close (ov->map.fd);
  if (ov->written.fd >= 0)
    close (ov->written.fd);
  if (ov->dir_fd >= 0)
    close (ov->dir_fd); /* releases the lock */
  pthread_mutex_destroy (&ov->flush_lock);
  free (ov->map.bits);
  free (ov->map.dirty);
  free (ov->written.bits);
  free (ov->written.dirty);
  free (ov->dir);
  free (ov);
}

const char *
overlay_dir (const struct overlay *ov)
{
  return ov->dir;
}

const struct ox_ovheader *
overlay_get_pin (const struct overlay *ov)
{
  return &ov->pin;
}

int
overlay_complete (const struct overlay *ov)
{
  return __atomic_load_n (&ov->pin.complete, __ATOMIC_ACQUIRE);
}

uint64_t
overlay_size (const struct overlay *ov)
{
  return ov->size;
}

uint64_t
overlay_nblocks (const struct overlay *ov)
{
  return ov->nblocks;
}

/* ---- the bitmap ---------------------------------------------------- */

int
overlay_is_local (const struct overlay *ov, uint64_t blk)
{
  uint64_t w = __atomic_load_n (&ov->map.bits[blk / 64], __ATOMIC_ACQUIRE);
  return (w >> (blk % 64)) & 1;
}

uint64_t
overlay_run (const struct overlay *ov, uint64_t blk, uint64_t max, int local)
{
  uint64_t n = 0;

  if (blk >= ov->nblocks)
    return 0;
  if (max > ov->nblocks - blk)
    max = ov->nblocks - blk;
  while (n < max) {
    uint64_t i = blk + n;
    unsigned shift = i % 64, avail = 64 - shift;
    uint64_t w = __atomic_load_n (&ov->map.bits[i / 64], __ATOMIC_ACQUIRE);
    unsigned ones;

    if (!local)
      w = ~w;
    w >>= shift; /* the top SHIFT bits are now 0 */
    ones = ~w ? (unsigned)__builtin_ctzll (~w) : 64;
    if (ones >= avail)
      n += avail;
    else {
      n += ones;
      break;
    }
  }
  return n < max ? n : max;
}

uint64_t
overlay_count_local (const struct overlay *ov)
{
  uint64_t n = 0;
  for (size_t i = 0; i < ov->nwords; i++)
    n += __builtin_popcountll (
        __atomic_load_n (&ov->map.bits[i], __ATOMIC_RELAXED));
  return n;
}

/* Set the bits of blocks [BLK, BLK+N) in BF, and the dirty bits of the
 * pages that changed. */
static void
bits_mark (struct overlay *ov, struct bitfile *bf, uint64_t blk, uint64_t n)
{
  if (blk >= ov->nblocks)
    return;
  if (n > ov->nblocks - blk)
    n = ov->nblocks - blk;
  while (n > 0) {
    unsigned shift = blk % 64;
    unsigned cnt = n < 64 - shift ? n : 64 - shift;
    uint64_t mask
        = (cnt == 64 ? ~UINT64_C (0) : ((UINT64_C (1) << cnt) - 1) << shift);
    size_t word = blk / 64;
    uint64_t old = __atomic_fetch_or (&bf->bits[word], mask, __ATOMIC_RELEASE);

    if ((old & mask) != mask) {
      size_t page = word / WORDS_PER_PAGE;
      __atomic_fetch_or (&bf->dirty[page / 64], UINT64_C (1) << (page % 64),
                         __ATOMIC_RELEASE);
    }
    blk += cnt, n -= cnt;
  }
}

void
overlay_mark_local (struct overlay *ov, uint64_t blk, uint64_t n)
{
  bits_mark (ov, &ov->map, blk, n);
}

void
overlay_mark_written (struct overlay *ov, uint64_t blk, uint64_t n)
{
  /* Written before local: a flush copies the block map first, so every
   * local bit it copies for a write has its written bit copied too. */
  bits_mark (ov, &ov->written, blk, n);
  bits_mark (ov, &ov->map, blk, n);
}

int
overlay_is_written (const struct overlay *ov, uint64_t blk)
{
  uint64_t w = __atomic_load_n (&ov->written.bits[blk / 64], __ATOMIC_ACQUIRE);
  return (w >> (blk % 64)) & 1;
}

/* ---- data I/O ------------------------------------------------------ */

int
overlay_pread (struct overlay *ov, void *buf, size_t count, uint64_t offset)
{
  ssize_t r = ox_pread_full (ov->data_fd, buf, count, offset);

  if (r < 0) {
    ox_error ("%s/data: read at %" PRIu64 ": %m", ov->dir, offset);
    return -1;
  }
  if ((size_t)r < count) { /* never expected: the file has the size */
    errno = EIO;
    ox_error ("%s/data: unexpected end of file at %" PRIu64, ov->dir,
              offset + (uint64_t)r);
    return -1;
  }
  return 0;
}

int
overlay_pwrite (struct overlay *ov, const void *buf, size_t count,
                uint64_t offset)
{
  __atomic_store_n (&ov->data_dirty, 1, __ATOMIC_RELEASE);
  if (ox_pwrite_full (ov->data_fd, buf, count, offset) == -1) {
    ox_error ("%s/data: write of %zu bytes at %" PRIu64 ": %m", ov->dir, count,
              offset);
    return -1;
  }
  return 0;
}

int
overlay_pwrite_bulk (struct overlay *ov, const void *buf, size_t count,
                     uint64_t offset)
{
  if (overlay_pwrite (ov, buf, count, offset) == -1)
    return -1;
  /* Write the range back now and wait for it, then drop it from the page
   * cache. Not O_DIRECT: mixed with buffered client writes in the same
   * large folio, direct I/O can leave stale cached data behind. A
   * writeback error reported here is not reported again by the next fsync
   * of this file, and may belong to a client's write in the same pages: so
   * it poisons the overlay like a failed fsync. */
  if (sync_file_range (ov->data_fd, (off_t)offset, (off_t)count,
                       SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                           | SYNC_FILE_RANGE_WAIT_AFTER)
      == -1) {
    if (errno == EIO || errno == ENOSPC) {
      ox_error ("%s/data: writeback of %zu bytes at %" PRIu64 ": %m", ov->dir,
                count, offset);
      __atomic_store_n (&ov->failed, 1, __ATOMIC_RELEASE);
      return -1;
    }
    return 0; /* not supported here: the data stays cached */
  }
  (void)posix_fadvise (ov->data_fd, (off_t)offset, (off_t)count,
                       POSIX_FADV_DONTNEED);
  return 0;
}

int
overlay_punch (struct overlay *ov, uint64_t offset, uint64_t count)
{
  static const char zeros[65536];

  __atomic_store_n (&ov->data_dirty, 1, __ATOMIC_RELEASE);
  if (fallocate (ov->data_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                 offset, count)
      == 0)
    return 0;
  if (errno != EOPNOTSUPP && errno != ENOSYS) {
    ox_error ("%s/data: punching %" PRIu64 " bytes at %" PRIu64 ": %m",
              ov->dir, count, offset);
    return -1;
  }
  while (count > 0) {
    size_t n = count < sizeof zeros ? count : sizeof zeros;
    if (overlay_pwrite (ov, zeros, n, offset) == -1)
      return -1;
    offset += n, count -= n;
  }
  return 0;
}

int
overlay_alloc_run (struct overlay *ov, uint64_t offset, uint64_t end,
                   int *allocated, uint64_t *len)
{
  off_t d = lseek (ov->data_fd, offset, SEEK_DATA), h;

  if (d == -1 && errno == ENXIO)
    d = end; /* only a hole up to the end of the file */
  else if (d == -1) {
    ox_error ("%s/data: SEEK_DATA at %" PRIu64 ": %m", ov->dir, offset);
    return -1;
  }
  if ((uint64_t)d > offset) {
    *allocated = 0;
    *len = ((uint64_t)d < end ? (uint64_t)d : end) - offset;
    return 0;
  }
  h = lseek (ov->data_fd, offset, SEEK_HOLE);
  if (h == -1) {
    ox_error ("%s/data: SEEK_HOLE at %" PRIu64 ": %m", ov->dir, offset);
    return -1;
  }
  *allocated = 1;
  *len = ((uint64_t)h < end ? (uint64_t)h : end) - offset;
  if (*len == 0) /* a race with a concurrent write: call it data */
    *len = end - offset;
  return 0;
}

/* ---- flush --------------------------------------------------------- */

int
overlay_dirty (const struct overlay *ov)
{
  if (__atomic_load_n (&ov->data_dirty, __ATOMIC_ACQUIRE))
    return 1;
  for (size_t i = 0; i < (ov->npages + 63) / 64; i++)
    if (__atomic_load_n (&ov->map.dirty[i], __ATOMIC_ACQUIRE)
        || __atomic_load_n (&ov->written.dirty[i], __ATOMIC_ACQUIRE))
      return 1;
  return 0;
}

/* The pages of one map that a flush writes: their numbers, and a copy of
 * each (little-endian). */
struct page_copy {
  size_t *pages;
  uint8_t *copy;
  size_t n;
};

/* Take the list of changed pages of BF, clearing their dirty bits, and
 * copy them into *PC. */
static int
bits_snapshot (struct overlay *ov, struct bitfile *bf, struct page_copy *pc)
{
  size_t cap = 0;

  pc->n = 0, pc->pages = NULL, pc->copy = NULL;
  for (size_t i = 0; i < (ov->npages + 63) / 64; i++) {
    uint64_t d = __atomic_exchange_n (&bf->dirty[i], 0, __ATOMIC_ACQ_REL);
    while (d) {
      size_t page = i * 64 + __builtin_ctzll (d);
      d &= d - 1;
      if (pc->n == cap) {
        size_t ncap = cap ? cap * 2 : 16;
        size_t *np = realloc (pc->pages, ncap * sizeof *pc->pages);
        uint8_t *nc = np ? realloc (pc->copy, ncap * MAP_PAGE) : NULL;
        if (np)
          pc->pages = np;
        if (nc == NULL) {
          /* Give back the pages of this word not taken yet. */
          __atomic_fetch_or (&bf->dirty[i], d | UINT64_C (1) << (page % 64),
                             __ATOMIC_RELEASE);
          ox_error ("%s/%s: out of memory", ov->dir, bf->name);
          return -1;
        }
        pc->copy = nc, cap = ncap;
      }
      pc->pages[pc->n] = page;
      {
        uint64_t *words = (uint64_t *)(pc->copy + pc->n * MAP_PAGE);
        for (size_t w = 0; w < WORDS_PER_PAGE; w++)
          words[w] = __atomic_load_n (&bf->bits[page * WORDS_PER_PAGE + w],
                                      __ATOMIC_ACQUIRE);
        ox_ovmap_encode (words, WORDS_PER_PAGE, words); /* in place */
      }
      pc->n++;
    }
  }
  return 0;
}

/* Mark the pages of PC dirty again in BF after a failed flush. */
static void
bits_redirty (struct bitfile *bf, const struct page_copy *pc)
{
  for (size_t i = 0; i < pc->n; i++)
    __atomic_fetch_or (&bf->dirty[pc->pages[i] / 64],
                       UINT64_C (1) << (pc->pages[i] % 64), __ATOMIC_RELEASE);
}

/* Write the pages of PC to the file of BF and make them durable. */
static int
bits_write (struct overlay *ov, struct bitfile *bf, const struct page_copy *pc)
{
  for (size_t i = 0; i < pc->n; i++)
    if (ox_pwrite_full (bf->fd, pc->copy + i * MAP_PAGE, MAP_PAGE,
                        (uint64_t)pc->pages[i] * MAP_PAGE)
        == -1) {
      ox_error ("%s/%s: write: %m", ov->dir, bf->name);
      return -1;
    }
  if (pc->n > 0 && fdatasync (bf->fd) == -1) {
    ox_error ("%s/%s: fdatasync: %m", ov->dir, bf->name);
    return -1;
  }
  return 0;
}

/* The flush itself, with FLUSH_LOCK held (FORMAT.md 8, the ordering
 * rule): data, then the written map, then the block map. */
static int
flush_locked (struct overlay *ov)
{
  struct page_copy m = { 0 }, w = { 0 };
  int r = -1;

  if (__atomic_load_n (&ov->failed, __ATOMIC_ACQUIRE)) {
    errno = EIO;
    ox_error ("%s: an earlier sync failed; the overlay cannot be made "
              "durable",
              ov->dir);
    return -1;
  }
  __atomic_store_n (&ov->data_dirty, 0, __ATOMIC_RELEASE);
  /* Bits in the copies were set after their data was written, so the data
   * is covered by the fsync below. The block map is copied first: a local
   * bit of a write is set after its written bit (overlay_mark_written). */
  if (bits_snapshot (ov, &ov->map, &m) == -1
      || bits_snapshot (ov, &ov->written, &w) == -1) {
    bits_redirty (&ov->map, &m);
    bits_redirty (&ov->written, &w);
    __atomic_store_n (&ov->data_dirty, 1, __ATOMIC_RELEASE);
    errno = ENOMEM;
    goto out;
  }
  if (fsync (ov->data_fd) == -1) {
    ox_error ("%s/data: fsync: %m", ov->dir);
    goto failed;
  }
  if (bits_write (ov, &ov->written, &w) == -1
      || bits_write (ov, &ov->map, &m) == -1)
    goto failed;
  r = 0;
  goto out;

failed:
  __atomic_store_n (&ov->failed, 1, __ATOMIC_RELEASE);
  errno = EIO;
out:
  free (m.pages);
  free (m.copy);
  free (w.pages);
  free (w.copy);
  return r;
}

int
overlay_flush (struct overlay *ov)
{
  int r;
  pthread_mutex_lock (&ov->flush_lock);
  r = flush_locked (ov);
  pthread_mutex_unlock (&ov->flush_lock);
  return r;
}

int
overlay_set_complete (struct overlay *ov)
{
  struct ox_ovheader pin;
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&ov->flush_lock);

  if (ov->pin.complete)
    return 0;
  if (overlay_count_local (ov) != ov->nblocks) {
    errno = EINVAL;
    ox_error ("overlay %s is not complete yet", ov->dir);
    return -1;
  }
  /* The map must say "all local" durably before the header does. */
  if (flush_locked (ov) == -1)
    return -1;
  pin = ov->pin;
  pin.complete = 1;
  if (header_write (ov->dir_fd, ov->dir, &pin) == -1)
    return -1;
  __atomic_store_n (&ov->pin.complete, 1, __ATOMIC_RELEASE);
  return 0;
}
