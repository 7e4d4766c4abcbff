/* oxsnap: what the commands share: the parsed options (the option table,
 * the parsing helpers, the key source from the environment), the opened
 * store and its keys. oxsnap.c only dispatches; the commands are in one
 * file each and are declared here, so that the unit tests
 * (tests/unit/snapshot/) can run them in-process from the ox_cli library. */
#ifndef OXSNAP_CLI_H
#define OXSNAP_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "highwater.h"
#include "keys.h"
#include "retention.h"
#include "store.h"
#include "storecfg.h"

#define CLI_DEFAULT_CHUNK_SIZE (256u << 10)
#define CLI_DEFAULT_SEGMENT_SIZE (32u << 20)
#define CLI_DEFAULT_COMPRESS_LEVEL 1
#define CLI_DEFAULT_GRACE (24 * 3600) /* gc --grace */
#define CLI_DEFAULT_GC_JOBS 8         /* gc: pages read, deletes sent */
/* Seconds oxsnap key waits for the store's lock (--lock-timeout). */
#define CLI_DEFAULT_LOCK_TIMEOUT 30

/* Positional arguments (the command and its operands) at most. */
#define CLI_MAX_ARGS 8

/* forget: --keep-tag options at most. */
#define CLI_MAX_KEEP_TAGS 16

struct cli {
  /* Options. */
  struct ox_store_options store_opts;
  struct ox_key_source key_src;
  struct ox_key_source new_key_src; /* key add, passwd: --new-key-file... */
  int break_lock;                   /* key: --break-lock */
  int lock_timeout;                 /* key: --lock-timeout S (default 30) */
  int no_encryption;
  const char *volume;
  const char *tag;
  const char *parent;       /* snapshot: --parent VOL[@ID|:TAG] */
  const char *dirty_bitmap; /* snapshot: --dirty-bitmap NAME */
  uint64_t chunk_size;
  int chunk_size_given;
  uint64_t segment_size;
  int jobs;
  int compress_level;
  int full;
  uint64_t grace; /* gc --grace: seconds from condemning to deleting */
  int force;
  int quiet;
  int progress; /* print progress on stderr (default: when a terminal) */
  int json;     /* list, info, verify, status: one JSON document on stdout */
  int help;     /* --help: the command's help, or the overview */
  /* forget: the --keep-* options (keep.tags points at keep_tags), whether
   * any was given, --all and --dry-run. */
  struct ox_retention_policy keep;
  const char *keep_tags[CLI_MAX_KEEP_TAGS];
  int keep_given;
  int all;
  int dry_run;           /* forget and gc: decide and print, change nothing */
  const char *state_dir; /* --state-dir: rollback detection's marks */
  int allow_rollback;    /* --allow-rollback */

  /* Opened by cli_open_store. */
  struct ox_store *store;
  struct ox_keys keys;
  /* Rollback detection (hw.dir NULL: off, no state directory). */
  struct ox_highwater hw;
  char *hw_dir; /* hw.dir, malloc'd */
};

/* The codes that getopt_long returns for the long options without a short
 * form (cli_long_options). */
enum cli_option {
  CLI_OPT_KEY_FILE = 256,
  CLI_OPT_PASSPHRASE_FILE,
  CLI_OPT_NO_ENCRYPTION,
  CLI_OPT_VOLUME,
  CLI_OPT_TAG,
  CLI_OPT_CHUNK_SIZE,
  CLI_OPT_SEGMENT_SIZE,
  CLI_OPT_COMPRESS_LEVEL,
  CLI_OPT_FULL,
  CLI_OPT_FORCE,
  CLI_OPT_PROGRESS,
  CLI_OPT_NO_PROGRESS,
  CLI_OPT_ENDPOINT,
  CLI_OPT_REGION,
  CLI_OPT_CA_BUNDLE,
  CLI_OPT_NO_VERIFY_TLS,
  CLI_OPT_PATH_STYLE,
  CLI_OPT_VIRTUAL_HOST,
  CLI_OPT_CONNECTIONS,
  CLI_OPT_BWLIMIT,
  CLI_OPT_JSON,
  CLI_OPT_PARENT,
  CLI_OPT_DIRTY_BITMAP,
  CLI_OPT_KEEP_LAST,
  CLI_OPT_KEEP_HOURLY,
  CLI_OPT_KEEP_DAILY,
  CLI_OPT_KEEP_WEEKLY,
  CLI_OPT_KEEP_MONTHLY,
  CLI_OPT_KEEP_YEARLY,
  CLI_OPT_KEEP_TAG,
  CLI_OPT_ALL,
  CLI_OPT_DRY_RUN,
  CLI_OPT_GRACE,
  CLI_OPT_NEW_KEY_FILE,
  CLI_OPT_NEW_PASSPHRASE_FILE,
  CLI_OPT_BREAK_LOCK,
  CLI_OPT_LOCK_TIMEOUT,
  CLI_OPT_STATE_DIR,
  CLI_OPT_ALLOW_ROLLBACK,
};

/* The short options of oxsnap, as getopt_long's optstring. */
#define CLI_SHORT_OPTIONS "j:qvhV"

/* Every long option of oxsnap, ended by a zeroed entry. */
extern const struct option cli_long_options[];

/* Set C to the defaults: no options given, the default chunk and segment
 * sizes, zstd level and lock timeout, progress when stderr is a
 * terminal. */
void cli_init (struct cli *c) __attribute__ ((__nonnull__));

/* Parse the decimal integer S into *OUT if it lies in [LO, HI]; otherwise
 * report "WHAT: expected a number from LO to HI, not 'S'". Returns 0 or
 * -1. */
int cli_parse_int (const char *what, const char *s, int lo, int hi, int *out)
    __attribute__ ((__nonnull__));

/* The entry of cli_long_options that ARG ("--NAME" or "--NAME=VALUE")
 * names exactly, or NULL. */
const struct option *cli_find_long_option (const char *arg)
    __attribute__ ((__nonnull__));

/* Refuse (report, return -1) a long option of ARGV that is not spelt out
 * in full, before getopt_long would take it as a prefix of another; the
 * message names the option only, never its value. Returns 0 or -1. */
int cli_check_long_options (int argc, char **argv)
    __attribute__ ((__nonnull__));

/* Apply option OPT (a getopt_long code) with its argument ARG (NULL for
 * none) to C. Returns 0, 1 (--version was printed: exit 0 now) or -1 (a
 * bad value, reported; exit 2). */
int cli_apply_option (struct cli *c, int opt, const char *arg)
    __attribute__ ((__nonnull__ (1)));

/* Take the key source from OX_KEY_FILE and OX_PASSPHRASE_FILE when no
 * option gave one (or --no-encryption), and refuse a key file together
 * with a passphrase file. Returns 0 or -1 (reported). */
int cli_key_source_from_env (struct cli *c) __attribute__ ((__nonnull__));

/* Parse the command line ARGV into C (after cli_init) and its positional
 * arguments into POS[0..*NPOS) (at most CLI_MAX_ARGS): check and apply
 * the options, then, unless --help was given (then only the first
 * positional argument is kept), the key source and the default jobs of
 * "snapshot". Returns 0 (go on), 1 (done: exit 0) or -1 (a usage error,
 * reported: exit 2). */
int cli_parse (struct cli *c, int argc, char **argv, char **pos, int *npos)
    __attribute__ ((__nonnull__));

/* Open the store at URL and its configuration (keys). Returns 0 or -1. */
int cli_open_store (struct cli *c, const char *url)
    __attribute__ ((__nonnull__));

/* Close what cli_open_store opened (nothing if it opened nothing). */
void cli_close_store (struct cli *c) __attribute__ ((__nonnull__));

/* Default number of worker threads: the number of online CPUs (1 to 64). */
int cli_default_jobs (void);

/* The commands. ARGV holds the positional arguments only. Each returns the
 * process exit status: 0, 1 (failed) or 2 (a usage error). */
int cmd_init (struct cli *c, int argc, char **argv);
int cmd_snapshot (struct cli *c, int argc, char **argv);
int cmd_restore (struct cli *c, int argc, char **argv);
int cmd_verify (struct cli *c, int argc, char **argv);
int cmd_list (struct cli *c, int argc, char **argv);
int cmd_info (struct cli *c, int argc, char **argv);
int cmd_diff (struct cli *c, int argc, char **argv);
int cmd_tag (struct cli *c, int argc, char **argv);
int cmd_status (struct cli *c, int argc, char **argv);
int cmd_forget (struct cli *c, int argc, char **argv);
int cmd_gc (struct cli *c, int argc, char **argv);
int cmd_key (struct cli *c, int argc, char **argv);

#endif
