/* ox: the configuration of an s3:// store. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cleanup.h"
#include "log.h"
#include "s3conf.h"
#include "s3xml.h"

#define MIB (1024 * 1024)

static const char *
env (const char *name)
{
  const char *v = getenv (name);
  return v && *v ? v : NULL;
}

static void
free_secret (char **s)
{
  if (*s) {
    OPENSSL_cleanse (*s, strlen (*s));
    free (*s);
    *s = NULL;
  }
}

int
ox_s3_parse_endpoint (const char *url, char **scheme, char **host, char **port)
{
  const char *p, *hostend, *colon;
  size_t slen;

  *scheme = *host = *port = NULL;
  if (strncmp (url, "http://", 7) == 0)
    slen = 4;
  else if (strncmp (url, "https://", 8) == 0)
    slen = 5;
  else {
    ox_error ("S3 endpoint %s: must begin with http:// or https://", url);
    errno = EINVAL;
    return -1;
  }
  p = url + slen + 3;
  if (*p == '[') {
    hostend = strchr (p, ']');
    if (hostend == NULL)
      goto bad;
    hostend++;
  } else
    hostend = p + strcspn (p, ":/?#@");
  colon = *hostend == ':' ? hostend : NULL;
  if (hostend == p || (*hostend && *hostend != ':' && *hostend != '/'))
    goto bad;
  if (colon) {
    size_t n = strspn (colon + 1, "0123456789");
    if (n == 0 || n > 5 || (colon[1 + n] && colon[1 + n] != '/'))
      goto bad;
    if (strtol (colon + 1, NULL, 10) > 65535)
      goto bad;
    *port = strndup (colon + 1, n);
    p = colon + 1 + n;
  } else
    p = hostend;
  if (*p && strcmp (p, "/") != 0) {
    ox_error ("S3 endpoint %s: a path after the host is not supported", url);
    free (*port);
    *port = NULL;
    errno = EINVAL;
    return -1;
  }
  *scheme = strndup (url, slen);
  *host = strndup (url + slen + 3, hostend - (url + slen + 3));
  if (*scheme == NULL || *host == NULL) {
    ox_error ("S3 endpoint %s: %m", url);
    free (*scheme);
    free (*host);
    free (*port);
    *scheme = *host = *port = NULL;
    return -1;
  }
  return 0;

bad:
  ox_error ("S3 endpoint %s: not a valid http(s)://HOST[:PORT] URL", url);
  errno = EINVAL;
  return -1;
}

/* Trim blanks at both ends of S in place. */
static char *
trim (char *s)
{
  char *e;

  while (isspace ((unsigned char)*s))
    s++;
  e = s + strlen (s);
  while (e > s && isspace ((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

/* Handle one "key = value" line of the wanted profile. */
static int
credentials_line (char *line, char **ak, char **sk, char **tok)
{
  char *eq = strchr (line, '='), *k, *v, **dst = NULL;

  if (eq == NULL)
    return 0;
  *eq = '\0';
  k = trim (line);
  v = trim (eq + 1);
  if (strcmp (k, "aws_access_key_id") == 0)
    dst = ak;
  else if (strcmp (k, "aws_secret_access_key") == 0)
    dst = sk;
  else if (strcmp (k, "aws_session_token") == 0)
    dst = tok;
  if (dst == NULL)
    return 0;
  free_secret (dst);
  *dst = strdup (v);
  return *dst ? 0 : -1;
}

int
ox_s3_read_credentials (const char *path, const char *profile, char **ak,
                        char **sk, char **tok)
{
  FILE *fp;
  char *line = NULL, *s;
  size_t cap = 0;
  int in_profile = 0, found = 0, r = -1;

  *ak = *sk = *tok = NULL;
  fp = fopen (path, "r");
  if (fp == NULL) {
    if (errno == ENOENT)
      return 0;
    ox_error ("S3 credentials file %s: %m", path);
    return -1;
  }
  while (getline (&line, &cap, fp) != -1) {
    s = trim (line);
    if (*s == '#' || *s == ';' || *s == '\0')
      continue;
    if (*s == '[') {
      char *e = strchr (s, ']');
      if (e)
        *e = '\0';
      in_profile = strcmp (trim (s + 1), profile) == 0;
      found |= in_profile;
      continue;
    }
    if (in_profile && credentials_line (s, ak, sk, tok) == -1) {
      ox_error ("S3 credentials file %s: %m", path);
      goto out;
    }
  }
  if (ferror (fp)) {
    ox_error ("S3 credentials file %s: read error", path);
    goto out;
  }
  if (!found)
    r = 0;
  else if (*ak == NULL || *sk == NULL)
    ox_error ("S3 credentials file %s: profile [%s] lacks "
              "aws_access_key_id or aws_secret_access_key",
              path, profile);
  else
    r = 1;

out:
  if (line)
    OPENSSL_cleanse (line, cap);
  free (line);
  fclose (fp);
  if (r != 1) {
    free_secret (ak);
    free_secret (sk);
    free_secret (tok);
  }
  return r;
}

static int
load_credentials (struct ox_s3_config *cfg)
{
  const char *ak = env ("AWS_ACCESS_KEY_ID");
  const char *sk = env ("AWS_SECRET_ACCESS_KEY");
  const char *profile = env ("AWS_PROFILE");
  const char *path = env ("AWS_SHARED_CREDENTIALS_FILE");
  CLEANUP_FREE char *dflt = NULL;
  int r;

  if (ak || sk) {
    if (!ak || !sk) {
      ox_error ("S3 credentials: %s is set but %s is not",
                ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
      errno = EINVAL;
      return -1;
    }
    cfg->access_key = strdup (ak);
    cfg->secret_key = strdup (sk);
    if (env ("AWS_SESSION_TOKEN"))
      cfg->session_token = strdup (env ("AWS_SESSION_TOKEN"));
    if (!cfg->access_key || !cfg->secret_key
        || (env ("AWS_SESSION_TOKEN") && !cfg->session_token)) {
      ox_error ("S3 credentials: %m");
      return -1;
    }
    return 0;
  }
  if (path == NULL) {
    if (env ("HOME") == NULL
        || asprintf (&dflt, "%s/.aws/credentials", env ("HOME")) == -1) {
      ox_error ("no S3 credentials: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_SHARED_CREDENTIALS_FILE");
      errno = EINVAL;
      return -1;
    }
    path = dflt;
  }
  if (profile == NULL)
    profile = "default";
  r = ox_s3_read_credentials (path, profile, &cfg->access_key,
                              &cfg->secret_key, &cfg->session_token);
  if (r == 0) {
    ox_error ("no S3 credentials: set AWS_ACCESS_KEY_ID and "
              "AWS_SECRET_ACCESS_KEY, or add profile [%s] to %s",
              profile, path);
    errno = EINVAL;
  }
  return r == 1 ? 0 : -1;
}

/* A positive integer tunable from the environment. */
static int
tunable (const char *name, uint64_t dflt, uint64_t min, uint64_t max,
         uint64_t *out)
{
  const char *v = env (name);
  uint64_t n;

  if (v == NULL) {
    *out = dflt;
    return 0;
  }
  if (ox_s3xml_u64 (v, &n) == -1 || n < min || n > max) {
    ox_error ("%s=%s: expected a number from %llu to %llu", name, v,
              (unsigned long long)min, (unsigned long long)max);
    errno = EINVAL;
    return -1;
  }
  *out = n;
  return 0;
}

static int
load_tunables (struct ox_s3_config *cfg)
{
  uint64_t tries, base, cap, ct, st;

  if (tunable ("OX_S3_RETRIES", 6, 1, 100, &tries) == -1
      || tunable ("OX_S3_RETRY_BASE_MS", 200, 0, 600000, &base) == -1
      || tunable ("OX_S3_RETRY_CAP_MS", 10000, 0, 3600000, &cap) == -1
      || tunable ("OX_S3_CONNECT_TIMEOUT", 10, 1, 3600, &ct) == -1
      || tunable ("OX_S3_STALL_TIMEOUT", 30, 1, 3600, &st) == -1
      || tunable ("OX_S3_PART_SIZE", 16 * MIB, 1, 5ULL << 30, &cfg->part_size)
             == -1
      || tunable ("OX_S3_MULTIPART_THRESHOLD", 64 * MIB, 1, 5ULL << 30,
                  &cfg->multipart_threshold)
             == -1)
    return -1;
  cfg->tries = tries;
  cfg->retry_base_ms = base;
  cfg->retry_cap_ms = cap;
  cfg->connect_timeout = ct;
  cfg->stall_timeout = st;
  return 0;
}

long
ox_s3_work_timeout (const struct ox_s3_config *cfg, size_t n)
{
  uint64_t st = cfg->stall_timeout > 0 ? (uint64_t)cfg->stall_timeout : 1;
  uint64_t extra
      = (st * n + OX_S3_ITEMS_PER_STALL - 1) / OX_S3_ITEMS_PER_STALL;

  return (long)(2 * st + extra);
}

/* A bucket name usable in a URL path or host without encoding. */
static int
check_bucket (const char *bucket)
{
  size_t n = strlen (bucket);

  if (n == 0 || n > 255
      || strspn (bucket, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789.-_")
             != n) {
    ox_error ("s3://%s: not a valid bucket name", bucket);
    errno = EINVAL;
    return -1;
  }
  return 0;
}

/* A bucket that can be a DNS label of a TLS host name. */
static int
dns_compatible (const char *b)
{
  size_t n = strlen (b);

  return n >= 3 && n <= 63
         && strspn (b, "abcdefghijklmnopqrstuvwxyz"
                       "0123456789-")
                == n
         && b[0] != '-' && b[n - 1] != '-';
}

static int
is_aws_host (const char *host)
{
  static const char *suffixes[] = { ".amazonaws.com", ".amazonaws.com.cn" };
  size_t i, n = strlen (host);

  for (i = 0; i < 2; i++) {
    size_t m = strlen (suffixes[i]);
    if (n > m && strcasecmp (host + n - m, suffixes[i]) == 0)
      return 1;
  }
  return 0;
}

static int
load_endpoint (const struct ox_store_options *opts, struct ox_s3_config *cfg)
{
  const char *url = opts ? opts->endpoint : NULL;
  CLEANUP_FREE char *dflt = NULL;
  int addressing = opts ? opts->addressing : 0;

  if (url == NULL || *url == '\0')
    url = env ("AWS_ENDPOINT_URL_S3");
  if (url == NULL)
    url = env ("AWS_ENDPOINT_URL");
  if (url == NULL) {
    if (asprintf (&dflt, "https://s3.%s.amazonaws.com%s", cfg->region,
                  strncmp (cfg->region, "cn-", 3) == 0 ? ".cn" : "")
        == -1) {
      ox_error ("S3 endpoint: %m");
      return -1;
    }
    url = dflt;
  }
  if (ox_s3_parse_endpoint (url, &cfg->scheme, &cfg->host, &cfg->port) == -1)
    return -1;
  if (addressing == 1)
    cfg->virtual_host = 0;
  else if (addressing == 2)
    cfg->virtual_host = 1;
  else
    cfg->virtual_host
        = is_aws_host (cfg->host) && dns_compatible (cfg->bucket);
  if (cfg->virtual_host && cfg->host[0] == '[') {
    ox_error ("S3 endpoint %s: virtual-host addressing needs a host name",
              url);
    errno = EINVAL;
    return -1;
  }
  return 0;
}

static int
load_tls (const struct ox_store_options *opts, struct ox_s3_config *cfg)
{
  const char *ca
      = opts && opts->ca_bundle ? opts->ca_bundle : env ("AWS_CA_BUNDLE");

  cfg->insecure = opts ? opts->insecure : 0;
  if (ca == NULL)
    return 0;
  if (access (ca, R_OK) == -1) {
    ox_error ("CA bundle %s: %m", ca);
    return -1;
  }
  cfg->ca_bundle = strdup (ca);
  if (cfg->ca_bundle == NULL) {
    ox_error ("CA bundle %s: %m", ca);
    return -1;
  }
  return 0;
}

static int
load_names (const char *bucket, const char *prefix,
            const struct ox_store_options *opts, struct ox_s3_config *cfg)
{
  const char *region
      = opts && opts->region && *opts->region ? opts->region : NULL;

  if (check_bucket (bucket) == -1)
    return -1;
  if (region == NULL)
    region = env ("AWS_REGION");
  if (region == NULL)
    region = env ("AWS_DEFAULT_REGION");
  if (region == NULL)
    region = "us-east-1";
  cfg->bucket = strdup (bucket);
  cfg->region = strdup (region);
  while (*prefix == '/')
    prefix++;
  if (asprintf (&cfg->prefix, "%s%s", prefix, *prefix ? "/" : "") == -1)
    cfg->prefix = NULL;
  if (!cfg->bucket || !cfg->region || !cfg->prefix) {
    ox_error ("s3://%s: %m", bucket);
    return -1;
  }
  return 0;
}

int
ox_s3_config_load (const char *bucket, const char *prefix,
                   const struct ox_store_options *opts,
                   struct ox_s3_config *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->connections = opts && opts->connections > 0 ? opts->connections
                                                   : OX_S3_DEFAULT_CONNECTIONS;
  cfg->bwlimit = opts ? opts->bwlimit : 0;
  if (load_names (bucket, prefix, opts, cfg) == -1
      || load_endpoint (opts, cfg) == -1 || load_tls (opts, cfg) == -1
      || load_tunables (cfg) == -1 || load_credentials (cfg) == -1) {
    ox_s3_config_free (cfg);
    return -1;
  }
  return 0;
}

void
ox_s3_config_free (struct ox_s3_config *cfg)
{
  free (cfg->scheme);
  free (cfg->host);
  free (cfg->port);
  free (cfg->bucket);
  free (cfg->prefix);
  free (cfg->region);
  free (cfg->ca_bundle);
  free_secret (&cfg->access_key);
  free_secret (&cfg->secret_key);
  free_secret (&cfg->session_token);
  memset (cfg, 0, sizeof *cfg);
}
