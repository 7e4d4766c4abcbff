/* oxsnap: the help texts (see help.h). Each command's entry lists only the
 * options that apply to it; keep them in step with docs/oxsnap.1. */
#include "help.h"

#include <string.h>

/* The S3 option lines, in the overview and in each command's help. */
#define S3_OPT_LINES                                                          \
  "  --endpoint URL        endpoint (else AWS_ENDPOINT_URL_S3, "              \
  "AWS_ENDPOINT_URL)\n"                                                       \
  "  --region R            region (else AWS_REGION, AWS_DEFAULT_REGION)\n"    \
  "  --ca-bundle F         CA certificates for HTTPS (else "                  \
  "AWS_CA_BUNDLE)\n"                                                          \
  "  --no-verify-tls       DANGEROUS: do not verify the server "              \
  "certificate\n"                                                             \
  "  --path-style, --virtual-host   bucket addressing\n"                      \
  "  --connections N       requests in flight\n"                              \
  "  --bwlimit RATE        total bandwidth, e.g. 50M/s\n"

static const char overview[]
    = "Usage: oxsnap COMMAND [OPTIONS] ARGS...\n"
      "\n"
      "Snapshot block devices and disk images into an object store, and "
      "back.\n"
      "\n"
      "Commands:\n"
      "  init STORE                      create a store (encrypted by "
      "default;\n"
      "                                  an s3:// bucket is created if "
      "missing)\n"
      "  snapshot SOURCE STORE --volume NAME\n"
      "                                  snapshot a block device or raw "
      "image\n"
      "  restore STORE VOLUME[@ID|:TAG] TARGET\n"
      "                                  write a snapshot to a file or "
      "device\n"
      "  verify STORE [VOLUME[@ID|:TAG]] check snapshots (--full: every "
      "chunk)\n"
      "  list STORE [VOLUME]             list volumes, or a volume's "
      "snapshots\n"
      "  info STORE VOLUME[@ID|:TAG]     show a snapshot's details\n"
      "  tag STORE VOLUME[@ID|:TAG] TAG  name a snapshot\n"
      "  diff STORE A B                  byte ranges where snapshot B "
      "differs from A\n"
      "  status OVERLAY_DIR              a clone's hydration progress and "
      "counters\n"
      "  forget STORE VOLUME@ID|VOLUME:TAG...  or  forget STORE VOLUME... "
      "--keep-...\n"
      "                                  remove snapshots (and their tags); "
      "gc frees\n"
      "                                  the space\n"
      "  gc STORE                        delete what no snapshot "
      "references (after\n"
      "                                  --grace, default 24h; safe "
      "while others work)\n"
      "  key list|add|remove|passwd STORE\n"
      "                                  an encrypted store's key slots\n"
      "\n"
      "STORE is file:///path, a directory path, or s3://bucket/prefix.\n"
      "VOLUME alone means its newest snapshot.\n"
      "'oxsnap COMMAND --help' shows a command's usage, options and an "
      "example.\n"
      "\n"
      "Keys (encrypted stores):\n"
      "  --key-file F          32-byte raw key file (init creates it, mode "
      "0600)\n"
      "  --passphrase-file F   file holding a passphrase\n"
      "  --no-encryption       init: create an unencrypted store\n"
      "  (or set OX_KEY_FILE / OX_PASSPHRASE_FILE)\n"
      "  --new-key-file F, --new-passphrase-file F\n"
      "                        key add, key passwd: the new key\n"
      "  --lock-timeout S      key: wait for the store's lock up to S seconds "
      "(30)\n"
      "  --break-lock          key: remove a stale lock first\n"
      "\n"
      "Rollback detection (a volume's newest snapshot older than seen "
      "before):\n"
      "  --state-dir DIR       the marks (else OX_STATE_DIR, "
      "$XDG_STATE_HOME/ox,\n"
      "                        ~/.local/state/ox)\n"
      "  --allow-rollback      accept an older newest snapshot and lower "
      "the mark\n"
      "\n"
      "Snapshot options:\n"
      "  --volume NAME         volume name (required)\n"
      "  --tag TAG             also tag the new snapshot\n"
      "  --chunk-size S        chunk size, a power of two (default 256K)\n"
      "  --segment-size S      segment object size threshold (default 32M)\n"
      "  --compress-level N    zstd level 1-19 (default 1)\n"
      "  --parent VOL[@ID|:TAG] incremental from this snapshot (default: the\n"
      "                        volume's newest)\n"
      "  --dirty-bitmap NAME   NBD source: read only what qemu's dirty "
      "bitmap\n"
      "                        NAME marks, since --parent\n"
      "\n"
      "Forget options (restic's --keep-* semantics; N = -1: all):\n"
      "  --keep-last N         keep the N newest snapshots\n"
      "  --keep-hourly N       keep the newest snapshot of each of the last "
      "N hours\n"
      "                        that have one (local time)\n"
      "  --keep-daily N, --keep-weekly N, --keep-monthly N, --keep-yearly N\n"
      "                        the same for days, ISO weeks, months, years\n"
      "  --keep-tag T          keep the snapshots tagged T (repeatable)\n"
      "  --all                 apply the policy to every volume\n"
      "  --dry-run             show what would be removed, remove nothing\n"
      "\n"
      "Gc options:\n"
      "  --grace D             delete objects condemned at least D ago "
      "(30s, 15m,\n"
      "                        24h, 7d; default 24h; 0: at once, for a "
      "store no one\n"
      "                        else uses)\n"
      "  --dry-run             count what would go, change nothing\n"
      "\n"
      "Common options:\n"
      "  -j, --jobs N          worker threads (default: CPUs; restore 2x "
      "CPUs)\n"
      "  --full                verify: decode and check every chunk;\n"
      "                        snapshot: share nothing with earlier "
      "snapshots\n"
      "  --force               restore: replace an existing target file\n"
      "  --json                list, info, verify, diff, status, forget, gc, "
      "key list:\n"
      "                        one JSON document on stdout\n"
      "  --progress, --no-progress\n"
      "                        progress on stderr (default: when a terminal)\n"
      "  -q, --quiet           no summary lines\n"
      "  -v, --verbose         debug messages\n"
      "  -h, --help            this help;  -V, --version  the version\n"
      "\n"
      "S3 options:\n" S3_OPT_LINES "\n"
      "See oxsnap(1).\n";

/* Option lines shared by several commands. */
#define KEY_OPTS                                                              \
  "  --key-file F          the store's 32-byte key file\n"                    \
  "  --passphrase-file F   file holding the store's passphrase\n"             \
  "                        (else OX_KEY_FILE / OX_PASSPHRASE_FILE)\n"
/* For commands that resolve a volume's newest snapshot. */
#define ROLLBACK_OPTS                                                         \
  "  --state-dir DIR       rollback detection's marks (else OX_STATE_DIR,\n"  \
  "                        $XDG_STATE_HOME/ox, ~/.local/state/ox)\n"          \
  "  --allow-rollback      accept a newest snapshot older than seen before\n"
#define JOBS_OPT "  -j, --jobs N          worker threads (default: CPUs)\n"
#define PROGRESS_OPTS                                                         \
  "  --progress, --no-progress\n"                                             \
  "                        progress on stderr (default: when a terminal)\n"
#define QUIET_OPT "  -q, --quiet           no summary lines\n"
#define JSON_OPT                                                              \
  "  --json                one JSON document on stdout (fields: "             \
  "oxsnap(1))\n"

/* Options every command takes, printed last. */
static const char common_opts[] = "  -v, --verbose         debug messages\n"
                                  "  -h, --help            this help\n";

/* The S3 options, for the commands that open a store. */
static const char s3_opts[] = "S3 options (s3:// stores):\n" S3_OPT_LINES;

static const struct {
  const char *name;
  const char *usage;       /* after "oxsnap " */
  const char *description; /* one sentence */
  const char *options;     /* the command's own option lines */
  int store;               /* opens a store: the S3 options apply */
  const char *example;
} commands[] = {
  { "init",
    "init STORE [--key-file F | --passphrase-file F | "
    "--no-encryption]",
    "Create a store, encrypted with a key file (created with 32 random "
    "bytes and mode 0600 when missing) or a passphrase, or unencrypted; "
    "the bucket of an s3:// store is created when missing.",
    "  --key-file F          32-byte raw key file (created when missing)\n"
    "  --passphrase-file F   file holding a passphrase\n"
    "  --no-encryption       create an unencrypted store\n" QUIET_OPT,
    1, "oxsnap init file:///srv/ox --key-file /etc/ox/key" },
  { "snapshot", "snapshot SOURCE STORE --volume NAME [OPTIONS]",
    "Snapshot a block device, a raw image file, an NBD export (nbd://, "
    "nbd+unix://) or a stopped clone's overlay directory (against its "
    "basis) as a new snapshot of a volume, and print its id.",
    "  --volume NAME         volume name (required)\n"
    "  --tag TAG             also tag the new snapshot\n"
    "  --chunk-size S        chunk size, a power of two (default 256K)\n"
    "  --segment-size S      segment object size threshold (default 32M)\n"
    "  --compress-level N    zstd level 1-19 (default 1)\n"
    "  --parent VOL[@ID|:TAG] incremental from this snapshot (default: the\n"
    "                        volume's newest; chunks it or the newest\n"
    "                        snapshot of another volume stored are reused)\n"
    "  --dirty-bitmap NAME   NBD source: read only the ranges qemu's dirty\n"
    "                        bitmap NAME marks (started at --parent, which\n"
    "                        is then required)\n"
    "  --full                a full snapshot: share nothing\n" JOBS_OPT
        PROGRESS_OPTS QUIET_OPT ROLLBACK_OPTS KEY_OPTS,
    1,
    "oxsnap snapshot /dev/vg0/root-snap file:///srv/ox --volume root "
    "--tag nightly" },
  { "restore", "restore STORE VOLUME[@ID|:TAG] TARGET [OPTIONS]",
    "Write a snapshot to a file (created whole or not at all) or to a "
    "block device.",
    "  --force               replace an existing non-empty target file\n"
    "  -j, --jobs N          worker threads (default: 2x CPUs)\n" PROGRESS_OPTS
        QUIET_OPT ROLLBACK_OPTS KEY_OPTS,
    1, "oxsnap restore file:///srv/ox root:nightly /var/tmp/root.img" },
  { "verify", "verify STORE [VOLUME[@ID|:TAG]] [--full] [--json]",
    "Check that one snapshot, or every snapshot in the store, is whole and "
    "intact.",
    "  --full                also fetch and decode every chunk\n"
    "  -j, --jobs N          --full: worker threads (default: 2x "
    "CPUs)\n" JSON_OPT QUIET_OPT ROLLBACK_OPTS KEY_OPTS,
    1, "oxsnap verify file:///srv/ox root --full" },
  { "list", "list STORE [VOLUME] [--json]",
    "List the volumes of a store, or the snapshots of one volume with "
    "their tags.",
    JSON_OPT KEY_OPTS, 1, "oxsnap list file:///srv/ox root" },
  { "info", "info STORE VOLUME[@ID|:TAG] [--json]",
    "Show the details of one snapshot: size, chunks, bytes stored, "
    "compression ratio and tags.",
    JSON_OPT ROLLBACK_OPTS KEY_OPTS, 1,
    "oxsnap info file:///srv/ox root:nightly" },
  { "tag", "tag STORE VOLUME[@ID|:TAG] NEWTAG",
    "Name a snapshot VOLUME:NEWTAG (an existing tag of that name moves).",
    QUIET_OPT KEY_OPTS, 1,
    "oxsnap tag file:///srv/ox root@006b0278131830b5 before-upgrade" },
  { "diff", "diff STORE VOLUME[@ID|:TAG] VOLUME[@ID|:TAG] [--json]",
    "List the byte ranges in which the second snapshot differs from the "
    "first (OFFSET LENGTH data|zero), from their manifests, reading no "
    "data.",
    JSON_OPT QUIET_OPT KEY_OPTS, 1,
    "oxsnap diff file:///srv/ox root:monday root:tuesday" },
  { "forget",
    "forget STORE VOLUME@ID|VOLUME:TAG... | STORE VOLUME...|--all "
    "--keep-... [--dry-run] [--json]",
    "Remove the named snapshots, or those of each volume that a retention "
    "policy does not keep, with the tags that name them (their space is "
    "freed by oxsnap gc).",
    "  --keep-last N         keep the N newest snapshots (-1: all)\n"
    "  --keep-hourly N       keep the newest snapshot of each of the N "
    "newest\n"
    "                        hours that have one, in local time (-1: of "
    "every hour)\n"
    "  --keep-daily N        ... of days\n"
    "  --keep-weekly N       ... of ISO 8601 weeks\n"
    "  --keep-monthly N      ... of months\n"
    "  --keep-yearly N       ... of years\n"
    "  --keep-tag T          keep every snapshot tagged T (repeatable)\n"
    "  --all                 apply the policy to every volume of the store\n"
    "  --dry-run             print the plan, remove nothing\n" JSON_OPT
        QUIET_OPT KEY_OPTS,
    1,
    "oxsnap forget file:///srv/ox root --keep-daily 7 --keep-weekly 4 "
    "--keep-monthly 12" },
  { "gc", "gc STORE [--grace DURATION] [--dry-run] [--json]",
    "Delete the segments and pages that no snapshot, clone or restore "
    "references: a run condemns them, and a later run at least --grace "
    "after deletes those still unreferenced; nothing is deleted while a "
    "snapshot or verify is running.",
    "  --grace D             the time from condemning to deleting (30s, "
    "15m, 24h,\n"
    "                        7d; default 24h; 0: delete in this run)\n"
    "  --dry-run             count what would be deleted, change nothing\n"
    "  -j, --jobs N          pages read and deletes sent at once (default "
    "8)\n" JSON_OPT QUIET_OPT KEY_OPTS,
    1, "oxsnap gc s3://backups/ox --grace 48h" },
  { "key",
    "key list|add|passwd STORE [OPTIONS], or key remove STORE SLOT "
    "[OPTIONS]",
    "Manage the key slots of an encrypted store: list them (marking the one "
    "the current key opens), add a slot for a new key file or passphrase, "
    "remove slot SLOT (it stays, empty, so that no other slot moves; the "
    "last cannot be removed), or replace the slot the current key opens "
    "(passwd), rewriting only ox-store under the lock locks/ox-store.",
    KEY_OPTS
    "  --new-key-file F      add, passwd: the new key file (created, mode "
    "0600,\n"
    "                        when missing)\n"
    "  --new-passphrase-file F  add, passwd: file holding the new "
    "passphrase\n"
    "  --lock-timeout S      wait up to S seconds (default 30) for another\n"
    "                        key command's lock\n"
    "  --break-lock          first remove the lock a dead run left\n"
    "  --json                list: one JSON document on stdout (fields: "
    "oxsnap(1))\n" QUIET_OPT,
    1,
    "oxsnap key add file:///srv/ox --key-file /etc/ox/key "
    "--new-passphrase-file /root/ox-pass" },
  { "status", "status OVERLAY_DIR [--json]",
    "Show a clone's overlay: hydration progress, bytes local and remote, "
    "and the plugin's counters over all its runs.",
    JSON_OPT, 0, "oxsnap status /var/lib/ox/clone1" },
};

void
help_overview (FILE *f)
{
  fputs (overview, f);
}

int
help_command (FILE *f, const char *name)
{
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp (commands[i].name, name) != 0)
      continue;
    fprintf (f, "Usage: oxsnap %s\n\n%s\n\nOptions:\n%s%s", commands[i].usage,
             commands[i].description, commands[i].options, common_opts);
    if (commands[i].store)
      fprintf (f, "\n%s", s3_opts);
    fprintf (f, "\nExample:\n  %s\n\nSee oxsnap(1).\n", commands[i].example);
    return 0;
  }
  return -1;
}
