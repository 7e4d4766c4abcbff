/* Unit tests for plugin/stats.c on a real clone (a file store made by the
 * writer library, an overlay in a temporary directory): the totals file
 * written at stop and summed over runs, the log line, and totals files
 * that are corrupt or of older versions. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basis.h"
#include "catalog.h"
#include "clone.h"
#include "clonetest.h"
#include "fixture.h"
#include "keys.h"
#include "overlay.h"
#include "ovformat.h"
#include "stats.h"
#include "storecfg.h"
#include "storeopen.h"
#include "testlib.h"

#define CHUNK 65536
#define SIZE (16 * CHUNK)
#define BS 4096

static char *tmp;

/* The clone under test and what it is made of. */
static struct clonetest ct;

/* Open the clone of volume "vol" with the overlay in TMP/NAME. */
static void
open_clone (const char *name)
{
  struct clone_options co;

  clone_options_default (&co);
  co.readahead_threads = 0;
  clonetest_open (&ct, tmp, name, &co);
}

static void
close_clone (void)
{
  clonetest_close (&ct);
}

/* Read the whole file PATH into a malloc'd NUL-terminated string. */
static char *
slurp (const char *path, size_t *len)
{
  FILE *f = fopen (path, "r");
  char *text = malloc (65536);
  size_t n;

  CHECK (f != NULL && text != NULL);
  n = fread (text, 1, 65535, f);
  fclose (f);
  text[n] = '\0';
  if (len)
    *len = n;
  return text;
}

/* Parse the totals file of overlay NAME into *S; its text must be exactly
 * what the format writes for what it holds. */
static void
read_totals (const char *name, struct ox_ovstats *s)
{
  char dir[4096], again[OX_OVSTATS_TEXT_MAX];
  const char *why;
  size_t len;
  char *text;

  snprintf (dir, sizeof dir, "%s/%s", tmp, name);
  text = slurp (ox_test_path (dir, OX_OVSTATS_NAME), &len);
  CHECK_EQ_INT (ox_ovstats_parse (text, len, s, &why), 0);
  CHECK_EQ_INT (ox_ovstats_format (s, again), len);
  CHECK_EQ_INT (strcmp (text, again), 0);
  free (text);
}

/* Number of lines of the file PATH. */
static int
count_lines (const char *path)
{
  char *text = slurp (path, NULL);
  int n = 0;

  for (char *p = text; *p; p++)
    n += *p == '\n';
  free (text);
  return n;
}

/* Count a read of BS bytes at OFF through the clone. */
static void
timed_read (struct pstats *ps, uint64_t off)
{
  unsigned char buf[BS];
  uint64_t t0 = pstats_now ();

  clone_thread_missed = 0;
  CHECK_EQ_INT (clone_pread (ct.cl, NULL, buf, BS, off), 0);
  pstats_request (ps, PSTATS_READ, BS, t0, 0, clone_thread_missed);
}

static void
test_runs (void)
{
  char dir[4096], log[4096];
  struct pstats *ps;
  struct clone_stats cs;
  struct ox_ovstats s;
  unsigned char buf[BS];
  uint64_t before = (uint64_t)time (NULL), t0, demand, demand_bytes;
  char *text;

  snprintf (dir, sizeof dir, "%s/ov", tmp);
  snprintf (log, sizeof log, "%s/stats.log", tmp);

  /* Run 1: three cold reads, a write, a failed zero, a flush. */
  open_clone ("ov");
  CHECK_EQ_INT (pstats_new (dir, log, &ps), 0);
  pstats_attach (ps, ct.cl, ct.ov, NULL);
  for (int i = 0; i < 3; i++)
    timed_read (ps, (uint64_t)i * CHUNK);
  memset (buf, 0xa5, sizeof buf);
  t0 = pstats_now ();
  CHECK_EQ_INT (clone_pwrite (ct.cl, buf, BS, 5 * CHUNK, 0), 0);
  pstats_request (ps, PSTATS_WRITE, BS, t0, 0, 0);
  pstats_request (ps, PSTATS_ZERO, 2 * BS, pstats_now (), 1, 0);
  pstats_request (ps, PSTATS_FLUSH, 0, pstats_now (), 0, 0);
  pstats_request (NULL, PSTATS_READ, BS, 0, 0, 0); /* no statistics: fine */
  pstats_stop (ps);
  pstats_free (ps);
  clone_stats (ct.cl, &cs);
  demand = cs.class_fetches[0];
  demand_bytes = cs.class_bytes[0];
  CHECK (demand >= 3 && demand_bytes > 0);

  read_totals ("ov", &s);
  CHECK (s.updated >= before && s.updated <= (uint64_t)time (NULL));
  CHECK_EQ_INT (s.runs, 1);
  CHECK_EQ_INT (s.fetches[OX_OVSTATS_DEMAND], demand);
  CHECK_EQ_INT (s.bytes[OX_OVSTATS_DEMAND], demand_bytes);
  CHECK_EQ_INT (s.fetches[OX_OVSTATS_READAHEAD], 0);
  CHECK_EQ_INT (s.fetches[OX_OVSTATS_BACKGROUND], 0);
  CHECK_EQ_INT (s.reads, 3);
  CHECK_EQ_INT (s.read_bytes, 3 * BS);
  CHECK_EQ_INT (s.writes, 1);
  CHECK_EQ_INT (s.write_bytes, BS);
  CHECK_EQ_INT (s.zeros, 1);
  CHECK_EQ_INT (s.flushes, 1);
  CHECK_EQ_INT (s.errors, 1);
  CHECK_EQ_INT (s.local_reads, cs.local_reads);
  CHECK_EQ_INT (s.basis_reads, cs.basis_reads);
  CHECK (s.basis_reads >= 3);
  CHECK_EQ_INT (s.hydrate, OX_OVSTATS_HYDRATE_OFF);
  CHECK_EQ_INT (s.complete, 0);

  /* One log line, of this run's counts. */
  CHECK_EQ_INT (count_lines (log), 1);
  text = slurp (log, NULL);
  CHECK (strncmp (text, "time=", 5) == 0);
  CHECK (strstr (text, " reads=3 read_bytes=12288 writes=1 write_bytes=4096 "
                       "zeros=1 flushes=1 ")
         != NULL);
  CHECK (strstr (text, " errors=1 ") != NULL);
  CHECK (strstr (text, " cold_reads=3 ") != NULL);
  CHECK (strstr (text, " total_blocks=256 complete=0 ") != NULL);
  free (text);
  CHECK_EQ_INT (clone_flush (ct.cl), 0); /* the fetched blocks stay local */
  close_clone ();

  /* Run 2 on the same overlay, a new clone: local reads only. Totals add
   * up, the log grows by a line. */
  open_clone ("ov");
  CHECK_EQ_INT (pstats_new (dir, log, &ps), 0);
  pstats_attach (ps, ct.cl, ct.ov, NULL);
  timed_read (ps, 0);
  timed_read (ps, CHUNK);
  pstats_stop (ps);
  pstats_free (ps);
  read_totals ("ov", &s);
  CHECK_EQ_INT (s.runs, 2);
  CHECK_EQ_INT (s.reads, 5);
  CHECK_EQ_INT (s.read_bytes, 5 * BS);
  CHECK_EQ_INT (s.writes, 1);
  CHECK_EQ_INT (s.errors, 1);
  CHECK_EQ_INT (s.fetches[OX_OVSTATS_DEMAND], demand);
  CHECK_EQ_INT (s.bytes[OX_OVSTATS_DEMAND], demand_bytes);
  CHECK_EQ_INT (count_lines (log), 2);
  text = slurp (log, NULL);
  CHECK (strstr (strchr (text, '\n'), " reads=2 ") != NULL);
  CHECK (strstr (strchr (text, '\n'), " cold_reads=0 ") != NULL);
  free (text);
  close_clone ();
}

/* Totals of older versions (whole seconds) carry over; a corrupt file is
 * a warning, and the counts start from zero. */
static void
test_old_and_corrupt (void)
{
  static const char old[] = "runs=4\nreads=10\nruntime_s=3\nhydrate=on\n";
  static const char bad[] = "runs=4\nreads=ten\n";
  char dir[4096];
  struct pstats *ps;
  struct ox_ovstats s;

  snprintf (dir, sizeof dir, "%s/old", tmp);
  open_clone ("old");
  ox_test_write_file (ox_test_path (dir, OX_OVSTATS_NAME), old, strlen (old));
  CHECK_EQ_INT (pstats_new (dir, NULL, &ps), 0);
  pstats_attach (ps, ct.cl, ct.ov, NULL);
  timed_read (ps, 0);
  pstats_stop (ps);
  pstats_free (ps);
  read_totals ("old", &s);
  CHECK_EQ_INT (s.runs, 5);
  CHECK_EQ_INT (s.reads, 11);
  CHECK (s.runtime_ms >= 3000 && s.runtime_ms < 60000);
  CHECK_EQ_INT (s.hydrate, OX_OVSTATS_HYDRATE_OFF); /* this run's */

  ox_test_write_file (ox_test_path (dir, OX_OVSTATS_NAME), bad, strlen (bad));
  ox_test_reset_log ();
  CHECK_EQ_INT (pstats_new (dir, NULL, &ps), 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK_MESSAGE ("old/stats: a value is invalid or repeated; counting from "
                 "zero");
  pstats_attach (ps, ct.cl, ct.ov, NULL);
  timed_read (ps, 0);
  pstats_stop (ps);
  pstats_free (ps);
  read_totals ("old", &s);
  CHECK_EQ_INT (s.runs, 1);
  CHECK_EQ_INT (s.reads, 1);
  close_clone ();
}

/* A log file that cannot be opened fails; statistics without an overlay
 * write nothing at stop. */
static void
test_errors (void)
{
  char dir[4096], log[4096];
  struct pstats *ps;

  snprintf (dir, sizeof dir, "%s/none", tmp);
  snprintf (log, sizeof log, "%s/no/such/dir/log", tmp);
  ox_test_reset_log ();
  CHECK_EQ_INT (pstats_new (dir, log, &ps), -1);
  CHECK_ERROR ("stats file");
  CHECK_EQ_INT (pstats_new (dir, NULL, &ps), 0);
  pstats_stop (ps);
  pstats_free (ps);
  pstats_free (NULL);
  CHECK (fopen (ox_test_path (dir, OX_OVSTATS_NAME), "r") == NULL);
}

int
main (void)
{
  unsigned char *image;
  char store[4096];

  ox_test_capture (0);
  tmp = ox_test_tmpdir ("test-stats");
  image = ox_test_pattern (SIZE, 1);
  snprintf (store, sizeof store, "%s/store", tmp);
  fixture_store_with (store, "vol", image, SIZE, CHUNK);
  free (image);

  test_runs ();
  test_old_and_corrupt ();
  test_errors ();

  CHECK_EQ_INT (ox_test_rmtree (tmp), 0);
  free (tmp);
  return 0;
}
