/* Fuzz the HTTP response headers the S3 client reads: the input (after
 * the unused mode byte) is split into lines as libcurl hands them over,
 * and each goes through ox_s3_header_value for the headers s3http.c keeps,
 * Content-Length then through ox_s3xml_u64.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "s3http.h"
#include "s3xml.h"

static void
write_seeds (const char *dir)
{
  static const char h[]
      = "HTTP/1.1 206 Partial Content\r\nContent-Length: 1000\r\n"
        "Content-Range: bytes 0-999/4096\r\nETag: \"0cc175b9c0f1b6a8\"\r\n"
        "x-amz-bucket-region: eu-west-1\r\nContent-Type: text/plain\r\n\r\n";

  fuzz_write_seed (dir, "partial", 0, h, sizeof h - 1);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init (write_seeds);
  return 0;
}

static void
check_value (const char *line, size_t n, const char *name, size_t outlen)
{
  char *out = malloc (outlen);

  if (ox_s3_header_value (line, n, name, out, outlen) == 1) {
    if (strlen (out) >= outlen)
      abort ();
    if (strcmp (name, "content-length") == 0) {
      uint64_t v;
      ox_s3xml_u64 (out, &v);
    }
  }
  free (out);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *p, *end, *nl;

  if (size < 1)
    return 0;
  p = (const char *)data + 1;
  end = (const char *)data + size;
  for (; p < end; p = nl) {
    char *line;
    size_t n;
    nl = memchr (p, '\n', end - p);
    nl = nl ? nl + 1 : end;
    n = nl - p;
    line = (char *)fuzz_dup (p, n); /* exactly the line: no NUL after it */
    check_value (line, n, "etag", 128);
    check_value (line, n, "content-range", 128);
    check_value (line, n, "x-amz-bucket-region", 64);
    check_value (line, n, "content-length", 32);
    check_value (line, n, "etag", 1);
    free (line);
  }
  return 0;
}
