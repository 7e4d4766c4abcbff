/* ox: the S3 XML helpers on real answers and on hostile input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3xml.h"
#include "test.h"

static const char listing[]
    = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>bucket</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount>"
      "<MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>a&amp;b&lt;c&#x2F;&#47;</NextContinuationToken>"
      "<Contents><Key>p/a&amp;b</Key><Size>12</Size></Contents>"
      "<Contents>\n  <Key>p/\xe1\x88\xb4</Key>\n  <Size>18446744073709551615"
      "</Size>\n</Contents>"
      "<Contents><Key/><Size>0</Size></Contents>"
      "</ListBucketResult>";

static void
check_listing (void)
{
  const char *pos = listing, *end = listing + strlen (listing), *in;
  size_t n;
  char *s;
  uint64_t v;

  CHECK_EQ_INT (ox_s3xml_text (listing, strlen (listing), "Key", &s), 1);
  CHECK (strcmp (s, "p/a&b") == 0);
  free (s);
  CHECK_EQ_INT (
      ox_s3xml_text (listing, strlen (listing), "NextContinuationToken", &s),
      1);
  CHECK (strcmp (s, "a&b<c//") == 0);
  free (s);
  CHECK_EQ_INT (ox_s3xml_text (listing, strlen (listing), "Missing", &s), 0);
  CHECK (s == NULL);

  CHECK_EQ_INT (ox_s3xml_next (&pos, end, "Contents", &in, &n), 1);
  CHECK_EQ_INT (ox_s3xml_text (in, n, "Size", &s), 1);
  CHECK (ox_s3xml_u64 (s, &v) == 0 && v == 12);
  free (s);
  CHECK_EQ_INT (ox_s3xml_next (&pos, end, "Contents", &in, &n), 1);
  CHECK_EQ_INT (ox_s3xml_text (in, n, "Key", &s), 1);
  CHECK (strcmp (s, "p/\xe1\x88\xb4") == 0);
  free (s);
  CHECK_EQ_INT (ox_s3xml_text (in, n, "Size", &s), 1);
  CHECK (ox_s3xml_u64 (s, &v) == 0 && v == UINT64_MAX);
  free (s);
  CHECK_EQ_INT (ox_s3xml_next (&pos, end, "Contents", &in, &n), 1);
  CHECK_EQ_INT (ox_s3xml_text (in, n, "Key", &s), 1); /* <Key/> */
  CHECK (strcmp (s, "") == 0);
  free (s);
  CHECK_EQ_INT (ox_s3xml_next (&pos, end, "Contents", &in, &n), 0);
}

static void
check_error (void)
{
  static const char err[]
      = "<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>"
        "SignatureDoesNotMatch</Code><Message>The request signature we "
        "calculated does not match the signature you provided.</Message>"
        "<RequestId>tx1</RequestId></Error>";
  char *s;

  CHECK_EQ_INT (ox_s3xml_text (err, strlen (err), "Code", &s), 1);
  CHECK (strcmp (s, "SignatureDoesNotMatch") == 0);
  free (s);
  /* Not NUL-terminated at LEN: only the bytes given are looked at. */
  CHECK_EQ_INT (ox_s3xml_text (err, 30, "Code", &s), 0);
  CHECK_EQ_INT (ox_s3xml_text (err, 60, "Code", &s), -1); /* unclosed */
  CHECK_EQ_INT (ox_s3xml_text (NULL, 0, "Code", &s), 0);
}

static void
check_hostile (void)
{
  static const char *bad[] = {
    "<K>&bogus;</K>",    "<K>&amp</K>",         "<K>&#0;</K>",
    "<K>&#x110000;</K>", "<K>&#xD800;</K>",     "<K>&#;</K>",
    "<K>&#x;</K>",       "<K>&#123456789;</K>", "<K>&#12a;</K>",
  };
  size_t i;
  char *s;
  const char *pos, *in;
  size_t n;
  static const char nul[] = "<K>a\0b</K>";
  static const char tricky[] = "<K</K><K>ok</K><K";

  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_EQ_INT (ox_s3xml_text (bad[i], strlen (bad[i]), "K", &s), -1);
    CHECK (s == NULL);
  }
  CHECK_EQ_INT (ox_s3xml_text (nul, sizeof nul - 1, "K", &s), -1);
  CHECK_EQ_INT (ox_s3xml_text ("<K>", 3, "K", &s), -1);
  CHECK_EQ_INT (ox_s3xml_text ("<K", 2, "K", &s), 0);
  CHECK_EQ_INT (ox_s3xml_text ("<K>x</K", 7, "K", &s), -1);
  /* "<K</K>" is not an element K; the real one follows. */
  pos = tricky;
  CHECK_EQ_INT (ox_s3xml_next (&pos, tricky + strlen (tricky), "K", &in, &n),
                1);
  CHECK (n == 2 && memcmp (in, "ok", 2) == 0);
  CHECK_EQ_INT (ox_s3xml_next (&pos, tricky + strlen (tricky), "K", &in, &n),
                0);
  CHECK_EQ_INT (
      ox_s3xml_text ("<K>&#x41;&#66;&apos;&quot;&gt;</K>", 34, "K", &s), 1);
  CHECK (strcmp (s, "AB'\">") == 0);
  free (s);
}

static void
check_u64 (void)
{
  uint64_t v;

  CHECK (ox_s3xml_u64 ("0", &v) == 0 && v == 0);
  CHECK (ox_s3xml_u64 ("18446744073709551616", &v) == -1 && errno == ERANGE);
  CHECK (ox_s3xml_u64 ("", &v) == -1);
  CHECK (ox_s3xml_u64 ("-1", &v) == -1);
  CHECK (ox_s3xml_u64 ("12 ", &v) == -1);
}

int
main (void)
{
  check_listing ();
  check_error ();
  check_hostile ();
  check_u64 ();
  return 0;
}
