/* oxsnap: the options that all commands share, and the opened store. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "storeopen.h"
#include "units.h"

const struct option cli_long_options[] = {
  { "key-file", required_argument, NULL, CLI_OPT_KEY_FILE },
  { "passphrase-file", required_argument, NULL, CLI_OPT_PASSPHRASE_FILE },
  { "no-encryption", no_argument, NULL, CLI_OPT_NO_ENCRYPTION },
  { "volume", required_argument, NULL, CLI_OPT_VOLUME },
  { "tag", required_argument, NULL, CLI_OPT_TAG },
  { "chunk-size", required_argument, NULL, CLI_OPT_CHUNK_SIZE },
  { "segment-size", required_argument, NULL, CLI_OPT_SEGMENT_SIZE },
  { "compress-level", required_argument, NULL, CLI_OPT_COMPRESS_LEVEL },
  { "jobs", required_argument, NULL, 'j' },
  { "full", no_argument, NULL, CLI_OPT_FULL },
  { "force", no_argument, NULL, CLI_OPT_FORCE },
  { "progress", no_argument, NULL, CLI_OPT_PROGRESS },
  { "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS },
  { "quiet", no_argument, NULL, 'q' },
  { "verbose", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, 'V' },
  { "endpoint", required_argument, NULL, CLI_OPT_ENDPOINT },
  { "region", required_argument, NULL, CLI_OPT_REGION },
  { "ca-bundle", required_argument, NULL, CLI_OPT_CA_BUNDLE },
  { "no-verify-tls", no_argument, NULL, CLI_OPT_NO_VERIFY_TLS },
  { "path-style", no_argument, NULL, CLI_OPT_PATH_STYLE },
  { "virtual-host", no_argument, NULL, CLI_OPT_VIRTUAL_HOST },
  { "connections", required_argument, NULL, CLI_OPT_CONNECTIONS },
  { "bwlimit", required_argument, NULL, CLI_OPT_BWLIMIT },
  { "json", no_argument, NULL, CLI_OPT_JSON },
  { "parent", required_argument, NULL, CLI_OPT_PARENT },
  { "dirty-bitmap", required_argument, NULL, CLI_OPT_DIRTY_BITMAP },
  { "keep-last", required_argument, NULL, CLI_OPT_KEEP_LAST },
  { "keep-hourly", required_argument, NULL, CLI_OPT_KEEP_HOURLY },
  { "keep-daily", required_argument, NULL, CLI_OPT_KEEP_DAILY },
  { "keep-weekly", required_argument, NULL, CLI_OPT_KEEP_WEEKLY },
  { "keep-monthly", required_argument, NULL, CLI_OPT_KEEP_MONTHLY },
  { "keep-yearly", required_argument, NULL, CLI_OPT_KEEP_YEARLY },
  { "keep-tag", required_argument, NULL, CLI_OPT_KEEP_TAG },
  { "all", no_argument, NULL, CLI_OPT_ALL },
  { "dry-run", no_argument, NULL, CLI_OPT_DRY_RUN },
  { "grace", required_argument, NULL, CLI_OPT_GRACE },
  { "new-key-file", required_argument, NULL, CLI_OPT_NEW_KEY_FILE },
  { "new-passphrase-file", required_argument, NULL,
    CLI_OPT_NEW_PASSPHRASE_FILE },
  { "break-lock", no_argument, NULL, CLI_OPT_BREAK_LOCK },
  { "lock-timeout", required_argument, NULL, CLI_OPT_LOCK_TIMEOUT },
  { "state-dir", required_argument, NULL, CLI_OPT_STATE_DIR },
  { "allow-rollback", no_argument, NULL, CLI_OPT_ALLOW_ROLLBACK },
  { NULL, 0, NULL, 0 },
};

void
cli_init (struct cli *c)
{
  memset (c, 0, sizeof *c);
  c->chunk_size = CLI_DEFAULT_CHUNK_SIZE;
  c->segment_size = CLI_DEFAULT_SEGMENT_SIZE;
  c->compress_level = CLI_DEFAULT_COMPRESS_LEVEL;
  c->grace = CLI_DEFAULT_GRACE;
  c->lock_timeout = CLI_DEFAULT_LOCK_TIMEOUT;
  c->progress = isatty (STDERR_FILENO);
  c->keep.tags = c->keep_tags;
}

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
  free (c->hw_dir);
  c->hw_dir = NULL;
  c->hw.allow_rollback = c->allow_rollback;
  if (ox_highwater_dir (c->state_dir, &c->hw_dir) == -1) {
    if (errno != ENOENT) {
      cli_close_store (c);
      return -1;
    }
    ox_warning ("no HOME, OX_STATE_DIR or --state-dir: rollback detection "
                "is off");
  }
  c->hw.dir = c->hw_dir;
  return 0;
}

void
cli_close_store (struct cli *c)
{
  ox_store_close (c->store);
  c->store = NULL;
  ox_keys_wipe (&c->keys);
  free (c->hw_dir);
  c->hw_dir = NULL;
  c->hw.dir = NULL;
}

int
cli_parse_int (const char *what, const char *s, int lo, int hi, int *out)
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

/* The largest count of a --keep-* option. */
#define CLI_KEEP_MAX 1000000

/* Apply --keep-TAG ARG. */
static int
apply_keep_tag (struct cli *c, const char *arg)
{
  if (!ox_name_valid (arg)) {
    ox_error ("--keep-tag: invalid tag name '%s'", arg);
    return -1;
  }
  if (c->keep.ntags == CLI_MAX_KEEP_TAGS) {
    ox_error ("--keep-tag: at most %d tags", CLI_MAX_KEEP_TAGS);
    return -1;
  }
  c->keep_tags[c->keep.ntags++] = arg;
  c->keep_given = 1;
  return 0;
}

/* Apply --keep-RULE ARG (a count, or -1 for unlimited) to *COUNT. */
static int
apply_keep_count (struct cli *c, const char *option, const char *arg,
                  int *count)
{
  if (cli_parse_int (option, arg, OX_RETENTION_UNLIMITED, CLI_KEEP_MAX, count)
      == -1)
    return -1;
  c->keep_given = 1;
  return 0;
}

int
cli_apply_option (struct cli *c, int opt, const char *arg)
{
  switch (opt) {
  case CLI_OPT_KEEP_LAST:
    return apply_keep_count (c, "--keep-last", arg, &c->keep.last);
  case CLI_OPT_KEEP_HOURLY:
    return apply_keep_count (c, "--keep-hourly", arg, &c->keep.hourly);
  case CLI_OPT_KEEP_DAILY:
    return apply_keep_count (c, "--keep-daily", arg, &c->keep.daily);
  case CLI_OPT_KEEP_WEEKLY:
    return apply_keep_count (c, "--keep-weekly", arg, &c->keep.weekly);
  case CLI_OPT_KEEP_MONTHLY:
    return apply_keep_count (c, "--keep-monthly", arg, &c->keep.monthly);
  case CLI_OPT_KEEP_YEARLY:
    return apply_keep_count (c, "--keep-yearly", arg, &c->keep.yearly);
  case CLI_OPT_KEEP_TAG:
    return apply_keep_tag (c, arg);
  case CLI_OPT_ALL:
    c->all = 1;
    return 0;
  case CLI_OPT_KEY_FILE:
    c->key_src.key_file = arg;
    return 0;
  case CLI_OPT_PASSPHRASE_FILE:
    c->key_src.passphrase_file = arg;
    return 0;
  case CLI_OPT_NEW_KEY_FILE:
    c->new_key_src.key_file = arg;
    return 0;
  case CLI_OPT_NEW_PASSPHRASE_FILE:
    c->new_key_src.passphrase_file = arg;
    return 0;
  case CLI_OPT_BREAK_LOCK:
    c->break_lock = 1;
    return 0;
  case CLI_OPT_STATE_DIR:
    c->state_dir = arg;
    return 0;
  case CLI_OPT_ALLOW_ROLLBACK:
    c->allow_rollback = 1;
    return 0;
  case CLI_OPT_LOCK_TIMEOUT:
    return cli_parse_int ("--lock-timeout", arg, 0, 3600, &c->lock_timeout);
  case CLI_OPT_NO_ENCRYPTION:
    c->no_encryption = 1;
    return 0;
  case CLI_OPT_VOLUME:
    c->volume = arg;
    return 0;
  case CLI_OPT_TAG:
    c->tag = arg;
    return 0;
  case CLI_OPT_CHUNK_SIZE:
    if (ox_parse_size ("--chunk-size", arg, &c->chunk_size) == -1)
      return -1;
    c->chunk_size_given = 1;
    return 0;
  case CLI_OPT_PARENT:
    c->parent = arg;
    return 0;
  case CLI_OPT_DIRTY_BITMAP:
    c->dirty_bitmap = arg;
    return 0;
  case CLI_OPT_DRY_RUN:
    c->dry_run = 1;
    return 0;
  case CLI_OPT_GRACE:
    return ox_parse_duration ("--grace", arg, &c->grace);
  case CLI_OPT_SEGMENT_SIZE:
    return ox_parse_size ("--segment-size", arg, &c->segment_size);
  case CLI_OPT_COMPRESS_LEVEL:
    return cli_parse_int ("--compress-level", arg, 1, 19, &c->compress_level);
  case 'j':
    return cli_parse_int ("--jobs", arg, 1, 256, &c->jobs);
  case CLI_OPT_FULL:
    c->full = 1;
    return 0;
  case CLI_OPT_FORCE:
    c->force = 1;
    return 0;
  case CLI_OPT_PROGRESS:
    c->progress = 1;
    return 0;
  case CLI_OPT_NO_PROGRESS:
    c->progress = 0;
    return 0;
  case 'q':
    c->quiet = 1;
    return 0;
  case 'v':
    ox_log_set_debug (1);
    return 0;
  case CLI_OPT_ENDPOINT:
    c->store_opts.endpoint = arg;
    return 0;
  case CLI_OPT_REGION:
    c->store_opts.region = arg;
    return 0;
  case CLI_OPT_CA_BUNDLE:
    c->store_opts.ca_bundle = arg;
    return 0;
  case CLI_OPT_NO_VERIFY_TLS:
    c->store_opts.insecure = 1;
    return 0;
  case CLI_OPT_PATH_STYLE:
    c->store_opts.addressing = 1;
    return 0;
  case CLI_OPT_VIRTUAL_HOST:
    c->store_opts.addressing = 2;
    return 0;
  case CLI_OPT_CONNECTIONS:
    return cli_parse_int ("--connections", arg, 1, 1024,
                          &c->store_opts.connections);
  case CLI_OPT_BWLIMIT:
    return ox_parse_rate ("--bwlimit", arg, &c->store_opts.bwlimit);
  case CLI_OPT_JSON:
    c->json = 1;
    return 0;
  case 'h':
    c->help = 1; /* the command, if any, is known after all options */
    return 0;
  case 'V':
    printf ("oxsnap %s\n", OX_VERSION);
    return 1;
  default:
    /* getopt_long has said what is wrong. */
    fprintf (stderr, "Try 'oxsnap --help'.\n");
    return -1;
  }
}

const struct option *
cli_find_long_option (const char *arg)
{
  size_t n = strcspn (arg + 2, "=");
  const struct option *o;

  for (o = cli_long_options; o->name; o++)
    if (strlen (o->name) == n && strncmp (o->name, arg + 2, n) == 0)
      return o;
  return NULL;
}

/* getopt_long would take a prefix ("--passphrase SECRET" as
 * "--passphrase-file SECRET") and echo the argument in its messages, so
 * every long option is looked up here first. */
int
cli_check_long_options (int argc, char **argv)
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
    o = cli_find_long_option (a);
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
cli_key_source_from_env (struct cli *c)
{
  /* Options win over the environment. */
  if (!c->key_src.key_file && !c->key_src.passphrase_file
      && !c->no_encryption) {
    c->key_src.key_file = getenv ("OX_KEY_FILE");
    c->key_src.passphrase_file = getenv ("OX_PASSPHRASE_FILE");
  }
  if (c->key_src.key_file && c->key_src.passphrase_file) {
    ox_error ("give either a key file or a passphrase file, not both");
    return -1;
  }
  return 0;
}

int
cli_parse (struct cli *c, int argc, char **argv, char **pos, int *npos)
{
  int opt, r;

  *npos = 0;
  if (cli_check_long_options (argc, argv) == -1)
    return -1;
  optind = 0; /* GNU getopt: start afresh (a test parses many times) */
  while ((opt = getopt_long (argc, argv, CLI_SHORT_OPTIONS, cli_long_options,
                             NULL))
         != -1) {
    r = cli_apply_option (c, opt, optarg);
    if (r != 0)
      return r;
  }
  if (c->help) {
    /* --help needs only the command it is about. */
    if (optind < argc)
      pos[(*npos)++] = argv[optind];
    return 0;
  }
  if (cli_key_source_from_env (c) == -1)
    return -1;
  if (c->jobs == 0
      && strcmp (argc > optind ? argv[optind] : "", "snapshot") == 0)
    c->jobs = cli_default_jobs ();
  for (; optind < argc; optind++) {
    if (*npos == CLI_MAX_ARGS) {
      ox_error ("too many arguments");
      return -1;
    }
    pos[(*npos)++] = argv[optind];
  }
  return 0;
}
