/* Unit tests of the JSON writer (common/json.c): exact output, string
 * escaping (quotes, backslashes, control characters, UTF-8 kept, invalid
 * UTF-8 replaced), numbers, nesting, and misuse reported by finish. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "test.h"

static char *buf;
static size_t len;

/* A writer on a fresh memory stream. */
static FILE *
start (struct ox_json *j)
{
  FILE *f;

  free (buf);
  buf = NULL;
  f = open_memstream (&buf, &len);
  CHECK (f != NULL);
  ox_json_init (j, f);
  return f;
}

/* Finish J (expecting RESULT) and compare the text with WANT. */
static void
expect (struct ox_json *j, FILE *f, int result, const char *want)
{
  CHECK_EQ_INT (ox_json_finish (j), result);
  fclose (f);
  if (want && strcmp (buf, want) != 0) {
    fprintf (stderr, "got:  %s\nwant: %s\n", buf, want);
    exit (1);
  }
}

static void
test_document (void)
{
  struct ox_json j;
  FILE *f = start (&j);

  ox_json_object (&j, NULL);
  ox_json_string (&j, "name", "vol");
  ox_json_uint (&j, "zero", 0);
  ox_json_uint (&j, "max", UINT64_MAX);
  ox_json_double (&j, "ratio", 1.5);
  ox_json_double (&j, "nan", NAN);
  ox_json_double (&j, "third", 1.0 / 3);
  ox_json_double (&j, "tenth", 0.1);
  ox_json_bool (&j, "yes", 1);
  ox_json_bool (&j, "no", 0);
  ox_json_null (&j, "parent");
  ox_json_id (&j, "id", 0x0123456789abcdefULL);
  ox_json_id (&j, "small", 42);
  ox_json_array (&j, "empty");
  ox_json_end (&j);
  ox_json_array (&j, "list");
  ox_json_uint (&j, NULL, 1);
  ox_json_object (&j, NULL);
  ox_json_end (&j);
  ox_json_array (&j, NULL);
  ox_json_string (&j, NULL, "x");
  ox_json_end (&j);
  ox_json_end (&j);
  ox_json_object (&j, "inner");
  ox_json_uint (&j, "a", 7);
  ox_json_end (&j);
  ox_json_end (&j);
  expect (&j, f, 0,
          "{\"name\":\"vol\",\"zero\":0,\"max\":18446744073709551615,"
          "\"ratio\":1.5,\"nan\":null,\"third\":0.33333333333333331,"
          "\"tenth\":0.1,\"yes\":true,\"no\":false,"
          "\"parent\":null,\"id\":\"0123456789abcdef\","
          "\"small\":\"000000000000002a\",\"empty\":[],"
          "\"list\":[1,{},[\"x\"]],\"inner\":{\"a\":7}}\n");
}

static void
test_escaping (void)
{
  struct ox_json j;
  FILE *f = start (&j);

  ox_json_array (&j, NULL);
  ox_json_string (&j, NULL, "a\"b\\c/d");
  ox_json_string (&j, NULL, "tab\there\nnl\rcr\x01\x1f\x7f");
  ox_json_string (&j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  ox_json_string (&j, NULL, "bad\xff");             /* not UTF-8 */
  ox_json_string (&j, NULL, "cut\xe2\x82");         /* truncated */
  ox_json_string (&j, NULL, "sur\xed\xa0\x80");     /* a surrogate */
  ox_json_string (&j, NULL, "long\xc0\xaf");        /* overlong '/' */
  ox_json_string (&j, NULL, "big\xf4\x90\x80\x80"); /* above U+10FFFF */
  ox_json_string (&j, NULL, "");
  ox_json_end (&j);
  expect (&j, f, 0,
          "[\"a\\\"b\\\\c/d\","
          "\"tab\\there\\nnl\\rcr\\u0001\\u001f\\u007f\","
          "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
          "\"bad\\ufffd\",\"cut\\ufffd\\ufffd\","
          "\"sur\\ufffd\\ufffd\\ufffd\",\"long\\ufffd\\ufffd\","
          "\"big\\ufffd\\ufffd\\ufffd\\ufffd\",\"\"]\n");
}

/* Keys inside objects only, values inside arrays without keys, one
 * top-level value, balanced ends, bounded depth. */
static void
test_misuse (void)
{
  struct ox_json j;
  FILE *f;

  f = start (&j);
  ox_json_array (&j, NULL);
  ox_json_uint (&j, "key", 1);
  ox_json_end (&j);
  expect (&j, f, -1, NULL);

  f = start (&j);
  ox_json_object (&j, NULL);
  ox_json_uint (&j, NULL, 1);
  ox_json_end (&j);
  expect (&j, f, -1, NULL);

  f = start (&j);
  ox_json_object (&j, NULL);
  expect (&j, f, -1, NULL); /* not closed */

  f = start (&j);
  ox_json_end (&j);
  expect (&j, f, -1, NULL); /* nothing open */

  f = start (&j);
  expect (&j, f, -1, NULL); /* no value */

  f = start (&j);
  ox_json_uint (&j, NULL, 1);
  ox_json_uint (&j, NULL, 2);
  expect (&j, f, -1, NULL); /* two documents */

  f = start (&j);
  for (int i = 0; i < OX_JSON_MAX_DEPTH + 1; i++)
    ox_json_array (&j, NULL);
  for (int i = 0; i < OX_JSON_MAX_DEPTH; i++)
    ox_json_end (&j);
  expect (&j, f, -1, NULL);

  f = start (&j);
  ox_json_uint (&j, NULL, 5);
  expect (&j, f, 0, "5\n");
}

int
main (void)
{
  test_document ();
  test_escaping ();
  test_misuse ();
  free (buf);
  return 0;
}
