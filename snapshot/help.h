/* oxsnap: the help texts: the overview (oxsnap --help) and one entry per
 * command (oxsnap COMMAND --help), all in one table in help.c. */
#ifndef OXSNAP_HELP_H
#define OXSNAP_HELP_H

#include <stdio.h>

/* Print the overview of all commands and options to F. */
void help_overview (FILE *f);

/* Print the help of command NAME (usage, description, options, example)
 * to F. Returns 0, or -1 when NAME is not a command. */
int help_command (FILE *f, const char *name);

#endif
