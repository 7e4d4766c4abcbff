/* Unit tests for plugin/trace.c on a real file:// store in a temporary
 * directory: recording (first misses, once each, at most MAX, from several
 * threads), saving and loading in plain and encrypted stores, and the
 * traces that are ignored with a warning. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "store.h"
#include "testlib.h"
#include "trace.h"
#include "tracefmt.h"

#define SNAP UINT64_C (0x1234)
#define KEY "volumes/vol/traces/0000000000001234"

static struct ox_keys plain, enc;

static void
test_record (void)
{
  struct trace *t = trace_new (1000, 3);

  CHECK (t != NULL);
  CHECK_EQ_INT (trace_count (t), 0);
  trace_note (t, 5);
  trace_note (t, 5);    /* repeats are ignored */
  trace_note (t, 1000); /* out of range */
  trace_note (t, 999);
  trace_note (t, 7);
  trace_note (t, 8); /* past MAX */
  CHECK_EQ_INT (trace_count (t), 3);
  trace_free (t);
  trace_free (NULL);

  /* MAX is capped. */
  t = trace_new (UINT64_C (1) << 20, UINT32_MAX);
  CHECK (t != NULL);
  for (uint64_t ch = 0; ch < TRACE_MAX_CHUNKS + 10; ch++)
    trace_note (t, ch);
  CHECK_EQ_INT (trace_count (t), TRACE_MAX_CHUNKS);
  trace_free (t);
}

struct noter {
  struct trace *t;
  unsigned id;
};

/* Note chunks 0..999, each thread from a different start. */
static void *
note_all (void *arg)
{
  struct noter *n = arg;

  for (uint64_t i = 0; i < 1000; i++)
    trace_note (n->t, (i + 250 * n->id) % 1000);
  return NULL;
}

static void
test_threads (struct ox_store *st)
{
  struct noter args[4];
  struct trace *t = trace_new (1000, 1000);
  uint64_t *chunks;
  size_t n;
  unsigned char seen[1000] = { 0 };

  CHECK (t != NULL);
  for (unsigned i = 0; i < 4; i++)
    args[i] = (struct noter){ t, i };
  ox_test_threads (4, note_all, args, sizeof args[0]);
  CHECK_EQ_INT (trace_count (t), 1000);
  CHECK_EQ_INT (trace_save (t, st, &plain, "vol", SNAP), 0);
  trace_free (t);
  CHECK_EQ_INT (trace_load (st, &plain, "vol", SNAP, 1000, &chunks, &n), 0);
  CHECK_EQ_INT (n, 1000);
  for (size_t i = 0; i < n; i++) { /* each chunk exactly once */
    CHECK (chunks[i] < 1000 && !seen[chunks[i]]);
    seen[chunks[i]] = 1;
  }
  free (chunks);
}

/* Save a trace of 5, 999, 7 with keys K and load it back. */
static void
test_save_load (struct ox_store *st, const struct ox_keys *k)
{
  static const uint64_t want[] = { 5, 999, 7 };
  struct trace *t = trace_new (1000, 3);
  uint64_t *chunks;
  size_t n, len;
  void *obj;
  const char *why;
  struct ox_codec *codec = ox_codec_new (0);

  CHECK (t != NULL && codec != NULL);
  trace_note (t, 5);
  trace_note (t, 999);
  trace_note (t, 7);
  CHECK_EQ_INT (trace_save (t, st, k, "vol", SNAP), 0);
  trace_free (t);

  ox_test_reset_log ();
  CHECK_EQ_INT (trace_load (st, k, "vol", SNAP, 1000, &chunks, &n), 0);
  CHECK_EQ_INT (ox_test_warnings (), 0);
  CHECK_EQ_INT (n, 3);
  CHECK_MEM (chunks, want, sizeof want);
  free (chunks);

  /* The object is the format's: the format library reads it. */
  CHECK_EQ_INT (ox_store_get (st, KEY, &obj, &len), 0);
  CHECK_MEM (obj, OX_TRACE_MAGIC, 8);
  CHECK_EQ_INT (
      ox_trace_parse (codec, k, obj, len, SNAP, 1000, &chunks, &n, &why), 0);
  CHECK_EQ_INT (n, 3);
  CHECK_MEM (chunks, want, sizeof want);
  free (chunks);
  free (obj);
  ox_codec_free (codec);

  /* Loaded for a volume of fewer chunks: made for another geometry. */
  ox_test_reset_log ();
  chunks = (uint64_t *)1;
  CHECK_EQ_INT (trace_load (st, k, "vol", SNAP, 999, &chunks, &n), 0);
  CHECK (chunks == NULL);
  CHECK_EQ_INT (n, 0);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK_MESSAGE ("read trace " KEY " ignored: made for another snapshot");
}

/* Traces that are ignored with a warning, and one that is not there. */
static void
test_ignored (struct ox_store *st)
{
  static const char garbage[] = "OXTRACE1 of a development build";
  uint64_t *chunks;
  size_t n;
  struct trace *t;
  uint8_t *big;
  size_t big_len = ox_trace_bound (TRACE_MAX_CHUNKS) + 1;

  /* None: no warning. */
  ox_test_reset_log ();
  CHECK_EQ_INT (trace_load (st, &plain, "vol", SNAP + 1, 1000, &chunks, &n),
                0);
  CHECK (chunks == NULL);
  CHECK_EQ_INT (n, 0);
  CHECK_EQ_INT (ox_test_warnings () + ox_test_errors (), 0);

  /* Not a trace. */
  CHECK_EQ_INT (ox_store_put (st, KEY, garbage, sizeof garbage), 0);
  CHECK_EQ_INT (trace_load (st, &plain, "vol", SNAP, 1000, &chunks, &n), 0);
  CHECK (chunks == NULL);
  CHECK_MESSAGE ("read trace " KEY " ignored: not a trace");

  /* Sealed with other keys. */
  t = trace_new (1000, 10);
  CHECK (t != NULL);
  trace_note (t, 1);
  CHECK_EQ_INT (trace_save (t, st, &enc, "vol", SNAP), 0);
  trace_free (t);
  ox_test_reset_log ();
  CHECK_EQ_INT (trace_load (st, &plain, "vol", SNAP, 1000, &chunks, &n), 0);
  CHECK (chunks == NULL);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK_MESSAGE ("read trace " KEY " ignored: ");

  /* Too large to be a trace: not even read. */
  big = calloc (1, big_len);
  CHECK (big != NULL);
  memcpy (big, OX_TRACE_MAGIC, 8);
  CHECK_EQ_INT (ox_store_put (st, KEY, big, big_len), 0);
  free (big);
  CHECK_EQ_INT (trace_load (st, &plain, "vol", SNAP, 1000, &chunks, &n), 0);
  CHECK (chunks == NULL);
  CHECK_MESSAGE ("bytes is too large");
  CHECK_EQ_INT (ox_store_del (st, KEY), 0);
}

int
main (void)
{
  static const uint8_t sid[OX_STORE_ID_LEN] = { 7, 7, 7 };
  uint8_t master[OX_MASTER_KEY_LEN];
  char *tmp;
  struct ox_store *st;

  ox_test_capture (0);
  ox_keys_init_plain (&plain, sid);
  memset (master, 3, sizeof master);
  CHECK_EQ_INT (ox_keys_init_encrypted (&enc, sid, master), 0);
  tmp = ox_test_tmpdir ("test-trace");
  st = ox_test_file_store (ox_test_path (tmp, "store"));

  test_record ();
  test_threads (st);
  test_save_load (st, &plain);
  test_save_load (st, &enc);
  test_ignored (st);

  ox_store_close (st);
  CHECK_EQ_INT (ox_test_rmtree (tmp), 0);
  free (tmp);
  return 0;
}
