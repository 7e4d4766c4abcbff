/* ox: file I/O helpers (see fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t
ox_read_full (int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;

  while (done < len) {
    ssize_t r = read (fd, p + done, len - done);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0)
      break;
    done += (size_t)r;
  }
  return (ssize_t)done;
}

ssize_t
ox_pread_full (int fd, void *buf, size_t len, uint64_t offset)
{
  char *p = buf;
  size_t done = 0;

  while (done < len) {
    ssize_t r = pread (fd, p + done, len - done, (off_t)(offset + done));
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0)
      break;
    done += (size_t)r;
  }
  return (ssize_t)done;
}

int
ox_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;

  while (len > 0) {
    ssize_t r = write (fd, p, len);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0) {
      errno = EIO; /* would loop for ever */
      return -1;
    }
    p += r, len -= (size_t)r;
  }
  return 0;
}

int
ox_pwrite_full (int fd, const void *buf, size_t count, uint64_t offset)
{
  const char *p = buf;

  while (count > 0) {
    ssize_t r = pwrite (fd, p, count, (off_t)offset);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (r == 0) {
      errno = EIO;
      return -1;
    }
    p += r, count -= (size_t)r, offset += (uint64_t)r;
  }
  return 0;
}

size_t
ox_pwrite_direct (int dfd, const void *buf, size_t len, uint64_t offset,
                  size_t align)
{
  const char *p = buf;
  size_t alen = len - len % align, done = 0;

  errno = 0;
  while (done < alen) {
    ssize_t r = pwrite (dfd, p + done, alen - done, (off_t)(offset + done));
    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0) {
      if (r == 0)
        errno = EIO;
      break;
    }
    done += (size_t)r;
    /* O_DIRECT needs aligned offsets: the rest goes through the cache. */
    if (done % align) {
      errno = 0;
      break;
    }
  }
  return done;
}

int
ox_open_parent_dir (const char *path)
{
  const char *slash = strrchr (path, '/');
  char *dir;
  int fd, err;

  if (!slash)
    return open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (slash == path)
    return open ("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  dir = strndup (path, (size_t)(slash - path));
  if (!dir)
    return -1;
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  err = errno;
  free (dir);
  errno = err;
  return fd;
}

/* Create the temporary file for NAME in DIRFD: OPTS->tmp, or a new unique
 * name (put in TMP) that no other thread or process can pick. Clears
 * *DIRECT if the file system refuses O_DIRECT. Returns the fd or -1. */
static int
create_temp (int dirfd, const char *name, const struct ox_write_opts *o,
             char *tmp, size_t tmpsize, bool *direct)
{
  static _Atomic uint64_t counter;
  mode_t mode = o->mode ? o->mode : 0644;
  int attempt, fd = -1;

  for (attempt = 0; attempt < 100; attempt++) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (*direct ? O_DIRECT : 0);
    if (o->tmp) {
      if ((size_t)snprintf (tmp, tmpsize, "%s", o->tmp) >= tmpsize) {
        errno = ENAMETOOLONG;
        return -1;
      }
      flags |= O_TRUNC;
    } else {
      uint64_t r;
      if (getrandom (&r, sizeof r, GRND_NONBLOCK) != sizeof r)
        r = 0; /* the counter, pid and tid still make it unique */
      r ^= ++counter;
      if ((size_t)snprintf (tmp, tmpsize, "%s.tmp.%d.%d.%016" PRIx64, name,
                            (int)getpid (), (int)gettid (), r)
          >= tmpsize) {
        errno = ENAMETOOLONG;
        return -1;
      }
      flags |= O_EXCL;
    }
    fd = openat (dirfd, tmp, flags, mode);
    if (fd == -1 && errno == EINVAL && *direct) {
      *direct = false; /* no direct I/O on this file system */
      attempt--;
      continue;
    }
    if (fd >= 0 || errno != EEXIST || o->tmp)
      break;
  }
  return fd;
}

/* Write DATA to FD from offset 0: with DIRECT (FD has O_DIRECT), the
 * aligned part directly, then the rest (or all, if the file system
 * refuses direct I/O) through the page cache, which reports errors. */
static int
write_data (int fd, const void *data, size_t len, bool direct)
{
  size_t done = 0;

  if (direct) {
    int fl;
    done = ox_pwrite_direct (fd, data, len, 0, OX_DIRECT_ALIGN);
    fl = fcntl (fd, F_GETFL);
    if (fl == -1 || fcntl (fd, F_SETFL, fl & ~O_DIRECT) == -1)
      return -1;
  }
  return ox_pwrite_full (fd, (const char *)data + done, len - done, done);
}

/* Give the durable temporary file TMP the name NAME only if NAME does not
 * exist: link(2) fails with EEXIST rather than replace anything, which is
 * atomic on every POSIX file system, NFS included. Where hard links are
 * not supported, renameat2's RENAME_NOREPLACE gives the same guarantee.
 * The temporary name is gone afterwards. Returns 0 or -1 with errno. */
static int
link_new (int dirfd, const char *tmp, const char *name)
{
  int r = linkat (dirfd, tmp, dirfd, name, 0), err = errno;

  if (r == -1
      && (err == EPERM || err == EOPNOTSUPP || err == ENOSYS
          || err == EMLINK)) {
    r = renameat2 (dirfd, tmp, dirfd, name, RENAME_NOREPLACE);
    err = errno;
  }
  unlinkat (dirfd, tmp, 0);
  errno = err;
  return r;
}

int
ox_write_file_atomic (int dirfd, const char *name, const void *data,
                      size_t len, const struct ox_write_opts *opts,
                      const char **step)
{
  static const struct ox_write_opts defaults;
  const struct ox_write_opts *o = opts ? opts : &defaults;
  char tmp[PATH_MAX];
  bool direct = o->direct;
  int fd, err;

  *step = "create temporary file";
  fd = create_temp (dirfd, name, o, tmp, sizeof tmp, &direct);
  if (fd == -1)
    return -1;
  *step = "fchmod";
  if (o->exact_mode && fchmod (fd, o->mode) == -1)
    goto fail;
  *step = "write";
  if (write_data (fd, data, len, direct) == -1)
    goto fail;
  *step = "fdatasync";
  if (!o->no_sync && fdatasync (fd) == -1)
    goto fail;
  *step = "close";
  if (close (fd) == -1) {
    fd = -1;
    goto fail;
  }
  fd = -1;
  if (o->create_only) {
    *step = "link";
    if (link_new (dirfd, tmp, name) == -1)
      return -1;
  } else {
    *step = "rename";
    if (renameat (dirfd, tmp, dirfd, name) == -1)
      goto fail;
  }
  *step = "fsync directory";
  return o->no_sync ? 0 : fsync (dirfd);

fail:
  err = errno;
  if (fd >= 0)
    close (fd);
  unlinkat (dirfd, tmp, 0);
  errno = err;
  return -1;
}
