/* ox: file I/O helpers: whole reads and writes (looping on EINTR and short
 * transfers), the directory of a path, and the atomic replace of a file
 * (temporary file, sync, rename, sync of the directory). None reports:
 * each returns -1 with errno, and the caller, who knows what the file is,
 * reports. */
#ifndef OX_FILEIO_H
#define OX_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read from FD until LEN bytes are in BUF or end of file. Returns the
 * count (less than LEN only at end of file) or -1 with errno. */
ssize_t ox_read_full (int fd, void *buf, size_t len)
    __attribute__ ((__nonnull__ (2)));

/* Read from FD at OFFSET until LEN bytes are in BUF or end of file.
 * Returns the count (less than LEN only at end of file) or -1 with errno. */
ssize_t ox_pread_full (int fd, void *buf, size_t len, uint64_t offset)
    __attribute__ ((__nonnull__ (2)));

/* Write all LEN bytes of BUF to FD at its file position. Returns 0, or -1
 * with errno (EIO if the kernel wrote nothing without saying why). */
int ox_write_all (int fd, const void *buf, size_t len)
    __attribute__ ((__nonnull__ (2)));

/* Write all COUNT bytes of BUF to FD at OFFSET, retrying after EINTR and
 * short writes. Returns 0, or -1 with errno (EIO if the kernel wrote
 * nothing without saying why). */
int ox_pwrite_full (int fd, const void *buf, size_t count, uint64_t offset)
    __attribute__ ((__nonnull__ (2)));

/* Write what it can of the longest ALIGN-multiple prefix of BUF (LEN
 * bytes) to DFD, a file opened with O_DIRECT, at OFFSET (BUF and OFFSET
 * are ALIGN-aligned). Stops at the first error or at a short write that
 * leaves the position unaligned. Returns the number of bytes written (a
 * multiple of ALIGN unless the last write was short); errno says why it
 * stopped short (EINVAL: the file system refuses direct I/O), or is 0. */
size_t ox_pwrite_direct (int dfd, const void *buf, size_t len, uint64_t offset,
                         size_t align) __attribute__ ((__nonnull__ (2)));

/* Open the directory that holds PATH ("." for a bare name, "/" for a name
 * in the root), read-only, close-on-exec. Returns the fd or -1 with errno. */
int ox_open_parent_dir (const char *path) __attribute__ ((__nonnull__ (1)));

/* How ox_write_file_atomic writes; all zero is the default. */
struct ox_write_opts {
  const char *tmp;  /* the temporary name in the same directory, truncated if
                       it exists; NULL: a new unique NAME.tmp.PID.TID.HEX */
  mode_t mode;      /* creation mode less the umask (0: 0644) */
  bool exact_mode;  /* set MODE exactly with fchmod, whatever the umask */
  bool create_only; /* fail with EEXIST rather than replace NAME */
  bool no_sync;     /* no fdatasync, no fsync of the directory: the file is
                       informational and may be lost in a crash */
  bool direct;      /* try O_DIRECT for the aligned part of DATA, which is
                       then OX_DIRECT_ALIGN-aligned in memory */
};

/* The alignment of memory, offsets and lengths that O_DIRECT needs here. */
#define OX_DIRECT_ALIGN 4096

/* The longest temporary name ox_write_file_atomic makes is NAME plus this. */
#define OX_TMP_SUFFIX_MAX (sizeof ".tmp..." - 1 + 10 + 10 + 16)

/* Replace NAME in directory DIRFD atomically with the LEN bytes of DATA
 * (NAME and OPTS->tmp may be paths relative to DIRFD, or to the working
 * directory with AT_FDCWD and OPTS->no_sync, in the same directory):
 * write them to a temporary file, make it durable, rename it to NAME (with
 * OPTS->create_only: link it, failing with EEXIST if NAME exists), then
 * make the new name durable with an fsync of DIRFD. OPTS may be NULL.
 * Returns 0 or -1 with errno, with *STEP set to what failed ("create
 * temporary file", "fchmod", "write", "fdatasync", "close", "rename",
 * "link", "fsync directory"); the temporary file is removed on failure. */
int ox_write_file_atomic (int dirfd, const char *name, const void *data,
                          size_t len, const struct ox_write_opts *opts,
                          const char **step)
    __attribute__ ((__nonnull__ (2, 6)));

#endif
