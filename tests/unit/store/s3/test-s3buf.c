/* Test the S3 client's growable buffer (s3buf.c). */
#include <stdlib.h>
#include <string.h>

#include "s3buf.h"
#include "testlib.h"

int
main (void)
{
  struct ox_s3buf b = OX_S3BUF_INIT;
  unsigned char *pat = ox_test_pattern (100000, 3);
  char *s;

  /* Empty: steal gives "". */
  s = ox_s3buf_steal (&b);
  CHECK (s != NULL && strcmp (s, "") == 0);
  free (s);

  CHECK (ox_s3buf_puts (&b, "GET ") == 0);
  CHECK (ox_s3buf_printf (&b, "/%s?n=%d", "key", 12) == 0);
  CHECK (ox_s3buf_append (&b, "", 0) == 0);
  CHECK_EQ_INT (b.len, 13);
  CHECK (strcmp (b.data, "GET /key?n=12") == 0);
  CHECK (ox_s3buf_ok (&b));

  /* Growing past the first allocation keeps every byte and the NUL. */
  CHECK (ox_s3buf_append (&b, pat, 100000) == 0);
  CHECK_EQ_INT (b.len, 13 + 100000);
  CHECK_MEM (b.data + 13, pat, 100000);
  CHECK (b.data[b.len] == '\0');
  CHECK (b.cap > b.len);
  s = ox_s3buf_steal (&b);
  CHECK (s != NULL && b.data == NULL && b.len == 0);
  CHECK_MEM (s, "GET /key?n=12", 13);
  free (s);

  /* A limit: an append past it fails and the failure is sticky. */
  b.max = 10;
  CHECK (ox_s3buf_puts (&b, "0123456789") == 0);
  CHECK (ox_s3buf_puts (&b, "x") == -1);
  CHECK (!ox_s3buf_ok (&b));
  CHECK (ox_s3buf_puts (&b, "") == -1);
  CHECK (ox_s3buf_steal (&b) == NULL);
  CHECK (b.data == NULL && ox_s3buf_ok (&b));

  /* reserve leaves the contents alone. */
  b.max = 0;
  CHECK (ox_s3buf_puts (&b, "ab") == 0);
  CHECK (ox_s3buf_reserve (&b, 5000) == 0);
  CHECK (b.cap >= 5003 && strcmp (b.data, "ab") == 0);
  CHECK (ox_s3buf_reserve (&b, (size_t)-1) == -1);
  ox_s3buf_free (&b);
  CHECK (b.data == NULL && b.len == 0 && ox_s3buf_ok (&b));
  free (pat);
  return 0;
}
