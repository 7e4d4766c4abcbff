/* oxsnap: the command line: options, help, and dispatch to commands. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "help.h"
#include "log.h"
#include "s3store.h"
#include "storecfg.h"
#include "units.h"
#include "storeopen.h"

#define DEFAULT_CHUNK_SIZE (256u << 10)
#define DEFAULT_SEGMENT_SIZE (32u << 20)
#define DEFAULT_COMPRESS_LEVEL 1

enum {
  OPT_KEY_FILE = 256,
  OPT_PASSPHRASE_FILE,
  OPT_NO_ENCRYPTION,
  OPT_VOLUME,
  OPT_TAG,
  OPT_CHUNK_SIZE,
  OPT_SEGMENT_SIZE,
  OPT_COMPRESS_LEVEL,
  OPT_FULL,
  OPT_FORCE,
  OPT_PROGRESS,
  OPT_NO_PROGRESS,
  OPT_ENDPOINT,
  OPT_REGION,
  OPT_CA_BUNDLE,
  OPT_NO_VERIFY_TLS,
  OPT_PATH_STYLE,
  OPT_VIRTUAL_HOST,
  OPT_CONNECTIONS,
  OPT_BWLIMIT,
  OPT_JSON,
};

static const struct option long_options[] = {
  { "key-file", required_argument, NULL, OPT_KEY_FILE },
  { "passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE },
  { "no-encryption", no_argument, NULL, OPT_NO_ENCRYPTION },
  { "volume", required_argument, NULL, OPT_VOLUME },
  { "tag", required_argument, NULL, OPT_TAG },
  { "chunk-size", required_argument, NULL, OPT_CHUNK_SIZE },
  { "segment-size", required_argument, NULL, OPT_SEGMENT_SIZE },
  { "compress-level", required_argument, NULL, OPT_COMPRESS_LEVEL },
  { "jobs", required_argument, NULL, 'j' },
  { "full", no_argument, NULL, OPT_FULL },
  { "force", no_argument, NULL, OPT_FORCE },
  { "progress", no_argument, NULL, OPT_PROGRESS },
  { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
  { "quiet", no_argument, NULL, 'q' },
  { "verbose", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { "endpoint", required_argument, NULL, OPT_ENDPOINT },
  { "region", required_argument, NULL, OPT_REGION },
  { "ca-bundle", required_argument, NULL, OPT_CA_BUNDLE },
  { "no-verify-tls", no_argument, NULL, OPT_NO_VERIFY_TLS },
  { "path-style", no_argument, NULL, OPT_PATH_STYLE },
  { "virtual-host", no_argument, NULL, OPT_VIRTUAL_HOST },
  { "connections", required_argument, NULL, OPT_CONNECTIONS },
  { "bwlimit", required_argument, NULL, OPT_BWLIMIT },
  { "json", no_argument, NULL, OPT_JSON },
  { NULL, 0, NULL, 0 },
};

static const struct {
  const char *name;
  int (*fn) (struct cli *, int, char **);
  int json; /* takes --json */
} commands[] = {
  { "init", cmd_init, 0 },       { "snapshot", cmd_snapshot, 0 },
  { "restore", cmd_restore, 0 }, { "verify", cmd_verify, 1 },
  { "list", cmd_list, 1 },       { "info", cmd_info, 1 },
  { "tag", cmd_tag, 0 },         { "status", cmd_status, 1 },
};

int
cli_default_jobs (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : (n > 64 ? 64 : (int)n);
}

int
cli_open_store (struct cli *c, const char *url)
{
  if (ox_store_open (url, &c->store_opts, &c->store) == -1)
    return -1;
  if (ox_storecfg_open (c->store, &c->key_src, &c->keys) == -1) {
    ox_store_close (c->store);
    c->store = NULL;
    return -1;
  }
  return 0;
}

void
cli_close_store (struct cli *c)
{
  ox_store_close (c->store);
  c->store = NULL;
  ox_keys_wipe (&c->keys);
}

int
cmd_init (struct cli *c, int argc, char **argv)
{
  int encrypt = !c->no_encryption;
  const char *bucket, *region;

  if (argc != 1) {
    ox_error ("usage: oxsnap init STORE [--key-file F | --passphrase-file F "
              "| --no-encryption]");
    return 2;
  }
  if (encrypt && !c->key_src.key_file && !c->key_src.passphrase_file) {
    ox_error ("init: an encrypted store needs --key-file F (created when "
              "missing) or --passphrase-file F; or give --no-encryption");
    return 2;
  }
  if (!encrypt && (c->key_src.key_file || c->key_src.passphrase_file)) {
    ox_error ("init: --no-encryption conflicts with a key");
    return 2;
  }
  c->store_opts.create = 1; /* the directory, or the bucket */
  if (ox_store_open (argv[0], &c->store_opts, &c->store) == -1)
    return 1;
  if (ox_s3_store_created_bucket (c->store, &bucket, &region) && !c->quiet)
    fprintf (stderr, "oxsnap: created bucket %s in region %s\n", bucket,
             region);
  if (ox_storecfg_create (c->store, encrypt, &c->key_src, &c->keys) == -1)
    return 1;
  if (!c->quiet)
    fprintf (stderr, "oxsnap: created %s store %s%s%s\n",
             encrypt ? "encrypted" : "unencrypted", argv[0],
             c->key_src.key_file ? " with key file " : "",
             c->key_src.key_file ? c->key_src.key_file : "");
  return 0;
}

static int
parse_int (const char *what, const char *s, int lo, int hi, int *out)
{
  char *end;
  long v = strtol (s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
    ox_error ("%s: expected a number from %d to %d, not '%s'", what, lo, hi,
              s);
    return -1;
  }
  *out = (int)v;
  return 0;
}

/* Apply one parsed option to C. Returns 0, 1 (exit 0 now) or -1. */
static int
apply_option (struct cli *c, int opt, const char *arg)
{
  switch (opt) {
  case OPT_KEY_FILE:
    c->key_src.key_file = arg;
    return 0;
  case OPT_PASSPHRASE_FILE:
    c->key_src.passphrase_file = arg;
    return 0;
  case OPT_NO_ENCRYPTION:
    c->no_encryption = 1;
    return 0;
  case OPT_VOLUME:
    c->volume = arg;
    return 0;
  case OPT_TAG:
    c->tag = arg;
    return 0;
  case OPT_CHUNK_SIZE:
    return ox_parse_size ("--chunk-size", arg, &c->chunk_size);
  case OPT_SEGMENT_SIZE:
    return ox_parse_size ("--segment-size", arg, &c->segment_size);
  case OPT_COMPRESS_LEVEL:
    return parse_int ("--compress-level", arg, 1, 19, &c->compress_level);
  case 'j':
    return parse_int ("--jobs", arg, 1, 256, &c->jobs);
  case OPT_FULL:
    c->full = 1;
    return 0;
  case OPT_FORCE:
    c->force = 1;
    return 0;
  case OPT_PROGRESS:
    c->progress = 1;
    return 0;
  case OPT_NO_PROGRESS:
    c->progress = 0;
    return 0;
  case 'q':
    c->quiet = 1;
    return 0;
  case 'v':
    ox_log_set_debug (1);
    return 0;
  case OPT_ENDPOINT:
    c->store_opts.endpoint = arg;
    return 0;
  case OPT_REGION:
    c->store_opts.region = arg;
    return 0;
  case OPT_CA_BUNDLE:
    c->store_opts.ca_bundle = arg;
    return 0;
  case OPT_NO_VERIFY_TLS:
    c->store_opts.insecure = 1;
    return 0;
  case OPT_PATH_STYLE:
    c->store_opts.addressing = 1;
    return 0;
  case OPT_VIRTUAL_HOST:
    c->store_opts.addressing = 2;
    return 0;
  case OPT_CONNECTIONS:
    return parse_int ("--connections", arg, 1, 1024,
                      &c->store_opts.connections);
  case OPT_BWLIMIT:
    return ox_parse_rate ("--bwlimit", arg, &c->store_opts.bwlimit);
  case OPT_JSON:
    c->json = 1;
    return 0;
  case 'h':
    c->help = 1; /* the command, if any, is known after all options */
    return 0;
  case 'V':
    printf ("oxsnap %s\n", OX_VERSION);
    return 1;
  default:
    fprintf (stderr, "Try 'oxsnap --help'.\n");
    return -1;
  }
}

/* oxsnap --help (the overview) or oxsnap COMMAND --help. */
static int
show_help (const char *command)
{
  if (command == NULL) {
    help_overview (stdout);
    return 0;
  }
  if (help_command (stdout, command) == -1) {
    ox_error ("unknown command '%s' (try 'oxsnap --help')", command);
    return 2;
  }
  return 0;
}

/* The option of long_options named exactly by ARG ("--NAME" or
 * "--NAME=VALUE"), or NULL. */
static const struct option *
find_long_option (const char *arg)
{
  size_t n = strcspn (arg + 2, "=");
  const struct option *o;

  for (o = long_options; o->name; o++)
    if (strlen (o->name) == n && strncmp (o->name, arg + 2, n) == 0)
      return o;
  return NULL;
}

/* Refuse a long option that is not spelt out in full, before getopt_long
 * sees it: getopt would take a prefix ("--passphrase SECRET" as
 * "--passphrase-file SECRET") and echo the argument in its messages. The
 * message names the option only, never a value or the next argument.
 * Returns 0 or -1. */
static int
check_long_options (int argc, char **argv)
{
  const struct option *o;
  int i;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp (a, "--") == 0)
      return 0;
    if (strcmp (a, "-j") == 0) {
      i++; /* its value */
      continue;
    }
    if (strncmp (a, "--", 2) != 0)
      continue;
    o = find_long_option (a);
    if (o) {
      if (o->has_arg == required_argument && !strchr (a, '='))
        i++; /* its value, whatever it looks like */
      continue;
    }
    if (strncmp (a + 2, "passphrase", 10) == 0
        || strncmp (a + 2, "password", 8) == 0)
      ox_error ("unknown option --%.*s; passphrases are read from a file: "
                "--passphrase-file FILE",
                (int)strcspn (a + 2, "="), a + 2);
    else if (strncmp (a + 2, "key", 3) == 0)
      ox_error ("unknown option --%.*s; keys are read from a file: "
                "--key-file FILE",
                (int)strcspn (a + 2, "="), a + 2);
    else
      ox_error ("unknown option --%.*s (long options are spelt out in "
                "full; try 'oxsnap --help')",
                (int)strcspn (a + 2, "="), a + 2);
    return -1;
  }
  return 0;
}

int
main (int argc, char **argv)
{
  struct cli c;
  char *pos[8];
  int npos = 0, opt, r;
  size_t i;

  memset (&c, 0, sizeof c);
  c.chunk_size = DEFAULT_CHUNK_SIZE;
  c.segment_size = DEFAULT_SEGMENT_SIZE;
  c.compress_level = DEFAULT_COMPRESS_LEVEL;
  c.progress = isatty (STDERR_FILENO);
  if (check_long_options (argc, argv) == -1)
    return 2;
  while ((opt = getopt_long (argc, argv, "j:qvhV", long_options, NULL))
         != -1) {
    r = apply_option (&c, opt, optarg);
    if (r != 0)
      return r == 1 ? 0 : 2;
  }
  if (c.help)
    return show_help (optind < argc ? argv[optind] : NULL);
  /* Options win over the environment. */
  if (!c.key_src.key_file && !c.key_src.passphrase_file && !c.no_encryption) {
    c.key_src.key_file = getenv ("OX_KEY_FILE");
    c.key_src.passphrase_file = getenv ("OX_PASSPHRASE_FILE");
  }
  if (c.key_src.key_file && c.key_src.passphrase_file) {
    ox_error ("give either a key file or a passphrase file, not both");
    return 2;
  }
  if (c.jobs == 0
      && strcmp (argc > optind ? argv[optind] : "", "snapshot") == 0)
    c.jobs = cli_default_jobs ();
  for (; optind < argc; optind++) {
    if (npos == (int)(sizeof pos / sizeof pos[0])) {
      ox_error ("too many arguments");
      return 2;
    }
    pos[npos++] = argv[optind];
  }
  if (npos == 0) {
    help_overview (stderr);
    return 2;
  }
  for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (pos[0], commands[i].name) == 0) {
      if (c.json && !commands[i].json) {
        ox_error ("--json applies to list, info, verify and status, not to "
                  "%s",
                  pos[0]);
        return 2;
      }
      r = commands[i].fn (&c, npos - 1, pos + 1);
      cli_close_store (&c);
      return r;
    }
  ox_error ("unknown command '%s' (try 'oxsnap --help')", pos[0]);
  return 2;
}
