/* ox unit tests: the shared helpers. */
#include "testlib.h"

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "monotime.h"

/* Tests report from worker threads too: the capture takes a lock. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int echo_messages;
static int nerrors, nwarnings;
static char last_error[4096], last_message[4096];

static void
capture (enum ox_log_level level, const char *msg)
{
  if (level > OX_LOG_WARNING)
    return;
  pthread_mutex_lock (&log_lock);
  if (level == OX_LOG_ERROR) {
    nerrors++;
    snprintf (last_error, sizeof last_error, "%s", msg);
  } else
    nwarnings++;
  snprintf (last_message, sizeof last_message, "%s", msg);
  if (echo_messages)
    fprintf (stderr, "%s: %s\n", level == OX_LOG_ERROR ? "error" : "warning",
             msg);
  pthread_mutex_unlock (&log_lock);
}

void
ox_test_capture (int echo)
{
  echo_messages = echo;
  ox_test_reset_log ();
  ox_log_set_handler (capture);
}

void
ox_test_reset_log (void)
{
  pthread_mutex_lock (&log_lock);
  nerrors = nwarnings = 0;
  last_error[0] = last_message[0] = '\0';
  pthread_mutex_unlock (&log_lock);
}

int
ox_test_errors (void)
{
  int n;

  pthread_mutex_lock (&log_lock);
  n = nerrors;
  pthread_mutex_unlock (&log_lock);
  return n;
}

int
ox_test_warnings (void)
{
  int n;

  pthread_mutex_lock (&log_lock);
  n = nwarnings;
  pthread_mutex_unlock (&log_lock);
  return n;
}

/* The callers read these after the reporting threads are joined, so the
 * buffers do not change under them. */
const char *
ox_test_last_error (void)
{
  return last_error;
}

const char *
ox_test_last_message (void)
{
  return last_message;
}

void
ox_test_check_error (const char *file, int line, const char *want)
{
  if (ox_test_errors () < 1) {
    fprintf (stderr, "%s:%d: no error reported (expected \"%s\")\n", file,
             line, want);
    exit (1);
  }
  if (strstr (last_error, want) == NULL) {
    fprintf (stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", file, line,
             last_error, want);
    exit (1);
  }
}

void
ox_test_check_message (const char *file, int line, const char *want)
{
  if (strstr (last_message, want) == NULL) {
    fprintf (stderr, "%s:%d: message \"%s\" lacks \"%s\"\n", file, line,
             last_message, want);
    exit (1);
  }
}

char *
ox_test_tmpdir (const char *name)
{
  const char *base = getenv ("TMPDIR");
  char *dir;

  CHECK (asprintf (&dir, "%s/%s.XXXXXX", base && *base ? base : "/tmp", name)
         != -1);
  CHECK (mkdtemp (dir) != NULL);
  return dir;
}

static int
remove_one (const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  return remove (path);
}

int
ox_test_rmtree (const char *path)
{
  return nftw (path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
ox_test_path (const char *dir, const char *name)
{
  static char buf[4096];

  CHECK ((size_t)snprintf (buf, sizeof buf, "%s/%s", dir, name) < sizeof buf);
  return buf;
}

void
ox_test_write_file (const char *path, const void *data, size_t len)
{
  FILE *f = fopen (path, "w");

  CHECK (f != NULL);
  CHECK (fwrite (data, 1, len, f) == len);
  CHECK (fclose (f) == 0);
}

void
ox_test_fill (void *p, size_t n, unsigned seed)
{
  unsigned char *b = p;
  uint32_t x = seed * 2654435761u + 1;

  /* xorshift32: cheap, and not compressible (the stores must move every
   * byte). */
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b[i] = x >> 24;
  }
}

unsigned char *
ox_test_pattern (size_t n, unsigned seed)
{
  unsigned char *p = malloc (n ? n : 1);

  CHECK (p != NULL);
  ox_test_fill (p, n, seed);
  return p;
}

double
ox_test_now (void)
{
  return ox_now_s ();
}

void
ox_test_run (const char *cmd)
{
  if (system (cmd) != 0) {
    fprintf (stderr, "command failed: %s\n", cmd);
    exit (1);
  }
}

void
ox_test_threads (int n, void *(*fn) (void *), void *args, size_t arg_size)
{
  pthread_t *t = calloc (n > 0 ? n : 1, sizeof *t);

  CHECK (t != NULL);
  for (int i = 0; i < n; i++)
    CHECK (pthread_create (&t[i], NULL, fn,
                           arg_size ? (char *)args + i * arg_size : args)
           == 0);
  for (int i = 0; i < n; i++)
    CHECK (pthread_join (t[i], NULL) == 0);
  free (t);
}
