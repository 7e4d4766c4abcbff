/* ox: an advisory lock on a store: a create-only lock object (see
 * storelock.h). */
#include "storelock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hex.h"
#include "keys.h"
#include "log.h"
#include "monotime.h"

#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS 1000

/* The value of line "NAME: VALUE" of TEXT (LEN bytes) into BUF (N bytes),
 * '?' for unprintable bytes; "?" when there is no such line. */
static void
field (const char *text, size_t len, const char *name, char *buf, size_t n)
{
  size_t nl = strlen (name), i = 0, j = 0;

  while (i < len) {
    size_t end = i;
    while (end < len && text[end] != '\n')
      end++;
    if (end - i > nl + 1 && memcmp (text + i, name, nl) == 0
        && text[i + nl] == ':') {
      i += nl + 1;
      while (i < end && text[i] == ' ')
        i++;
      for (; i < end && j + 1 < n; i++, j++)
        buf[j] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
      buf[j] = '\0';
      return;
    }
    i = end + 1;
  }
  snprintf (buf, n, "?");
}

void
ox_storelock_describe (const char *text, size_t len, char *buf, size_t n)
{
  char host[128], pid[32], since[64], cmd[128];

  field (text, len, "host", host, sizeof host);
  field (text, len, "pid", pid, sizeof pid);
  field (text, len, "time", since, sizeof since);
  field (text, len, "command", cmd, sizeof cmd);
  snprintf (buf, n, "host %s, pid %s, since %s, %s", host, pid, since, cmd);
}

/* Describe the lock object KEY of ST now into BUF ("gone" when it was
 * removed meanwhile, "unreadable" when it cannot be read). */
static void
describe_holder (struct ox_store *st, const char *key, char *buf, size_t n)
{
  CLEANUP_FREE void *data = NULL;
  size_t len;

  if (ox_store_get (st, key, &data, &len) == -1) {
    snprintf (buf, n, errno == ENOENT ? "gone" : "unreadable");
    return;
  }
  ox_storelock_describe (data, len, buf, n);
}

/* Our lock's text into L->text. */
static int
make_text (struct ox_storelock *l, const char *what)
{
  char host[256] = "?", since[32], token[33];
  uint8_t rnd[16];
  time_t now = time (NULL);
  struct tm tm;

  if (gethostname (host, sizeof host - 1) == -1)
    snprintf (host, sizeof host, "?");
  host[sizeof host - 1] = '\0';
  gmtime_r (&now, &tm);
  strftime (since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (ox_random_bytes (rnd, sizeof rnd) == -1)
    return -1;
  ox_hex (rnd, sizeof rnd, token);
  snprintf (l->text, sizeof l->text,
            "ox lock\nhost: %.200s\npid: %ld\ntime: %s\ncommand: %.100s\n"
            "token: %s\n",
            host, (long)getpid (), since, what, token);
  return 0;
}

static void
sleep_ms (unsigned ms)
{
  struct timespec ts
      = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

  while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
    ;
}

int
ox_storelock_take (struct ox_storelock *l, struct ox_store *st,
                   const char *key, const char *what, int timeout_s, int brk,
                   int quiet)
{
  uint64_t deadline = ox_now_ns () + (uint64_t)timeout_s * 1000000000ull;
  unsigned wait_ms = BACKOFF_FIRST_MS;
  char holder[512];
  unsigned jitter;
  int said = 0;

  memset (l, 0, sizeof *l);
  l->st = st;
  l->key = key;
  if (make_text (l, what) == -1)
    return -1;
  if (brk) {
    describe_holder (st, key, holder, sizeof holder);
    if (ox_store_del (st, key) == 0)
      ox_warning ("removed the lock %s of %s (%s)", key, st->url, holder);
    else if (errno != ENOENT)
      return -1; /* reported by the store */
  }
  for (;;) {
    if (ox_store_put_new (st, key, l->text, strlen (l->text)) == 0) {
      l->held = 1;
      ox_debug ("took the lock %s of %s", key, st->url);
      return 0;
    }
    if (errno != EEXIST)
      return -1; /* reported by the store */
    if (ox_now_ns () >= deadline)
      break;
    if (!said && !quiet) {
      describe_holder (st, key, holder, sizeof holder);
      fprintf (stderr, "oxsnap: waiting for the lock %s of %s (%s)\n", key,
               st->url, holder);
      said = 1;
    }
    /* Some jitter, so that waiters do not retry in step. */
    if (ox_random_bytes (&jitter, sizeof jitter) == -1)
      return -1;
    sleep_ms (wait_ms / 2 + jitter % (wait_ms / 2 + 1));
    if (wait_ms < BACKOFF_MAX_MS)
      wait_ms *= 2;
  }
  describe_holder (st, key, holder, sizeof holder);
  ox_error ("the lock %s of %s is held (%s) after waiting %d s; if no "
            "oxsnap key command is still running there, the lock is stale: "
            "run the command again with --break-lock",
            key, st->url, holder, timeout_s);
  return -1;
}

int
ox_storelock_release (struct ox_storelock *l)
{
  CLEANUP_FREE void *data = NULL;
  size_t len;

  if (!l->held)
    return 0;
  l->held = 0;
  if (ox_store_get (l->st, l->key, &data, &len) == -1) {
    if (errno != ENOENT)
      return -1;
    ox_warning ("the lock %s of %s was removed while held (--break-lock?)",
                l->key, l->st->url);
    return 0;
  }
  if (len != strlen (l->text) || memcmp (data, l->text, len) != 0) {
    ox_warning ("the lock %s of %s was broken and taken by another while "
                "held; left in place",
                l->key, l->st->url);
    return 0;
  }
  if (ox_store_del (l->st, l->key) == -1 && errno != ENOENT)
    return -1;
  return 0;
}
