/* Unit test of common/repo/storelock.c over the real file store: a lock
 * is a create-only object holding host, pid, time, command and a token;
 * a second taker waits up to its timeout, then fails naming the lock, the
 * holder and --break-lock; --break-lock removes a lock with a warning;
 * release removes only the lock it took (not one that was broken and
 * taken by another); describe tolerates damaged text. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "storelock.h"
#include "testlib.h"

#define KEY OX_STORECFG_LOCK_KEY

static char *tmpdir;

/* The lock object's text, or NULL when there is none. */
static char *
lock_text (struct ox_store *st)
{
  void *data;
  size_t len;
  char *s;

  if (ox_store_get (st, KEY, &data, &len) == -1) {
    CHECK (errno == ENOENT);
    return NULL;
  }
  s = malloc (len + 1);
  CHECK (s);
  memcpy (s, data, len);
  s[len] = '\0';
  free (data);
  return s;
}

static void
test_take_release (void)
{
  struct ox_store *st = ox_test_file_store (ox_test_path (tmpdir, "a"));
  struct ox_storelock l, l2;
  char *text, want[64], *p;
  double t0;

  ox_test_reset_log ();
  CHECK (ox_storelock_take (&l, st, KEY, "oxsnap key add", 0, 0, 1) == 0);
  CHECK (l.held);
  text = lock_text (st);
  CHECK (text);
  CHECK (strncmp (text, "ox lock\nhost: ", 14) == 0);
  snprintf (want, sizeof want, "\npid: %ld\n", (long)getpid ());
  CHECK (strstr (text, want) != NULL);
  CHECK (strstr (text, "\ncommand: oxsnap key add\n") != NULL);
  p = strstr (text, "\ntoken: ");
  CHECK (p && strlen (p) == 8 + 32 + 1);
  free (text);

  /* Held: a second taker waits its timeout, then fails clearly. */
  t0 = ox_test_now ();
  CHECK (ox_storelock_take (&l2, st, KEY, "oxsnap key remove", 1, 0, 1) == -1);
  CHECK (ox_test_now () - t0 >= 0.9);
  CHECK (!l2.held);
  CHECK (strstr (ox_test_last_error (), "the lock locks/ox-store of ")
         != NULL);
  CHECK (strstr (ox_test_last_error (), "oxsnap key add) after waiting 1 s")
         != NULL);
  CHECK (strstr (ox_test_last_error (), "--break-lock") != NULL);

  /* Released: gone, and a release again does nothing. */
  ox_test_reset_log ();
  CHECK (ox_storelock_release (&l) == 0);
  CHECK (lock_text (st) == NULL);
  CHECK (ox_storelock_release (&l) == 0);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
  CHECK (ox_storelock_take (&l2, st, KEY, "oxsnap key remove", 0, 0, 1) == 0);
  CHECK (ox_storelock_release (&l2) == 0);
  ox_store_close (st);
}

static void
test_break (void)
{
  struct ox_store *st = ox_test_file_store (ox_test_path (tmpdir, "b"));
  struct ox_storelock l, l2;
  const char stale[] = "ox lock\nhost: h1\npid: 7\ntime: T\ncommand: c\n";
  char *text;

  /* A stale lock: --break-lock removes it with a warning naming it. */
  CHECK (ox_store_put_new (st, KEY, stale, strlen (stale)) == 0);
  ox_test_reset_log ();
  CHECK (ox_storelock_take (&l, st, KEY, "oxsnap key add", 0, 1, 1) == 0);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK (
      strstr (ox_test_last_message (), "removed the lock locks/ox-store of ")
      != NULL);
  CHECK (strstr (ox_test_last_message (), "(host h1, pid 7, since T, c)")
         != NULL);

  /* Ours is broken and taken by another: our release leaves theirs. */
  CHECK (ox_storelock_take (&l2, st, KEY, "other", 0, 1, 1) == 0);
  ox_test_reset_log ();
  CHECK (ox_storelock_release (&l) == 0);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  text = lock_text (st);
  CHECK (text && strstr (text, "command: other\n"));
  free (text);
  CHECK (ox_storelock_release (&l2) == 0);
  CHECK (lock_text (st) == NULL);

  /* Breaking when there is no lock is no error. */
  ox_test_reset_log ();
  CHECK (ox_storelock_take (&l, st, KEY, "x", 0, 1, 1) == 0);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
  CHECK (ox_storelock_release (&l) == 0);
  ox_store_close (st);
}

static void
test_describe (void)
{
  char buf[256];
  const char bad[] = "host: a\x01\x7f"
                     "b\npid:\ntime: t\ncommand";

  ox_storelock_describe ("", 0, buf, sizeof buf);
  CHECK (strcmp (buf, "host ?, pid ?, since ?, ?") == 0);
  ox_storelock_describe (bad, sizeof bad - 1, buf, sizeof buf);
  CHECK (strcmp (buf, "host a??b, pid ?, since t, ?") == 0);
  ox_storelock_describe ("host: abcdefgh\n", 15, buf, 10);
  CHECK (strcmp (buf, "host abcd") == 0);
}

int
main (void)
{
  tmpdir = ox_test_tmpdir ("test-storelock");
  ox_test_capture (0);
  test_take_release ();
  test_break ();
  test_describe ();
  CHECK (ox_test_rmtree (tmpdir) == 0);
  free (tmpdir);
  return 0;
}
