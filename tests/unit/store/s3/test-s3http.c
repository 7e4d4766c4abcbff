/* ox: the S3 client's request preparation without a network: the URL for
 * path-style and virtual-host addressing, key escaping, the query string,
 * digests, the Range value and the signed header lines. The expected
 * signatures were computed by an independent SigV4 implementation (Python's
 * hmac and hashlib following the AWS description), not by ox. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3http.h"
#include "testlib.h"

#define EMPTY_SHA256                                                          \
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HELLO_SHA256                                                          \
  "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
#define DATE "20261202T120000Z"

static struct ox_s3_client *
client (int virtual_host, const char *port, const char *token)
{
  struct ox_s3_config cfg = { 0 };
  struct ox_s3_client *c;

  cfg.scheme = strdup ("http");
  cfg.host = strdup ("s3.example.com");
  cfg.port = port ? strdup (port) : NULL;
  cfg.bucket = strdup ("bkt");
  cfg.prefix = strdup ("");
  cfg.virtual_host = virtual_host;
  cfg.region = strdup ("us-east-1");
  cfg.connections = 1;
  cfg.access_key = strdup ("AKIDEXAMPLE");
  cfg.secret_key = strdup ("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  cfg.session_token = token ? strdup (token) : NULL;
  cfg.tries = 1;
  c = ox_s3_client_new (&cfg);
  CHECK (c != NULL);
  return c;
}

/* Prepare REQ to C and check its path and URL. */
static void
check_target (struct ox_s3_client *c, const struct ox_s3_request *req,
              const char *path, const char *url)
{
  struct ox_s3_prepared p;

  CHECK (ox_s3_prepare (c, req, &p) == 0);
  if (strcmp (p.path, path) != 0 || strcmp (p.url, url) != 0) {
    fprintf (stderr, "path %s\n want %s\nurl  %s\n want %s\n", p.path, path,
             p.url, url);
    exit (1);
  }
  ox_s3_prepared_free (&p);
}

static void
check_path_style (void)
{
  struct ox_s3_client *c = client (0, "9000", NULL);
  struct ox_s3_request req = { .method = "GET", .what = "t" };
  struct ox_sigv4_param list[3] = {
    { "prefix", "a b/" },
    { "list-type", "2" },
    { "continuation-token", "x+y=~" },
  };
  struct ox_sigv4_param part[2]
      = { { "uploadId", "u/1+%" }, { "partNumber", "10" } };
  struct ox_sigv4_param uploads = { "uploads", "" };

  /* Unreserved bytes and '/' kept; everything else %XX, uppercase. */
  req.key = "seg/AZaz09-._~/a b+c%d";
  check_target (c, &req, "/bkt/seg/AZaz09-._~/a b+c%d",
                "http://s3.example.com:9000/bkt/seg/AZaz09-._~/a%20b%2Bc%25d");
  /* UTF-8 byte by byte; URL and shell specials; a control byte. */
  req.key = "\xc3\xa9t\xe2\x82\xac!*'()&=?#:@,;$\x01";
  check_target (c, &req, "/bkt/\xc3\xa9t\xe2\x82\xac!*'()&=?#:@,;$\x01",
                "http://s3.example.com:9000/bkt/%C3%A9t%E2%82%AC%21%2A%27%28"
                "%29%26%3D%3F%23%3A%40%2C%3B%24%01");
  /* Empty segments and a trailing '/' are kept as they are. */
  req.key = "a//b/";
  check_target (c, &req, "/bkt/a//b/", "http://s3.example.com:9000/bkt/a//b/");

  /* The bucket itself: "/bkt", no trailing '/'; the query sorted by name
   * and escaped as in the canonical request ('/' too, '~' kept). */
  req.key = NULL;
  req.params = list;
  req.nparams = 3;
  check_target (c, &req, "/bkt",
                "http://s3.example.com:9000/bkt?continuation-token=x%2By%3D~"
                "&list-type=2&prefix=a%20b%2F");
  req.key = "k";
  req.params = part;
  req.nparams = 2;
  check_target (c, &req, "/bkt/k",
                "http://s3.example.com:9000/bkt/k?partNumber=10&uploadId=u%2F1"
                "%2B%25");
  /* A bare name gets "=". */
  req.params = &uploads;
  req.nparams = 1;
  check_target (c, &req, "/bkt/k",
                "http://s3.example.com:9000/bkt/k?uploads=");
  ox_s3_client_free (c);
}

static void
check_virtual_host (void)
{
  struct ox_s3_client *c = client (1, NULL, NULL);
  struct ox_s3_request req = { .method = "GET", .what = "t" };
  struct ox_sigv4_param del = { "delete", NULL };

  req.key = "seg/a b";
  check_target (c, &req, "/seg/a b", "http://bkt.s3.example.com/seg/a%20b");
  /* The bucket itself is "/". */
  req.key = NULL;
  check_target (c, &req, "/", "http://bkt.s3.example.com/");
  req.params = &del;
  req.nparams = 1;
  check_target (c, &req, "/", "http://bkt.s3.example.com/?delete=");
  ox_s3_client_free (c);
}

static void
check_digests_and_range (void)
{
  struct ox_s3_client *c = client (0, NULL, NULL);
  struct ox_s3_request req = { .method = "PUT", .key = "k", .what = "t" };
  struct ox_s3_prepared p;

  /* No body: the SHA-256 of nothing; no MD5, no range unless asked. */
  CHECK (ox_s3_prepare (c, &req, &p) == 0);
  CHECK (strcmp (p.url, "http://s3.example.com/bkt/k") == 0);
  CHECK (strcmp (p.payload_hash, EMPTY_SHA256) == 0);
  CHECK (strcmp (p.md5, "") == 0);
  CHECK (strcmp (p.range, "") == 0);
  ox_s3_prepared_free (&p);

  req.body = "hello";
  req.body_len = 5;
  req.content_md5 = 1;
  CHECK (ox_s3_prepare (c, &req, &p) == 0);
  CHECK (strcmp (p.payload_hash, HELLO_SHA256) == 0);
  CHECK (strcmp (p.md5, "XUFAKrxLKna5cZ2REBfFkg==") == 0);
  ox_s3_prepared_free (&p);

  /* A hash the caller knows is used as given. */
  req.body_sha256 = EMPTY_SHA256;
  req.content_md5 = 0;
  CHECK (ox_s3_prepare (c, &req, &p) == 0);
  CHECK (strcmp (p.payload_hash, EMPTY_SHA256) == 0);
  ox_s3_prepared_free (&p);

  /* Ranges are inclusive: [off, off+len-1]. */
  req = (struct ox_s3_request){
    .method = "GET", .key = "k", .what = "t", .range = 1, .range_len = 1
  };
  CHECK (ox_s3_prepare (c, &req, &p) == 0);
  CHECK (strcmp (p.range, "bytes=0-0") == 0);
  ox_s3_prepared_free (&p);
  req.range_off = 100;
  req.range_len = 50;
  CHECK (ox_s3_prepare (c, &req, &p) == 0);
  CHECK (strcmp (p.range, "bytes=100-149") == 0);
  ox_s3_prepared_free (&p);
  req.range_off = UINT64_C (1) << 40;
  req.range_len = 32u << 20;
  CHECK (ox_s3_prepare (c, &req, &p) == 0);
  CHECK (strcmp (p.range, "bytes=1099511627776-1099545182207") == 0);
  ox_s3_prepared_free (&p);
  ox_s3_client_free (c);
}

/* The header lines of REQ to C signed at DATE must be WANT. */
static void
check_lines (struct ox_s3_client *c, const struct ox_s3_request *req,
             const char *want)
{
  struct ox_s3_prepared p;
  char *lines;

  CHECK (ox_s3_prepare (c, req, &p) == 0);
  lines = ox_s3_request_headers (c, req, &p, DATE);
  CHECK (lines != NULL);
  if (strcmp (lines, want) != 0) {
    fprintf (stderr, "headers:\n%s\nwanted:\n%s\n", lines, want);
    exit (1);
  }
  free (lines);
  ox_s3_prepared_free (&p);
}

static void
check_headers (void)
{
  struct ox_s3_client *c = client (0, "9000", NULL);
  struct ox_s3_request req = { .method = "GET",
                               .key = "seg/a b+c",
                               .range = 1,
                               .range_off = 100,
                               .range_len = 50,
                               .what = "t" };
  struct ox_sigv4_param part[2]
      = { { "uploadId", "u/1+" }, { "partNumber", "2" } };
  struct ox_sigv4_param uploads = { "uploads", "" };
  static char big[1024 * 1024];

  check_lines (
      c, &req,
      "Host: s3.example.com:9000\n"
      "x-amz-content-sha256: " EMPTY_SHA256 "\n"
      "x-amz-date: " DATE "\n"
      "Range: bytes=100-149\n"
      "Authorization: AWS4-HMAC-SHA256 "
      "Credential=AKIDEXAMPLE/20261202/us-east-1/s3/aws4_request, "
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
      "Signature="
      "c1aa56a2798a5724fba5d394370812c06f8a1e3346d0b2edffa3a5cfd5e893db\n"
      "Expect:\n");

  /* A body of 1 MiB or more may wait for 100-continue: no "Expect:". */
  req = (struct ox_s3_request){ .method = "PUT",
                                .key = "k",
                                .body = big,
                                .body_len = sizeof big,
                                .body_sha256 = EMPTY_SHA256,
                                .what = "t" };
  {
    struct ox_s3_prepared p;
    char *lines;

    CHECK (ox_s3_prepare (c, &req, &p) == 0);
    lines = ox_s3_request_headers (c, &req, &p, DATE);
    CHECK (lines != NULL);
    CHECK (strstr (lines, "\nExpect:") == NULL);
    CHECK (strstr (lines, "Content-Type") == NULL);
    free (lines);
    ox_s3_prepared_free (&p);
  }

  /* POST: curl's form Content-Type removed, as it is not signed. */
  req = (struct ox_s3_request){
    .method = "POST", .key = "k", .params = &uploads, .nparams = 1, .what = "t"
  };
  {
    struct ox_s3_prepared p;
    const char *tail = "\nExpect:\nContent-Type:\n";
    char *lines;
    size_t n;

    CHECK (ox_s3_prepare (c, &req, &p) == 0);
    lines = ox_s3_request_headers (c, &req, &p, DATE);
    CHECK (lines != NULL);
    n = strlen (lines);
    CHECK (n > strlen (tail) && strcmp (lines + n - strlen (tail), tail) == 0);
    free (lines);
    ox_s3_prepared_free (&p);
  }
  ox_s3_client_free (c);

  /* Virtual host, session token, Content-MD5, create-only. */
  c = client (1, NULL, "TOKEN");
  req = (struct ox_s3_request){ .method = "PUT",
                                .key = "k",
                                .params = part,
                                .nparams = 2,
                                .body = "hello",
                                .body_len = 5,
                                .content_md5 = 1,
                                .if_none_match = 1,
                                .what = "t" };
  check_lines (
      c, &req,
      "Host: bkt.s3.example.com\n"
      "x-amz-content-sha256: " HELLO_SHA256 "\n"
      "x-amz-date: " DATE "\n"
      "x-amz-security-token: TOKEN\n"
      "Content-MD5: XUFAKrxLKna5cZ2REBfFkg==\n"
      "If-None-Match: *\n"
      "Authorization: AWS4-HMAC-SHA256 "
      "Credential=AKIDEXAMPLE/20261202/us-east-1/s3/aws4_request, "
      "SignedHeaders=content-md5;host;if-none-match;x-amz-content-sha256;"
      "x-amz-date;x-amz-security-token, "
      "Signature="
      "42beed01362c71d47ce87f1d0f91649d7a864a2beeebd875a86fd2891021957a\n"
      "Expect:\n");
  ox_s3_client_free (c);
}

int
main (void)
{
  ox_test_capture (1);
  check_path_style ();
  check_virtual_host ();
  check_digests_and_range ();
  check_headers ();
  printf ("s3http: request preparation checks passed\n");
  return 0;
}
