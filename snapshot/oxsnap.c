/* oxsnap: main: parse the command line (cli.c), show help, and dispatch
 * to the command (one file each, all in the ox_cli library). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "help.h"
#include "log.h"

static const struct {
  const char *name;
  int (*fn) (struct cli *, int, char **);
  int json; /* takes --json */
} commands[] = {
  { "init", cmd_init, 0 },       { "snapshot", cmd_snapshot, 0 },
  { "restore", cmd_restore, 0 }, { "verify", cmd_verify, 1 },
  { "list", cmd_list, 1 },       { "info", cmd_info, 1 },
  { "tag", cmd_tag, 0 },         { "status", cmd_status, 1 },
  { "diff", cmd_diff, 1 },       { "forget", cmd_forget, 1 },
  { "gc", cmd_gc, 1 },           { "key", cmd_key, 1 }, /* key list only */
};

/* The commands that take --json, as text ("verify, list, ..."). */
static const char *
json_commands (void)
{
  static char text[128];
  size_t used = 0;

  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (commands[i].json)
      used += snprintf (text + used, sizeof text - used, "%s%s",
                        used ? ", " : "", commands[i].name);
  return text;
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

int
main (int argc, char **argv)
{
  struct cli c;
  char *pos[CLI_MAX_ARGS];
  int npos, r;
  size_t i;

  cli_init (&c);
  r = cli_parse (&c, argc, argv, pos, &npos);
  if (r != 0)
    return r == 1 ? 0 : 2;
  if (c.help)
    return show_help (npos > 0 ? pos[0] : NULL);
  if (npos == 0) {
    help_overview (stderr);
    return 2;
  }
  for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp (pos[0], commands[i].name) == 0) {
      if (c.json && !commands[i].json) {
        ox_error ("--json applies to %s, not to %s", json_commands (), pos[0]);
        return 2;
      }
      r = commands[i].fn (&c, npos - 1, pos + 1);
      cli_close_store (&c);
      return r;
    }
  ox_error ("unknown command '%s' (try 'oxsnap --help')", pos[0]);
  return 2;
}
