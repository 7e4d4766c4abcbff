/* Test oxsnap's shared option handling (snapshot/cli.c): the defaults,
 * every option's effect, each rejected value with its message, long
 * options that are not spelt out in full, the key source from the
 * environment, whole command lines through cli_parse, and opening a store
 * with and without its key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdtest.h"
#include "fixture.h"
#include "log.h"

#define ARGC(a) ((int)(sizeof (a) / sizeof (a)[0]))

static void
test_defaults (void)
{
  struct cli c;

  memset (&c, 0x5a, sizeof c);
  cli_init (&c);
  CHECK_EQ_INT (c.chunk_size, 256 << 10);
  CHECK_EQ_INT (c.segment_size, 32 << 20);
  CHECK_EQ_INT (c.compress_level, 1);
  CHECK_EQ_INT (c.progress, isatty (STDERR_FILENO));
  CHECK_EQ_INT (c.jobs, 0);
  CHECK (c.volume == NULL && c.tag == NULL && c.store == NULL);
  CHECK (c.key_src.key_file == NULL && c.key_src.passphrase_file == NULL);
  CHECK_EQ_INT (c.json + c.full + c.force + c.quiet + c.help, 0);
}

static void
int_ok (const char *s, int lo, int hi, int want)
{
  int v = -12345;

  ox_test_reset_log ();
  CHECK_EQ_INT (cli_parse_int ("--n", s, lo, hi, &v), 0);
  CHECK_EQ_INT (v, want);
  CHECK_EQ_INT (ox_test_errors (), 0);
}

static void
int_bad (const char *s, int lo, int hi, const char *msg)
{
  int v = -12345;

  ox_test_reset_log ();
  CHECK_EQ_INT (cli_parse_int ("--n", s, lo, hi, &v), -1);
  CHECK_EQ_INT (v, -12345);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (ox_test_last_error (), msg);
}

static void
test_parse_int (void)
{
  int_ok ("1", 1, 19, 1);
  int_ok ("19", 1, 19, 19);
  int_ok ("007", 1, 19, 7);
  int_ok ("-3", -5, 5, -3);
  int_bad ("0", 1, 19, "--n: expected a number from 1 to 19, not '0'");
  int_bad ("20", 1, 19, "--n: expected a number from 1 to 19, not '20'");
  int_bad ("", 1, 19, "--n: expected a number from 1 to 19, not ''");
  int_bad ("3x", 1, 19, "--n: expected a number from 1 to 19, not '3x'");
  int_bad ("x", 1, 19, "--n: expected a number from 1 to 19, not 'x'");
  int_bad ("99999999999999999999", 1, 19,
           "--n: expected a number from 1 to 19, not "
           "'99999999999999999999'");
}

/* Apply option OPT=ARG to C; it must be accepted. */
static void
apply_ok (struct cli *c, int opt, const char *arg)
{
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_apply_option (c, opt, arg), 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
}

/* Apply OPT=ARG to a fresh cli; it must be refused with MSG, and leave
 * the options as they were. */
static void
apply_bad (int opt, const char *arg, const char *msg)
{
  struct cli c, before;

  cli_init (&c);
  before = c;
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_apply_option (&c, opt, arg), -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (ox_test_last_error (), msg);
  CHECK_MEM (&c, &before, sizeof c);
}

static void
test_apply_values (void)
{
  struct cli c;

  cli_init (&c);
  apply_ok (&c, CLI_OPT_CHUNK_SIZE, "64K");
  CHECK_EQ_INT (c.chunk_size, 64 << 10);
  apply_ok (&c, CLI_OPT_CHUNK_SIZE, "4096");
  CHECK_EQ_INT (c.chunk_size, 4096);
  apply_ok (&c, CLI_OPT_SEGMENT_SIZE, "1GiB");
  CHECK_EQ_INT (c.segment_size, 1 << 30);
  apply_ok (&c, CLI_OPT_COMPRESS_LEVEL, "19");
  CHECK_EQ_INT (c.compress_level, 19);
  apply_ok (&c, 'j', "256");
  CHECK_EQ_INT (c.jobs, 256);
  apply_ok (&c, CLI_OPT_CONNECTIONS, "1024");
  CHECK_EQ_INT (c.store_opts.connections, 1024);
  apply_ok (&c, CLI_OPT_BWLIMIT, "10M/s");
  CHECK_EQ_INT (c.store_opts.bwlimit, 10 << 20);
  apply_ok (&c, CLI_OPT_BWLIMIT, "512K");
  CHECK_EQ_INT (c.store_opts.bwlimit, 512 << 10);

  apply_bad (CLI_OPT_CHUNK_SIZE, "12Q",
             "--chunk-size: cannot parse size '12Q' (expected e.g. 4096, "
             "256K, 64M, 1G)");
  apply_bad (CLI_OPT_CHUNK_SIZE, "-4K",
             "--chunk-size: cannot parse size '-4K' (expected e.g. 4096, "
             "256K, 64M, 1G)");
  apply_bad (CLI_OPT_SEGMENT_SIZE, "",
             "--segment-size: cannot parse size '' (expected e.g. 4096, "
             "256K, 64M, 1G)");
  apply_bad (CLI_OPT_SEGMENT_SIZE, "99999999P",
             "--segment-size: 99999999P is too large");
  apply_bad (CLI_OPT_COMPRESS_LEVEL, "0",
             "--compress-level: expected a number from 1 to 19, not '0'");
  apply_bad (CLI_OPT_COMPRESS_LEVEL, "20",
             "--compress-level: expected a number from 1 to 19, not '20'");
  apply_bad ('j', "0", "--jobs: expected a number from 1 to 256, not '0'");
  apply_bad ('j', "257", "--jobs: expected a number from 1 to 256, not '257'");
  apply_bad ('j', "two", "--jobs: expected a number from 1 to 256, not 'two'");
  apply_bad (CLI_OPT_CONNECTIONS, "0",
             "--connections: expected a number from 1 to 1024, not '0'");
  apply_bad (CLI_OPT_CONNECTIONS, "1025",
             "--connections: expected a number from 1 to 1024, not '1025'");
  apply_bad (CLI_OPT_BWLIMIT, "fast",
             "--bwlimit: cannot parse size 'fast' (expected e.g. 4096, 256K, "
             "64M, 1G)");
  apply_bad (CLI_OPT_BWLIMIT, "10M/h",
             "--bwlimit: cannot parse size '10M/h' (expected e.g. 4096, "
             "256K, 64M, 1G)");
  apply_bad (
      CLI_OPT_BWLIMIT,
      "11111111112222222222333333333344444444445555555555666666666677777",
      "--bwlimit: rate "
      "'11111111112222222222333333333344444444445555555555666666666677777'"
      " is too long");
}

static void
test_apply_flags (void)
{
  struct cli c;

  cli_init (&c);
  apply_ok (&c, CLI_OPT_KEY_FILE, "k");
  apply_ok (&c, CLI_OPT_PASSPHRASE_FILE, "p");
  CHECK_STR (c.key_src.key_file, "k");
  CHECK_STR (c.key_src.passphrase_file, "p");
  apply_ok (&c, CLI_OPT_NO_ENCRYPTION, NULL);
  CHECK_EQ_INT (c.no_encryption, 1);
  apply_ok (&c, CLI_OPT_VOLUME, "vol");
  apply_ok (&c, CLI_OPT_TAG, "t1");
  CHECK_STR (c.volume, "vol");
  CHECK_STR (c.tag, "t1");
  apply_ok (&c, CLI_OPT_FULL, NULL);
  apply_ok (&c, CLI_OPT_FORCE, NULL);
  apply_ok (&c, 'q', NULL);
  apply_ok (&c, CLI_OPT_JSON, NULL);
  apply_ok (&c, 'h', NULL);
  CHECK_EQ_INT (c.full + c.force + c.quiet + c.json + c.help, 5);
  apply_ok (&c, CLI_OPT_PROGRESS, NULL);
  CHECK_EQ_INT (c.progress, 1);
  apply_ok (&c, CLI_OPT_NO_PROGRESS, NULL);
  CHECK_EQ_INT (c.progress, 0);
  apply_ok (&c, CLI_OPT_ENDPOINT, "http://127.0.0.1:9000");
  apply_ok (&c, CLI_OPT_REGION, "eu-1");
  apply_ok (&c, CLI_OPT_CA_BUNDLE, "/ca.pem");
  CHECK_STR (c.store_opts.endpoint, "http://127.0.0.1:9000");
  CHECK_STR (c.store_opts.region, "eu-1");
  CHECK_STR (c.store_opts.ca_bundle, "/ca.pem");
  apply_ok (&c, CLI_OPT_NO_VERIFY_TLS, NULL);
  CHECK_EQ_INT (c.store_opts.insecure, 1);
  apply_ok (&c, CLI_OPT_PATH_STYLE, NULL);
  CHECK_EQ_INT (c.store_opts.addressing, 1);
  apply_ok (&c, CLI_OPT_VIRTUAL_HOST, NULL);
  CHECK_EQ_INT (c.store_opts.addressing, 2);
}

/* forget's policy options: counts from -1, tags repeatable, flags. */
static void
test_apply_keep (void)
{
  struct cli c;

  cli_init (&c);
  CHECK (c.keep.tags == c.keep_tags);
  CHECK_EQ_INT (c.keep_given + c.all + c.dry_run, 0);
  CHECK (ox_retention_policy_empty (&c.keep));
  apply_ok (&c, CLI_OPT_KEEP_LAST, "3");
  CHECK_EQ_INT (c.keep.last, 3);
  CHECK_EQ_INT (c.keep_given, 1);
  apply_ok (&c, CLI_OPT_KEEP_HOURLY, "0");
  apply_ok (&c, CLI_OPT_KEEP_DAILY, "7");
  apply_ok (&c, CLI_OPT_KEEP_WEEKLY, "-1");
  apply_ok (&c, CLI_OPT_KEEP_MONTHLY, "12");
  apply_ok (&c, CLI_OPT_KEEP_YEARLY, "1000000");
  CHECK (c.keep.hourly == 0 && c.keep.daily == 7 && c.keep.weekly == -1
         && c.keep.monthly == 12 && c.keep.yearly == 1000000);
  apply_ok (&c, CLI_OPT_KEEP_TAG, "a");
  apply_ok (&c, CLI_OPT_KEEP_TAG, "b.c");
  CHECK_EQ_INT (c.keep.ntags, 2);
  CHECK_STR (c.keep.tags[1], "b.c");
  apply_ok (&c, CLI_OPT_ALL, NULL);
  apply_ok (&c, CLI_OPT_DRY_RUN, NULL);
  CHECK_EQ_INT (c.all + c.dry_run, 2);

  /* Only a tag is a policy too. */
  cli_init (&c);
  apply_ok (&c, CLI_OPT_KEEP_TAG, "a");
  CHECK (c.keep_given && !ox_retention_policy_empty (&c.keep));
  for (int i = 1; i < CLI_MAX_KEEP_TAGS; i++)
    apply_ok (&c, CLI_OPT_KEEP_TAG, "x");
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_apply_option (&c, CLI_OPT_KEEP_TAG, "y"), -1);
  CHECK_STR (ox_test_last_error (), "--keep-tag: at most 16 tags");

  apply_bad (CLI_OPT_KEEP_LAST, "-2",
             "--keep-last: expected a number from -1 to 1000000, not '-2'");
  apply_bad (CLI_OPT_KEEP_DAILY, "x",
             "--keep-daily: expected a number from -1 to 1000000, not 'x'");
  apply_bad (CLI_OPT_KEEP_YEARLY, "1000001",
             "--keep-yearly: expected a number from -1 to 1000000, not "
             "'1000001'");
  apply_bad (CLI_OPT_KEEP_TAG, "a/b", "--keep-tag: invalid tag name 'a/b'");
  apply_bad (CLI_OPT_KEEP_TAG, "", "--keep-tag: invalid tag name ''");
}

/* --version prints the version and says "exit 0"; getopt's '?' says "exit
 * 2" after pointing at --help. */
static void
test_apply_version_and_unknown (void)
{
  struct capture cap;
  struct cli c;
  char *out;

  cli_init (&c);
  capture_start (&cap, 1);
  CHECK_EQ_INT (cli_apply_option (&c, 'V', NULL), 1);
  out = capture_end (&cap);
  CHECK (strncmp (out, "oxsnap ", 7) == 0);
  CHECK (strlen (out) > 8 && out[strlen (out) - 1] == '\n');
  CHECK (strchr (out, '\n') == out + strlen (out) - 1);
  free (out);

  capture_start (&cap, 2);
  CHECK_EQ_INT (cli_apply_option (&c, '?', NULL), -1);
  out = capture_end (&cap);
  CHECK_STR (out, "Try 'oxsnap --help'.\n");
  free (out);
}

static void
test_find_long_option (void)
{
  const struct option *o;

  o = cli_find_long_option ("--key-file");
  CHECK (o && o->val == CLI_OPT_KEY_FILE && o->has_arg == required_argument);
  o = cli_find_long_option ("--key-file=/k");
  CHECK (o && o->val == CLI_OPT_KEY_FILE);
  o = cli_find_long_option ("--jobs=3");
  CHECK (o && o->val == 'j');
  o = cli_find_long_option ("--json");
  CHECK (o && o->val == CLI_OPT_JSON && o->has_arg == no_argument);
  CHECK (cli_find_long_option ("--key") == NULL);
  CHECK (cli_find_long_option ("--key-files") == NULL);
  CHECK (cli_find_long_option ("--") == NULL);
  CHECK (cli_find_long_option ("--JSON") == NULL);
}

static void
long_ok (int argc, char **argv)
{
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_check_long_options (argc, argv), 0);
  CHECK_EQ_INT (ox_test_errors (), 0);
}

static void
long_bad (int argc, char **argv, const char *msg)
{
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_check_long_options (argc, argv), -1);
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK_STR (ox_test_last_error (), msg);
  /* A secret never appears in the message. */
  CHECK (strstr (ox_test_last_error (), "SECRET") == NULL);
}

static void
test_check_long_options (void)
{
  char *good[]
      = { "oxsnap", "list",   "--json",     "--key-file", "--passphrase",
          "-j",     "--bad2", "--volume=v", "--",         "--bogus" };
  char *pass[] = { "oxsnap", "list", "--passphrase", "SECRET" };
  char *pass2[] = { "oxsnap", "--passphrase=SECRET" };
  char *pw[] = { "oxsnap", "--password=SECRET", "list" };
  char *key[] = { "oxsnap", "--key=SECRET" };
  char *key2[] = { "oxsnap", "--keyfile", "SECRET" };
  char *prefix[] = { "oxsnap", "--vol", "SECRET" };
  char *later[] = { "oxsnap", "--json", "--full", "--verbose", "--no-such" };

  /* The values of --key-file and -j are skipped whatever they look like. */
  long_ok (ARGC (good), good);
  long_bad (ARGC (pass), pass,
            "unknown option --passphrase; passphrases are read from a file: "
            "--passphrase-file FILE");
  long_bad (ARGC (pass2), pass2,
            "unknown option --passphrase; passphrases are read from a file: "
            "--passphrase-file FILE");
  long_bad (ARGC (pw), pw,
            "unknown option --password; passphrases are read from a file: "
            "--passphrase-file FILE");
  long_bad (ARGC (key), key,
            "unknown option --key; keys are read from a file: --key-file "
            "FILE");
  long_bad (ARGC (key2), key2,
            "unknown option --keyfile; keys are read from a file: "
            "--key-file FILE");
  long_bad (ARGC (prefix), prefix,
            "unknown option --vol (long options are spelt out in full; try "
            "'oxsnap --help')");
  long_bad (ARGC (later), later,
            "unknown option --no-such (long options are spelt out in full; "
            "try 'oxsnap --help')");
}

static void
test_key_source_from_env (void)
{
  struct cli c;

  unsetenv ("OX_KEY_FILE");
  unsetenv ("OX_PASSPHRASE_FILE");
  cli_init (&c);
  CHECK_EQ_INT (cli_key_source_from_env (&c), 0);
  CHECK (c.key_src.key_file == NULL && c.key_src.passphrase_file == NULL);

  setenv ("OX_KEY_FILE", "/env.key", 1);
  cli_init (&c);
  CHECK_EQ_INT (cli_key_source_from_env (&c), 0);
  CHECK_STR (c.key_src.key_file, "/env.key");
  CHECK (c.key_src.passphrase_file == NULL);

  /* An option wins over the environment, --no-encryption too. */
  cli_init (&c);
  c.key_src.passphrase_file = "/opt.pass";
  CHECK_EQ_INT (cli_key_source_from_env (&c), 0);
  CHECK (c.key_src.key_file == NULL);
  CHECK_STR (c.key_src.passphrase_file, "/opt.pass");
  cli_init (&c);
  c.no_encryption = 1;
  CHECK_EQ_INT (cli_key_source_from_env (&c), 0);
  CHECK (c.key_src.key_file == NULL && c.key_src.passphrase_file == NULL);

  /* Both from the environment, or both as options: refused. */
  setenv ("OX_PASSPHRASE_FILE", "/env.pass", 1);
  cli_init (&c);
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_key_source_from_env (&c), -1);
  CHECK_STR (ox_test_last_error (),
             "give either a key file or a passphrase file, not both");
  unsetenv ("OX_KEY_FILE");
  unsetenv ("OX_PASSPHRASE_FILE");
  cli_init (&c);
  c.key_src.key_file = "k";
  c.key_src.passphrase_file = "p";
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_key_source_from_env (&c), -1);
  CHECK_STR (ox_test_last_error (),
             "give either a key file or a passphrase file, not both");
}

/* Parse a whole command line; returns cli_parse's result. getopt's own
 * messages (stderr) are kept in *ERR when ERR is not NULL. */
static int
parse (struct cli *c, int argc, char **argv, char **pos, int *npos, char **err)
{
  struct capture cap;
  char *e;
  int r;

  cli_init (c);
  ox_test_reset_log ();
  capture_start (&cap, 2);
  r = cli_parse (c, argc, argv, pos, npos);
  e = capture_end (&cap);
  if (err)
    *err = e;
  else
    free (e);
  return r;
}

static void
test_parse (void)
{
  char *pos[CLI_MAX_ARGS], *err;
  struct cli c;
  int npos = -1;
  char *list[]
      = { "oxsnap", "list", "--json", "/st", "-q", "vol", "--connections=3" };
  char *snap[] = { "oxsnap", "--volume", "v", "snapshot", "src", "/st" };
  char *snapj[] = { "oxsnap", "-j", "3", "snapshot", "src", "/st" };
  char *dashdash[] = { "oxsnap", "list", "--", "--json" };
  char *many[] = { "oxsnap", "a", "b", "c", "d", "e", "f", "g", "h", "i" };
  char *helpmany[]
      = { "oxsnap", "info", "b", "c", "d", "e", "f", "g", "h", "i", "--help" };
  char *help[] = { "oxsnap", "--help" };
  char *bad[] = { "oxsnap", "--jobs", "0", "list" };
  char *unknown[] = { "oxsnap", "-x", "list" };
  char *missing[] = { "oxsnap", "list", "--volume" };
  char *prefix[] = { "oxsnap", "--vol", "v", "list" };
  char *version[] = { "oxsnap", "list", "--version" };

  CHECK_EQ_INT (parse (&c, ARGC (list), list, pos, &npos, NULL), 0);
  CHECK_EQ_INT (npos, 3);
  CHECK_STR (pos[0], "list");
  CHECK_STR (pos[1], "/st");
  CHECK_STR (pos[2], "vol");
  CHECK_EQ_INT (c.json, 1);
  CHECK_EQ_INT (c.quiet, 1);
  CHECK_EQ_INT (c.store_opts.connections, 3);
  CHECK_EQ_INT (c.jobs, 0); /* the default is for snapshot only */

  CHECK_EQ_INT (parse (&c, ARGC (snap), snap, pos, &npos, NULL), 0);
  CHECK_EQ_INT (npos, 3);
  CHECK_STR (pos[0], "snapshot");
  CHECK_STR (c.volume, "v");
  CHECK_EQ_INT (c.jobs, cli_default_jobs ());
  CHECK_EQ_INT (parse (&c, ARGC (snapj), snapj, pos, &npos, NULL), 0);
  CHECK_EQ_INT (c.jobs, 3);

  CHECK_EQ_INT (parse (&c, ARGC (dashdash), dashdash, pos, &npos, NULL), 0);
  CHECK_EQ_INT (npos, 2);
  CHECK_STR (pos[1], "--json");
  CHECK_EQ_INT (c.json, 0);

  CHECK_EQ_INT (parse (&c, ARGC (many), many, pos, &npos, NULL), -1);
  CHECK_STR (ox_test_last_error (), "too many arguments");
  /* --help needs only the command: no "too many arguments". */
  CHECK_EQ_INT (parse (&c, ARGC (helpmany), helpmany, pos, &npos, NULL), 0);
  CHECK_EQ_INT (c.help, 1);
  CHECK_EQ_INT (npos, 1);
  CHECK_STR (pos[0], "info");
  CHECK_EQ_INT (ox_test_errors (), 0);
  CHECK_EQ_INT (parse (&c, ARGC (help), help, pos, &npos, NULL), 0);
  CHECK_EQ_INT (c.help, 1);
  CHECK_EQ_INT (npos, 0);

  CHECK_EQ_INT (parse (&c, ARGC (bad), bad, pos, &npos, NULL), -1);
  CHECK_STR (ox_test_last_error (),
             "--jobs: expected a number from 1 to 256, not '0'");
  CHECK_EQ_INT (parse (&c, ARGC (unknown), unknown, pos, &npos, &err), -1);
  CHECK (strstr (err, "invalid option -- 'x'\n") != NULL);
  CHECK (strstr (err, "Try 'oxsnap --help'.\n") != NULL);
  free (err);
  CHECK_EQ_INT (parse (&c, ARGC (missing), missing, pos, &npos, &err), -1);
  CHECK (strstr (err, "option '--volume' requires an argument\n") != NULL);
  CHECK (strstr (err, "Try 'oxsnap --help'.\n") != NULL);
  free (err);
  CHECK_EQ_INT (parse (&c, ARGC (prefix), prefix, pos, &npos, &err), -1);
  CHECK_STR (err, ""); /* refused before getopt sees it */
  free (err);
  CHECK_STR (ox_test_last_error (),
             "unknown option --vol (long options are spelt out in full; try "
             "'oxsnap --help')");

  {
    struct capture cap;
    char *out;
    capture_start (&cap, 1);
    CHECK_EQ_INT (parse (&c, ARGC (version), version, pos, &npos, NULL), 1);
    out = capture_end (&cap);
    CHECK (strncmp (out, "oxsnap ", 7) == 0);
    free (out);
  }

  /* The environment's key, unless --help. */
  setenv ("OX_KEY_FILE", "/env.key", 1);
  CHECK_EQ_INT (parse (&c, ARGC (list), list, pos, &npos, NULL), 0);
  CHECK_STR (c.key_src.key_file, "/env.key");
  CHECK_EQ_INT (parse (&c, ARGC (help), help, pos, &npos, NULL), 0);
  CHECK (c.key_src.key_file == NULL);
  unsetenv ("OX_KEY_FILE");
}

static void
test_default_jobs (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  int j = cli_default_jobs ();

  CHECK (j >= 1 && j <= 64);
  CHECK_EQ_INT (j, n < 1 ? 1 : (n > 64 ? 64 : n));
}

static void
test_open_store (const char *tmp)
{
  char dir[1100], plain[1100], key[1200];
  struct ox_store *st;
  struct ox_keys keys;
  struct cli c;

  snprintf (dir, sizeof dir, "%s/enc", tmp);
  snprintf (key, sizeof key, "%s.key", dir);
  snprintf (plain, sizeof plain, "%s/plain", tmp);
  fixture_store (dir, 1, &st, &keys);
  ox_store_close (st);
  ox_keys_wipe (&keys);
  fixture_store (plain, 0, &st, &keys);
  ox_store_close (st);
  ox_keys_wipe (&keys);

  cli_init (&c);
  c.key_src.key_file = key;
  CHECK_EQ_INT (cli_open_store (&c, dir), 0);
  CHECK (c.store != NULL);
  CHECK_EQ_INT (c.keys.encrypted, 1);
  cli_close_store (&c);
  CHECK (c.store == NULL);
  cli_close_store (&c); /* twice: harmless, as main does after a failure */

  cli_init (&c);
  CHECK_EQ_INT (cli_open_store (&c, plain), 0);
  CHECK_EQ_INT (c.keys.encrypted, 0);
  cli_close_store (&c);

  /* Without its key, or not a store: refused, nothing left open. */
  cli_init (&c);
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_open_store (&c, dir), -1);
  CHECK (c.store == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  cli_close_store (&c);
  cli_init (&c);
  ox_test_reset_log ();
  CHECK_EQ_INT (cli_open_store (&c, ox_test_path (tmp, "none")), -1);
  CHECK (c.store == NULL);
  CHECK_EQ_INT (ox_test_errors (), 1);
  cli_close_store (&c);
}

int
main (void)
{
  char *tmp = ox_test_tmpdir ("test-cli");

  ox_test_capture (0);
  test_defaults ();
  test_parse_int ();
  test_apply_values ();
  test_apply_flags ();
  test_apply_keep ();
  test_apply_version_and_unknown ();
  test_find_long_option ();
  test_check_long_options ();
  test_key_source_from_env ();
  test_parse ();
  test_default_jobs ();
  test_open_store (tmp);
  ox_test_rmtree (tmp);
  free (tmp);
  return 0;
}
