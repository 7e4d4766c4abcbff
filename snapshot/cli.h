/* oxsnap: what the commands share: parsed options, the opened store and
 * its keys. Each command lives in its own file and is declared here. */
#ifndef OXSNAP_CLI_H
#define OXSNAP_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "store.h"
#include "storecfg.h"

struct cli {
  /* Options. */
  struct ox_store_options store_opts;
  struct ox_key_source key_src;
  int no_encryption;
  const char *volume;
  const char *tag;
  uint64_t chunk_size;
  uint64_t segment_size;
  int jobs;
  int compress_level;
  int full;
  int force;
  int quiet;
  int progress; /* print progress on stderr (default: when a terminal) */
  int json;     /* list, info, verify, status: one JSON document on stdout */
  int help;     /* --help: the command's help, or the overview */

  /* Opened by cli_open_store. */
  struct ox_store *store;
  struct ox_keys keys;
};

/* Open the store at URL and its configuration (keys). Returns 0 or -1. */
int cli_open_store (struct cli *c, const char *url);

/* Close what cli_open_store opened. */
void cli_close_store (struct cli *c);

/* Default number of worker threads: the number of online CPUs. */
int cli_default_jobs (void);

/* Names of all volumes of ST that have snapshots, ascending, malloc'd. */
int list_volumes (struct ox_store *st, char ***names, size_t *n);

/* The commands. ARGV holds the positional arguments only. Each returns the
 * process exit status. */
int cmd_init (struct cli *c, int argc, char **argv);
int cmd_snapshot (struct cli *c, int argc, char **argv);
int cmd_restore (struct cli *c, int argc, char **argv);
int cmd_verify (struct cli *c, int argc, char **argv);
int cmd_list (struct cli *c, int argc, char **argv);
int cmd_info (struct cli *c, int argc, char **argv);
int cmd_tag (struct cli *c, int argc, char **argv);
int cmd_status (struct cli *c, int argc, char **argv);

#endif
