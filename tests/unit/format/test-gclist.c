/* Test the bytes of a condemned list (gclist.c, docs/FORMAT.md section
 * 10): the round trip, the exact text of a small list, the empty list,
 * every way the parser refuses a list, and the form of a list's key. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gclist.h"
#include "testlib.h"

#define SEG "segments/ab/ab0123456789abcdef0123456789abcd"
#define PAGE                                                                  \
  "pages/cd/cd00000000000000000000000000000000000000000000000000000000000000"

static const char golden[] = "ox-condemned 1\n"
                             "time 1700000000\n" SEG " 123\n" PAGE " 0\n";

/* TEXT (a C string) must be refused with WANT in *WHY, reporting
 * nothing. */
static void
refused (const char *text, const char *want)
{
  struct ox_gclist l;
  const char *why = NULL;

  ox_test_reset_log ();
  errno = 0;
  CHECK_EQ_INT (ox_gclist_parse (text, strlen (text), &l, &why), -1);
  CHECK_EQ_INT (errno, EINVAL);
  if (why == NULL || strstr (why, want) == NULL) {
    fprintf (stderr, "refused \"%s\": why \"%s\", want \"%s\"\n", text,
             why ? why : "(null)", want);
    exit (1);
  }
  CHECK (l.n == 0 && l.keys == NULL && l.sizes == NULL);
  CHECK_EQ_INT (ox_test_errors () + ox_test_warnings (), 0);
}

static void
test_golden (void)
{
  const char *keys[] = { SEG, PAGE };
  uint64_t sizes[] = { 123, 0 };
  struct ox_gclist l;
  char *text;
  size_t len;
  const char *why;

  CHECK_EQ_INT (ox_gclist_format (1700000000, keys, sizes, 2, &text, &len), 0);
  CHECK_EQ_INT (len, strlen (golden));
  CHECK_MEM (text, golden, len);
  CHECK_EQ_INT (ox_gclist_parse (text, len, &l, &why), 0);
  CHECK_EQ_INT (l.time, 1700000000);
  CHECK_EQ_INT (l.n, 2);
  CHECK (strcmp (l.keys[0], SEG) == 0);
  CHECK (strcmp (l.keys[1], PAGE) == 0);
  CHECK_EQ_INT (l.sizes[0], 123);
  CHECK_EQ_INT (l.sizes[1], 0);
  ox_gclist_free (&l);
  CHECK (l.n == 0 && l.keys == NULL);
  free (text);
}

/* Many keys of every length, the largest numbers. */
static void
test_round_trip (void)
{
  enum { N = 1000 };
  char *keys[N];
  uint64_t sizes[N];
  struct ox_gclist l;
  char *text;
  size_t len;
  const char *why;

  for (int i = 0; i < N; i++) {
    size_t klen = 1 + (size_t)i % (OX_KEY_MAX - 1);
    keys[i] = malloc (klen + 1);
    CHECK (keys[i] != NULL);
    for (size_t j = 0; j < klen; j++)
      keys[i][j] = (char)('!' + (i + (int)j) % 94);
    keys[i][klen] = '\0';
    sizes[i] = i == 0 ? UINT64_C (9999999999999999999) : (uint64_t)i * 4099;
  }
  CHECK_EQ_INT (ox_gclist_format (UINT64_C (9999999999999999999),
                                  (const char *const *)keys, sizes, N, &text,
                                  &len),
                0);
  CHECK_EQ_INT (ox_gclist_parse (text, len, &l, &why), 0);
  CHECK (l.time == UINT64_C (9999999999999999999));
  CHECK_EQ_INT (l.n, N);
  for (int i = 0; i < N; i++) {
    CHECK (strcmp (l.keys[i], keys[i]) == 0);
    CHECK (l.sizes[i] == sizes[i]);
    free (keys[i]);
  }
  ox_gclist_free (&l);
  free (text);
}

static void
test_empty (void)
{
  struct ox_gclist l;
  char *text;
  size_t len;
  const char *why;
  static const char want[] = "ox-condemned 1\ntime 5\n";

  CHECK_EQ_INT (ox_gclist_format (5, NULL, NULL, 0, &text, &len), 0);
  CHECK_EQ_INT (len, strlen (want));
  CHECK_MEM (text, want, len);
  CHECK_EQ_INT (ox_gclist_parse (text, len, &l, &why), 0);
  CHECK_EQ_INT (l.time, 5);
  CHECK_EQ_INT (l.n, 0);
  ox_gclist_free (&l);
  free (text);
}

static void
test_refusals (void)
{
  refused ("", "magic");
  refused ("ox-condemned 1", "magic");
  refused ("ox-condemned 2\ntime 5\n", "magic");
  refused ("ox-lease 1\ntime 5\n", "magic");
  refused ("ox-condemned 1\n", "no time");
  refused ("ox-condemned 1\ntime 5", "no time");
  refused ("ox-condemned 1\ntime \n", "no time");
  refused ("ox-condemned 1\ntime x\n", "no time");
  refused ("ox-condemned 1\ntime -5\n", "no time");
  refused ("ox-condemned 1\ntime 99999999999999999999\n", "no time");
  refused ("ox-condemned 1\nTime 5\n", "no time");
  refused ("ox-condemned 1\n" SEG " 1\ntime 5\n", "no time");
  refused ("ox-condemned 1\ntime 5\n" SEG " x\n", "bad size");
  refused ("ox-condemned 1\ntime 5\n" SEG " \n", "bad size");
  refused ("ox-condemned 1\ntime 5\n" SEG " -1\n", "bad size");
  refused ("ox-condemned 1\ntime 5\n" SEG " 99999999999999999999\n",
           "bad size");
  refused ("ox-condemned 1\ntime 5\n" SEG " 1\n" PAGE " 1x\n", "bad size");
  refused ("ox-condemned 1\ntime 5\n" SEG "\n", "bad line");
  refused ("ox-condemned 1\ntime 5\n\n", "bad line");
  refused ("ox-condemned 1\ntime 5\n 12\n", "bad line");
  refused ("ox-condemned 1\ntime 5\nse\tg 12\n", "bad key");
  refused ("ox-condemned 1\ntime 5\n" SEG " 1\n" PAGE " 1", "not ended");
  refused ("ox-condemned 1\ntime 5\n" SEG, "not ended");
}

static void
test_key (void)
{
  const uint8_t nonce[4] = { 0xde, 0xad, 0xbe, 0xef };
  char key[OX_KEY_MAX];

  ox_gclist_key (0x1234, nonce, key);
  CHECK (strcmp (key, "gc/condemned/0000000000001234deadbeef") == 0);
  CHECK_EQ_INT (strlen (key), strlen (OX_CONDEMNED_PREFIX) + 16 + 8);
  ox_gclist_key (UINT64_MAX, (const uint8_t[4]){ 0 }, key);
  CHECK (strcmp (key, "gc/condemned/ffffffffffffffff00000000") == 0);
  /* Keys sort by time. */
  {
    char a[OX_KEY_MAX], b[OX_KEY_MAX];
    ox_gclist_key (0xff, nonce, a);
    ox_gclist_key (0x100, (const uint8_t[4]){ 0 }, b);
    CHECK (strcmp (a, b) < 0);
  }
}

int
main (void)
{
  ox_test_capture (0);
  test_golden ();
  test_round_trip ();
  test_empty ();
  test_refusals ();
  test_key ();
  return 0;
}
