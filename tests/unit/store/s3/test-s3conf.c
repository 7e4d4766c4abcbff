/* ox: s3:// configuration as the AWS tools resolve it: endpoint, region,
 * addressing, credentials (environment and shared file), tunables. No
 * server needed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s3bucket.h"
#include "s3conf.h"
#include "s3delete.h"
#include "s3multipart.h"
#include "test.h"

static char tmpdir[] = "/tmp/ox-test-s3conf.XXXXXX";

static void
clear_env (void)
{
  static const char *vars[] = {
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CA_BUNDLE",
    "OX_S3_RETRIES",
    "OX_S3_RETRY_BASE_MS",
    "OX_S3_RETRY_CAP_MS",
    "OX_S3_CONNECT_TIMEOUT",
    "OX_S3_STALL_TIMEOUT",
    "OX_S3_PART_SIZE",
    "OX_S3_MULTIPART_THRESHOLD",
  };
  size_t i;

  for (i = 0; i < sizeof vars / sizeof vars[0]; i++)
    unsetenv (vars[i]);
  setenv ("AWS_ACCESS_KEY_ID", "AKID", 1);
  setenv ("AWS_SECRET_ACCESS_KEY", "SECRET", 1);
}

static void
check_endpoint (const char *url, const char *scheme, const char *host,
                const char *port)
{
  char *s, *h, *p;

  CHECK (ox_s3_parse_endpoint (url, &s, &h, &p) == 0);
  CHECK (strcmp (s, scheme) == 0);
  CHECK (strcmp (h, host) == 0);
  CHECK (port ? p && strcmp (p, port) == 0 : p == NULL);
  free (s);
  free (h);
  free (p);
}

static void
check_endpoints (void)
{
  static const char *bad[] = {
    "ftp://h",    "http://", "http://h:99999", "http://h:abc", "http://h/path",
    "http://u@h", "h:9000",  "http://[::1",    "http://h:",    "http://h?x=1",
  };
  char *s, *h, *p;
  size_t i;

  check_endpoint ("http://127.0.0.1:9000", "http", "127.0.0.1", "9000");
  check_endpoint ("https://s3.amazonaws.com/", "https", "s3.amazonaws.com",
                  NULL);
  check_endpoint ("https://[::1]:443", "https", "[::1]", "443");
  check_endpoint ("http://minio:9000/", "http", "minio", "9000");
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    errno = 0;
    CHECK (ox_s3_parse_endpoint (bad[i], &s, &h, &p) == -1);
    CHECK (s == NULL && h == NULL && p == NULL);
  }
}

static void
load (const char *bucket, const char *prefix, const struct ox_store_options *o,
      struct ox_s3_config *cfg)
{
  CHECK (ox_s3_config_load (bucket, prefix, o, cfg) == 0);
}

static void
check_defaults (void)
{
  struct ox_s3_config cfg;
  struct ox_store_options o = { 0 };

  clear_env ();
  load ("mybucket", "", NULL, &cfg);
  CHECK (strcmp (cfg.scheme, "https") == 0);
  CHECK (strcmp (cfg.host, "s3.us-east-1.amazonaws.com") == 0);
  CHECK (cfg.port == NULL);
  CHECK (strcmp (cfg.region, "us-east-1") == 0);
  CHECK (strcmp (cfg.prefix, "") == 0);
  CHECK (cfg.virtual_host == 1);
  CHECK_EQ_INT (cfg.connections, OX_S3_DEFAULT_CONNECTIONS);
  CHECK_EQ_INT (cfg.tries, 6);
  CHECK_EQ_INT (cfg.retry_base_ms, 200);
  CHECK_EQ_INT (cfg.retry_cap_ms, 10000);
  CHECK_EQ_INT (cfg.connect_timeout, 10);
  CHECK_EQ_INT (cfg.stall_timeout, 30);
  CHECK_EQ_INT (cfg.part_size, 16 << 20);
  CHECK_EQ_INT (cfg.multipart_threshold, 64 << 20);
  CHECK (cfg.ca_bundle == NULL && cfg.insecure == 0);
  ox_s3_config_free (&cfg);

  /* Bucket names that cannot be a TLS host label get path style. */
  load ("my.bucket", "a/b", NULL, &cfg);
  CHECK (cfg.virtual_host == 0);
  CHECK (strcmp (cfg.prefix, "a/b/") == 0);
  ox_s3_config_free (&cfg);
  load ("My_Bucket", "", NULL, &cfg);
  CHECK (cfg.virtual_host == 0);
  ox_s3_config_free (&cfg);
  o.addressing = 1;
  load ("mybucket", "", &o, &cfg);
  CHECK (cfg.virtual_host == 0);
  ox_s3_config_free (&cfg);

  CHECK (ox_s3_config_load ("bad/bucket", "", NULL, &cfg) == -1);
  CHECK (ox_s3_config_load ("", "", NULL, &cfg) == -1);
  CHECK (ox_s3_config_load ("a b", "", NULL, &cfg) == -1);
}

static void
check_region_and_endpoint (void)
{
  struct ox_s3_config cfg;
  struct ox_store_options o = { 0 };

  clear_env ();
  setenv ("AWS_DEFAULT_REGION", "eu-west-1", 1);
  load ("b1b", "", NULL, &cfg);
  CHECK (strcmp (cfg.region, "eu-west-1") == 0);
  CHECK (strcmp (cfg.host, "s3.eu-west-1.amazonaws.com") == 0);
  ox_s3_config_free (&cfg);
  setenv ("AWS_REGION", "eu-central-1", 1);
  load ("b1b", "", NULL, &cfg);
  CHECK (strcmp (cfg.region, "eu-central-1") == 0);
  ox_s3_config_free (&cfg);
  o.region = "cn-north-1";
  load ("b1b", "", &o, &cfg);
  CHECK (strcmp (cfg.region, "cn-north-1") == 0);
  CHECK (strcmp (cfg.host, "s3.cn-north-1.amazonaws.com.cn") == 0);
  CHECK (cfg.virtual_host == 1);
  ox_s3_config_free (&cfg);

  /* A custom endpoint: path style unless asked otherwise. */
  setenv ("AWS_ENDPOINT_URL", "http://generic:1", 1);
  load ("b1b", "", NULL, &cfg);
  CHECK (strcmp (cfg.host, "generic") == 0 && cfg.virtual_host == 0);
  ox_s3_config_free (&cfg);
  setenv ("AWS_ENDPOINT_URL_S3", "http://s3only:2", 1);
  load ("b1b", "", NULL, &cfg);
  CHECK (strcmp (cfg.host, "s3only") == 0 && strcmp (cfg.port, "2") == 0);
  ox_s3_config_free (&cfg);
  o.endpoint = "https://option:3";
  o.addressing = 2;
  load ("b1b", "", &o, &cfg);
  CHECK (strcmp (cfg.host, "option") == 0 && cfg.virtual_host == 1);
  CHECK (strcmp (cfg.scheme, "https") == 0);
  ox_s3_config_free (&cfg);
  o.endpoint = "https://[::1]:3";
  CHECK (ox_s3_config_load ("b1b", "", &o, &cfg) == -1);
  o.endpoint = "s3.example.com";
  o.addressing = 0;
  CHECK (ox_s3_config_load ("b1b", "", &o, &cfg) == -1);
}

static void
write_file (const char *path, const char *text)
{
  FILE *fp = fopen (path, "w");

  CHECK (fp != NULL);
  fputs (text, fp);
  CHECK (fclose (fp) == 0);
}

static void
check_credentials (void)
{
  struct ox_s3_config cfg;
  char path[512], home[128];

  clear_env ();
  setenv ("AWS_SESSION_TOKEN", "TOKEN", 1);
  load ("b1b", "", NULL, &cfg);
  CHECK (strcmp (cfg.access_key, "AKID") == 0);
  CHECK (strcmp (cfg.secret_key, "SECRET") == 0);
  CHECK (strcmp (cfg.session_token, "TOKEN") == 0);
  ox_s3_config_free (&cfg);
  unsetenv ("AWS_SECRET_ACCESS_KEY");
  CHECK (ox_s3_config_load ("b1b", "", NULL, &cfg) == -1);

  /* The shared credentials file. */
  unsetenv ("AWS_ACCESS_KEY_ID");
  unsetenv ("AWS_SESSION_TOKEN");
  snprintf (path, sizeof path, "%s/credentials", tmpdir);
  write_file (path, "# comment\n[default]\naws_access_key_id = DK\n"
                    "aws_secret_access_key=DS\n\n"
                    "  [ prod ]  \n; another comment\n"
                    "aws_access_key_id =   PK  \n"
                    "aws_secret_access_key = P/S+=x \n"
                    "aws_session_token = PT\nregion = ignored\n"
                    "[half]\naws_access_key_id = HK\n");
  setenv ("AWS_SHARED_CREDENTIALS_FILE", path, 1);
  load ("b1b", "", NULL, &cfg);
  CHECK (strcmp (cfg.access_key, "DK") == 0);
  CHECK (strcmp (cfg.secret_key, "DS") == 0);
  CHECK (cfg.session_token == NULL);
  ox_s3_config_free (&cfg);
  setenv ("AWS_PROFILE", "prod", 1);
  load ("b1b", "", NULL, &cfg);
  CHECK (strcmp (cfg.access_key, "PK") == 0);
  CHECK (strcmp (cfg.secret_key, "P/S+=x") == 0);
  CHECK (strcmp (cfg.session_token, "PT") == 0);
  ox_s3_config_free (&cfg);
  setenv ("AWS_PROFILE", "half", 1);
  CHECK (ox_s3_config_load ("b1b", "", NULL, &cfg) == -1);
  setenv ("AWS_PROFILE", "missing", 1);
  CHECK (ox_s3_config_load ("b1b", "", NULL, &cfg) == -1);

  /* The default file is $HOME/.aws/credentials. */
  unsetenv ("AWS_PROFILE");
  unsetenv ("AWS_SHARED_CREDENTIALS_FILE");
  snprintf (home, sizeof home, "%s/home", tmpdir);
  CHECK (mkdir (home, 0700) == 0);
  setenv ("HOME", home, 1);
  CHECK (ox_s3_config_load ("b1b", "", NULL, &cfg) == -1);
  snprintf (path, sizeof path, "%s/.aws", home);
  CHECK (mkdir (path, 0700) == 0);
  snprintf (path, sizeof path, "%s/.aws/credentials", home);
  write_file (path, "[default]\naws_access_key_id=HK\n"
                    "aws_secret_access_key=HS\n");
  load ("b1b", "", NULL, &cfg);
  CHECK (strcmp (cfg.access_key, "HK") == 0);
  ox_s3_config_free (&cfg);
  CHECK (unlink (path) == 0);
  snprintf (path, sizeof path, "%s/.aws", home);
  CHECK (rmdir (path) == 0);
  CHECK (rmdir (home) == 0);
  snprintf (path, sizeof path, "%s/credentials", tmpdir);
  CHECK (unlink (path) == 0);
}

static void
check_tunables_and_tls (void)
{
  struct ox_s3_config cfg;
  struct ox_store_options o = { 0 };
  static const char *bad[][2] = {
    { "OX_S3_RETRIES", "0" },   { "OX_S3_RETRIES", "abc" },
    { "OX_S3_RETRIES", "101" }, { "OX_S3_STALL_TIMEOUT", "-1" },
    { "OX_S3_PART_SIZE", "0" }, { "OX_S3_RETRY_BASE_MS", "1e3" },
  };
  size_t i;

  clear_env ();
  setenv ("OX_S3_RETRIES", "2", 1);
  setenv ("OX_S3_RETRY_BASE_MS", "0", 1);
  setenv ("OX_S3_STALL_TIMEOUT", "5", 1);
  setenv ("OX_S3_PART_SIZE", "1", 1);
  load ("b1b", "", NULL, &cfg);
  CHECK_EQ_INT (cfg.tries, 2);
  CHECK_EQ_INT (cfg.retry_base_ms, 0);
  CHECK_EQ_INT (cfg.stall_timeout, 5);
  CHECK_EQ_INT (cfg.part_size, 1);
  ox_s3_config_free (&cfg);
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    clear_env ();
    setenv (bad[i][0], bad[i][1], 1);
    CHECK (ox_s3_config_load ("b1b", "", NULL, &cfg) == -1);
  }

  clear_env ();
  setenv ("AWS_CA_BUNDLE", "/nonexistent/ca.pem", 1);
  CHECK (ox_s3_config_load ("b1b", "", NULL, &cfg) == -1);
  o.ca_bundle = "/dev/null"; /* the option wins */
  o.insecure = 1;
  o.connections = 3;
  o.bwlimit = 1000;
  load ("b1b", "", &o, &cfg);
  CHECK (strcmp (cfg.ca_bundle, "/dev/null") == 0);
  CHECK (cfg.insecure == 1 && cfg.connections == 3 && cfg.bwlimit == 1000);
  ox_s3_config_free (&cfg);
}

static void
check_part_size (void)
{
  CHECK_EQ_INT (ox_s3_part_size (100, 16), 16);
  CHECK_EQ_INT (ox_s3_part_size (16000, 16), 16);
  CHECK_EQ_INT (ox_s3_part_size (16001, 16), 17);
  CHECK_EQ_INT (ox_s3_part_size ((size_t)64 << 30, 16 << 20),
                ((size_t)64 << 30) / 1000 + 1);
}

/* Slow requests get a timeout that grows with their work. */
static void
check_work_timeout (void)
{
  struct ox_s3_config cfg = { .stall_timeout = 30 };

  CHECK_EQ_INT (ox_s3_work_timeout (&cfg, 0), 60);
  CHECK_EQ_INT (ox_s3_work_timeout (&cfg, 1), 61);
  CHECK_EQ_INT (ox_s3_work_timeout (&cfg, 250), 90);
  CHECK_EQ_INT (ox_s3_work_timeout (&cfg, 1000), 180);
  cfg.stall_timeout = 2;
  CHECK_EQ_INT (ox_s3_work_timeout (&cfg, 1000), 12);
  CHECK_EQ_INT (ox_s3_work_timeout (&cfg, 20), 5);
}

/* Delete batches: halved on timeouts down to the minimum, given up after
 * the tries, doubled back after quick successes only. */
static void
check_batch (void)
{
  struct ox_s3_batch b;
  int i;

  ox_s3_batch_init (&b);
  CHECK_EQ_INT (b.size, OX_S3_DELETE_BATCH);
  CHECK (ox_s3_batch_timed_out (&b, b.size, 6) == 0);
  CHECK_EQ_INT (b.size, 500);
  CHECK (ox_s3_batch_timed_out (&b, b.size, 6) == 0);
  CHECK_EQ_INT (b.size, 250);
  for (i = 0; i < OX_S3_DELETE_GROW_AFTER - 1; i++)
    ox_s3_batch_succeeded (&b, 1);
  ox_s3_batch_succeeded (&b, 0); /* slow: the run of quick ones restarts */
  CHECK_EQ_INT (b.size, 250);
  for (i = 0; i < OX_S3_DELETE_GROW_AFTER; i++)
    ox_s3_batch_succeeded (&b, 1);
  CHECK_EQ_INT (b.size, 500);
  for (i = 0; i < 3 * OX_S3_DELETE_GROW_AFTER; i++)
    ox_s3_batch_succeeded (&b, 1);
  CHECK_EQ_INT (b.size, OX_S3_DELETE_BATCH); /* never above the maximum */
  /* A success resets the run of timeouts; five in a row are fine with six
   * tries, the sixth gives up; the size never drops below the minimum. */
  for (i = 0; i < 5; i++)
    CHECK (ox_s3_batch_timed_out (&b, b.size, 6) == 0);
  CHECK_EQ_INT (b.size, 31);
  ox_s3_batch_succeeded (&b, 0);
  for (i = 0; i < 5; i++)
    CHECK (ox_s3_batch_timed_out (&b, b.size, 6) == 0);
  CHECK_EQ_INT (b.size, OX_S3_DELETE_MIN_BATCH);
  CHECK (ox_s3_batch_timed_out (&b, b.size, 6) == -1);
  /* A short last batch that timed out: half of what was sent. */
  ox_s3_batch_init (&b);
  CHECK (ox_s3_batch_timed_out (&b, 40, 6) == 0);
  CHECK_EQ_INT (b.size, 20);
}

/* CreateBucket: no body in us-east-1, a location constraint elsewhere. */
static void
check_bucket_body (void)
{
  char *b = ox_s3_bucket_create_body ("us-east-1");

  CHECK (b != NULL && strcmp (b, "") == 0);
  free (b);
  b = ox_s3_bucket_create_body ("eu-west-3");
  CHECK (b != NULL);
  CHECK (strcmp (b, "<CreateBucketConfiguration xmlns=\"http://"
                    "s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>"
                    "eu-west-3</LocationConstraint></"
                    "CreateBucketConfiguration>")
         == 0);
  free (b);
}

int
main (void)
{
  CHECK (mkdtemp (tmpdir) != NULL);
  check_endpoints ();
  check_defaults ();
  check_region_and_endpoint ();
  check_credentials ();
  check_tunables_and_tls ();
  check_part_size ();
  check_work_timeout ();
  check_batch ();
  check_bucket_body ();
  CHECK (rmdir (tmpdir) == 0);
  return 0;
}
