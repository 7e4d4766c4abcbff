/* Test the file I/O helpers (fileio.c): whole writes and reads (every
 * byte lands at its offset, in pieces larger than a pipe buffer too; end
 * of file gives a short count; errors come back as -1 with errno), the
 * direct-I/O prefix, the parent directory of a path, and the atomic
 * replace of a file (content, modes, create-only, a fixed temporary name,
 * no temporary file left behind on success or failure). */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "test.h"

static char dir[] = "/tmp/test-fileio.XXXXXX";

/* The names in the test directory, sorted, joined by spaces. */
static const char *
listing (void)
{
  static char out[4096];
  struct dirent **e;
  int n = scandir (dir, &e, NULL, alphasort);

  CHECK (n >= 0);
  out[0] = '\0';
  for (int i = 0; i < n; i++) {
    if (e[i]->d_name[0] != '.') {
      strcat (out, out[0] ? " " : "");
      strcat (out, e[i]->d_name);
    }
    free (e[i]);
  }
  free (e);
  return out;
}

/* The content of NAME in the test directory (at most 1 MiB), NUL-ended. */
static char *
slurp (const char *name, size_t *len)
{
  static char buf[(1 << 20) + 1];
  char p[4096];
  int fd;
  ssize_t n;

  snprintf (p, sizeof p, "%s/%s", dir, name);
  fd = open (p, O_RDONLY);
  CHECK (fd >= 0);
  n = ox_read_full (fd, buf, sizeof buf - 1);
  CHECK (n >= 0);
  buf[n] = '\0';
  close (fd);
  if (len)
    *len = (size_t)n;
  return buf;
}

static mode_t
mode_of (const char *name)
{
  char p[4096];
  struct stat sb;

  snprintf (p, sizeof p, "%s/%s", dir, name);
  CHECK (stat (p, &sb) == 0);
  return sb.st_mode & 07777;
}

static void
test_reads (void)
{
  char path[] = "/tmp/test-fileio-r.XXXXXX";
  unsigned char a[70000], r[80000];
  int fd = mkstemp (path), p[2];

  CHECK (fd >= 0);
  unlink (path);
  for (size_t i = 0; i < sizeof a; i++)
    a[i] = (unsigned char)(i * 7 + 1);
  CHECK_EQ_INT (ox_write_all (fd, a, sizeof a), 0);
  CHECK_EQ_INT (ox_write_all (fd, a, 0), 0);
  CHECK_EQ_INT (lseek (fd, 0, SEEK_CUR), (off_t)sizeof a);

  /* At an offset; past the end, a short count; at the end, 0. */
  memset (r, 0, sizeof r);
  CHECK_EQ_INT (ox_pread_full (fd, r, 100, 5), 100);
  CHECK_MEM (r, a + 5, 100);
  CHECK_EQ_INT (ox_pread_full (fd, r, sizeof r, 10), sizeof a - 10);
  CHECK_MEM (r, a + 10, sizeof a - 10);
  CHECK_EQ_INT (ox_pread_full (fd, r, 10, sizeof a), 0);
  /* ox_read_full from the file position, up to the end. */
  CHECK (lseek (fd, 1000, SEEK_SET) == 1000);
  CHECK_EQ_INT (ox_read_full (fd, r, 500), 500);
  CHECK_MEM (r, a + 1000, 500);
  CHECK_EQ_INT (ox_read_full (fd, r, sizeof r), sizeof a - 1500);
  CHECK_MEM (r, a + 1500, sizeof a - 1500);
  CHECK_EQ_INT (ox_read_full (fd, r, 10), 0);

  /* A pipe delivers in pieces: ox_read_full gathers all of them (the
   * writer's 70000 bytes exceed a pipe buffer, so it writes in turns). */
  CHECK (pipe (p) == 0);
  if (fork () == 0) {
    close (p[0]);
    _exit (ox_write_all (p[1], a, sizeof a) == 0 ? 0 : 1);
  }
  close (p[1]);
  CHECK_EQ_INT (ox_read_full (p[0], r, sizeof r), sizeof a);
  CHECK_MEM (r, a, sizeof a);
  close (p[0]);

  /* Errors. */
  errno = 0;
  CHECK_EQ_INT (ox_read_full (-1, r, 10), -1);
  CHECK_EQ_INT (errno, EBADF);
  errno = 0;
  CHECK_EQ_INT (ox_pread_full (-1, r, 10, 0), -1);
  CHECK_EQ_INT (errno, EBADF);
  errno = 0;
  CHECK_EQ_INT (ox_write_all (-1, a, 10), -1);
  CHECK_EQ_INT (errno, EBADF);
  close (fd);
}

static void
test_direct (void)
{
  char path[4096];
  const size_t len = 5 * OX_DIRECT_ALIGN + 100;
  unsigned char *a = aligned_alloc (OX_DIRECT_ALIGN, 6 * OX_DIRECT_ALIGN);
  unsigned char r[6 * 4096];
  int fd, dfd;
  size_t n;

  CHECK (a);
  for (size_t i = 0; i < len; i++)
    a[i] = (unsigned char)(i * 13 + 5);
  snprintf (path, sizeof path, "%s/direct", dir);
  fd = open (path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK (fd >= 0);
  dfd = open (path, O_WRONLY | O_DIRECT);
  if (dfd == -1) {
    CHECK_EQ_INT (errno, EINVAL); /* no direct I/O here: nothing to test */
  } else {
    /* The aligned prefix only, at an aligned offset. */
    n = ox_pwrite_direct (dfd, a, len, OX_DIRECT_ALIGN, OX_DIRECT_ALIGN);
    if (n == 0)
      CHECK_EQ_INT (errno, EINVAL);
    else {
      CHECK_EQ_INT (n, 5 * OX_DIRECT_ALIGN);
      CHECK_EQ_INT (errno, 0);
      CHECK_EQ_INT (ox_pread_full (fd, r, sizeof r, OX_DIRECT_ALIGN), n);
      CHECK_MEM (r, a, n);
    }
    /* Less than one block: nothing to do, no error. */
    CHECK_EQ_INT (ox_pwrite_direct (dfd, a, 100, 0, OX_DIRECT_ALIGN), 0);
    CHECK_EQ_INT (errno, 0);
    close (dfd);
  }
  /* A bad descriptor stops at once with its errno. */
  CHECK_EQ_INT (ox_pwrite_direct (-1, a, len, 0, OX_DIRECT_ALIGN), 0);
  CHECK_EQ_INT (errno, EBADF);
  close (fd);
  unlink (path);
  free (a);
}

static void
test_parent_dir (void)
{
  struct stat a, b;
  char p[4096];
  int fd;

  snprintf (p, sizeof p, "%s/x/y", dir);
  fd = ox_open_parent_dir (p); /* "DIR/x" does not exist */
  CHECK_EQ_INT (fd, -1);
  CHECK_EQ_INT (errno, ENOENT);
  snprintf (p, sizeof p, "%s/file", dir);
  fd = ox_open_parent_dir (p);
  CHECK (fd >= 0 && fstat (fd, &a) == 0 && stat (dir, &b) == 0);
  CHECK (a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  close (fd);
  fd = ox_open_parent_dir ("file");
  CHECK (fd >= 0 && fstat (fd, &a) == 0 && stat (".", &b) == 0);
  CHECK (a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  close (fd);
  fd = ox_open_parent_dir ("/file");
  CHECK (fd >= 0 && fstat (fd, &a) == 0 && stat ("/", &b) == 0);
  CHECK (a.st_ino == b.st_ino && a.st_dev == b.st_dev);
  close (fd);
}

static void
test_atomic (void)
{
  int dfd = open (dir, O_RDONLY | O_DIRECTORY);
  const char *step = NULL;
  struct ox_write_opts o = { 0 };
  mode_t old = umask (022);
  size_t len;
  unsigned char *big;

  CHECK (dfd >= 0);
  /* New, then replaced; default mode 0644 less the umask. */
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "a", "one", 3, NULL, &step), 0);
  CHECK (strcmp (slurp ("a", &len), "one") == 0 && len == 3);
  CHECK_EQ_INT (mode_of ("a"), 0644);
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "a", "second", 6, NULL, &step), 0);
  CHECK (strcmp (slurp ("a", NULL), "second") == 0);
  CHECK (strcmp (listing (), "a") == 0);
  /* Empty content. */
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "e", "", 0, NULL, &step), 0);
  CHECK (slurp ("e", &len)[0] == '\0' && len == 0);

  /* A creation mode less the umask, and an exact mode whatever it is. */
  o.mode = 0666;
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "m", "x", 1, &o, &step), 0);
  CHECK_EQ_INT (mode_of ("m"), 0644);
  umask (0777);
  o.mode = 0600;
  o.exact_mode = true;
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "m", "y", 1, &o, &step), 0);
  umask (022);
  CHECK_EQ_INT (mode_of ("m"), 0600);
  CHECK (strcmp (slurp ("m", NULL), "y") == 0);

  /* Create-only: fails with EEXIST and leaves the old content. */
  o = (struct ox_write_opts){ .create_only = true };
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "c", "first", 5, &o, &step), 0);
  errno = 0;
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "c", "other", 5, &o, &step), -1);
  CHECK_EQ_INT (errno, EEXIST);
  CHECK (strcmp (step, "link") == 0);
  CHECK (strcmp (slurp ("c", NULL), "first") == 0);

  /* A fixed temporary name, even if a stale one is there; and unsynced. */
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "f.tmp", "stale!", 6, NULL, &step),
                0);
  o = (struct ox_write_opts){ .tmp = "f.tmp", .no_sync = true };
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "f", "ok", 2, &o, &step), 0);
  CHECK (strcmp (slurp ("f", &len), "ok") == 0 && len == 2);
  CHECK (strcmp (listing (), "a c e f m") == 0);

  /* Direct I/O for a large aligned buffer, with an unaligned tail. */
  big = aligned_alloc (OX_DIRECT_ALIGN, 1 << 20);
  CHECK (big);
  for (size_t i = 0; i < (1 << 20); i++)
    big[i] = (unsigned char)(i * 31 + 3);
  o = (struct ox_write_opts){ .direct = true };
  CHECK_EQ_INT (
      ox_write_file_atomic (dfd, "big", big, (1 << 20) - 5, &o, &step), 0);
  CHECK (memcmp (slurp ("big", &len), big, (1 << 20) - 5) == 0);
  CHECK_EQ_INT (len, (1 << 20) - 5);
  free (big);

  /* Failures leave no temporary file: renaming over a directory that is
   * not empty, a name that is too long, a directory that is not one. */
  CHECK (mkdirat (dfd, "d", 0755) == 0 && mkdirat (dfd, "d/x", 0755) == 0);
  errno = 0;
  CHECK_EQ_INT (ox_write_file_atomic (dfd, "d", "z", 1, NULL, &step), -1);
  CHECK (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST);
  CHECK (strcmp (step, "rename") == 0);
  {
    char longname[300];
    memset (longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    errno = 0;
    CHECK_EQ_INT (ox_write_file_atomic (dfd, longname, "z", 1, NULL, &step),
                  -1);
    CHECK_EQ_INT (errno, ENAMETOOLONG);
    CHECK (strcmp (step, "create temporary file") == 0);
  }
  errno = 0;
  CHECK_EQ_INT (ox_write_file_atomic (-1, "q", "z", 1, NULL, &step), -1);
  CHECK_EQ_INT (errno, EBADF);
  CHECK (strcmp (listing (), "a big c d e f m") == 0);
  umask (old);
  close (dfd);
}

int
main (void)
{
  char path[] = "/tmp/test-fullio.XXXXXX";
  const size_t len = 3 * 1024 * 1024 + 17;
  unsigned char *a = malloc (len), *r = malloc (len);
  int fd = mkstemp (path), p[2];

  CHECK (fd >= 0 && a && r);
  unlink (path);
  CHECK (mkdtemp (dir));
  test_reads ();
  test_direct ();
  test_parent_dir ();
  test_atomic ();
  for (size_t i = 0; i < len; i++)
    a[i] = (unsigned char)(i * 131 + 7);

  /* At an offset, into a sparse file, then an overwrite in the middle. */
  CHECK_EQ_INT (ox_pwrite_full (fd, a, len, 4096 + 3), 0);
  CHECK_EQ_INT (ox_pwrite_full (fd, a + 10, 100, 4096 + 3 + 5000), 0);
  CHECK_EQ_INT (pread (fd, r, len, 4096 + 3), (ssize_t)len);
  CHECK_MEM (r, a, 5000);
  CHECK_MEM (r + 5000, a + 10, 100);
  CHECK_MEM (r + 5100, a + 5100, len - 5100);
  CHECK_EQ_INT (lseek (fd, 0, SEEK_END), 4096 + 3 + (off_t)len);
  /* Nothing to write is fine. */
  CHECK_EQ_INT (ox_pwrite_full (fd, a, 0, 0), 0);

  /* Errors: a read-only descriptor, a bad one, a pipe (no offsets). */
  {
    int ro = open ("/dev/null", O_RDONLY);
    CHECK (ro >= 0);
    errno = 0;
    CHECK_EQ_INT (ox_pwrite_full (ro, a, 10, 0), -1);
    CHECK_EQ_INT (errno, EBADF);
    close (ro);
  }
  errno = 0;
  CHECK_EQ_INT (ox_pwrite_full (-1, a, 10, 0), -1);
  CHECK_EQ_INT (errno, EBADF);
  CHECK (pipe (p) == 0);
  errno = 0;
  CHECK_EQ_INT (ox_pwrite_full (p[1], a, 10, 0), -1);
  CHECK_EQ_INT (errno, ESPIPE);
  close (p[0]);
  close (p[1]);

  /* A write crossing the file size limit is cut short, then the rest
   * fails with EFBIG: an error, not a loop. */
  {
    struct rlimit rl = { 8192, 8192 };
    signal (SIGXFSZ, SIG_IGN);
    if (setrlimit (RLIMIT_FSIZE, &rl) == 0) {
      errno = 0;
      CHECK_EQ_INT (ox_pwrite_full (fd, a, 16384, 0), -1);
      CHECK_EQ_INT (errno, EFBIG);
    }
  }
  close (fd);
  free (a);
  free (r);
  {
    char cmd[4200];
    snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK (system (cmd) == 0);
  }
  return 0;
}
