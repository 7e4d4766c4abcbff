/* Test whole writes (fullio.c): every byte lands at its offset, in pieces
 * larger than a pipe buffer too; errors come back as -1 with errno. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fullio.h"
#include "test.h"

int
main (void)
{
  char path[] = "/tmp/test-fullio.XXXXXX";
  const size_t len = 3 * 1024 * 1024 + 17;
  unsigned char *a = malloc (len), *r = malloc (len);
  int fd = mkstemp (path), p[2];

  CHECK (fd >= 0 && a && r);
  unlink (path);
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
  return 0;
}
