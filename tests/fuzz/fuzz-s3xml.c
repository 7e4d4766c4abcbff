/* Fuzz the S3 XML answers (common/s3xml.h) the way the s3:// store reads
 * them: ListObjectsV2 pages (Contents, Key, Size, IsTruncated,
 * NextContinuationToken), error bodies (Code, Message and the hints of
 * s3error.c), multipart initiation (UploadId) and DeleteObjects results.
 * The mode byte is the HTTP status class to hint for (2xx..5xx).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "s3error.h"
#include "s3xml.h"

static const char *const seeds[] = {
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
  "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name>"
  "<Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
  "<IsTruncated>true</IsTruncated><Contents><Key>p/a&amp;b</Key>"
  "<LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;0cc1"
  "&quot;</ETag><Size>123</Size><StorageClass>STANDARD</StorageClass>"
  "</Contents><Contents><Key>p/&#x41;&#66;&lt;&gt;&apos;</Key><Size>0"
  "</Size></Contents><NextContinuationToken>tok/en+=</NextContinuationToken>"
  "</ListBucketResult>",
  "<ListBucketResult><IsTruncated>false</IsTruncated><Contents/>"
  "</ListBucketResult>",
  "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The "
  "specified key does not exist.</Message><Key>a</Key><RequestId>tx1"
  "</RequestId></Error>",
  "<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
  "</Message></Error>",
  "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>"
  "MjAyNi0wMS0wMQ</UploadId></InitiateMultipartUploadResult>",
  "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>"
  "AccessDenied</Code><Message>Access Denied</Message></Error>"
  "</DeleteResult>",
  NULL
};

static void
write_seeds (const char *dir)
{
  char name[16];

  for (int i = 0; seeds[i]; i++) {
    name[0] = 'a' + i, name[1] = '\0';
    fuzz_write_seed (dir, name, 4, seeds[i], strlen (seeds[i]));
  }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init (write_seeds);
  return 0;
}

/* The decoded text of element NAME; checks what ox_s3xml_text promises. */
static char *
text (const char *xml, size_t len, const char *name)
{
  char *out = (char *)1;
  int r = ox_s3xml_text (xml, len, name, &out);

  if ((r == 1) != (out != NULL) || (r != 1 && out != NULL)
      || (r == 1 && strlen (out) > len))
    abort ();
  return out;
}

static void
listing (const char *xml, size_t len)
{
  const char *pos = xml, *end = xml + len, *in;
  size_t inlen;
  int more;

  while ((more = ox_s3xml_next (&pos, end, "Contents", &in, &inlen)) == 1) {
    char *key, *size_s;
    uint64_t size;
    if (in < xml || inlen > (size_t)(end - in) || pos > end || pos < in)
      abort ();
    key = text (in, inlen, "Key");
    size_s = text (in, inlen, "Size");
    if (size_s)
      ox_s3xml_u64 (size_s, &size);
    free (key);
    free (size_s);
  }
  free (text (xml, len, "IsTruncated"));
  free (text (xml, len, "NextContinuationToken"));
}

static void
errors (const char *xml, size_t len, long status)
{
  const char *pos = xml, *end = xml + len, *in;
  char *code = text (xml, len, "Code");
  size_t inlen;

  ox_s3_error_hint (code, status);
  ox_s3_error_is_transient (code, status);
  free (code);
  free (text (xml, len, "Message"));
  free (text (xml, len, "UploadId"));
  while (ox_s3xml_next (&pos, end, "Error", &in, &inlen) == 1) {
    free (text (in, inlen, "Key"));
    free (text (in, inlen, "Code"));
    free (text (in, inlen, "Message"));
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *xml, *decoded;

  if (size < 1)
    return 0;
  xml = (char *)fuzz_dup (data + 1, size - 1); /* no NUL after it */
  listing (xml, size - 1);
  errors (xml, size - 1, 200 + 100 * (data[0] % 4) + data[0] / 4);
  if (ox_s3xml_decode (xml, size - 1, &decoded) == 0) {
    if (strlen (decoded) > size - 1)
      abort ();
    free (decoded);
  }
  free (xml);
  return 0;
}
