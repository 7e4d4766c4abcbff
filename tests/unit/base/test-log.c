/* Test error, warning and debug reporting (log.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "testlib.h"

static enum ox_log_level last_level;
static int calls;

static void
record (enum ox_log_level level, const char *msg)
{
  last_level = level;
  calls++;
}

int
main (void)
{
  char big[4000];

  ox_test_capture (0);
  errno = EPIPE;
  ox_error ("bad %s %d", "thing", 42);
  CHECK_EQ_INT (errno, EPIPE); /* preserved */
  CHECK_EQ_INT (ox_test_errors (), 1);
  CHECK (strcmp (ox_test_last_error (), "bad thing 42") == 0);
  ox_warning ("careful %u", 7u);
  CHECK_EQ_INT (ox_test_warnings (), 1);
  CHECK (strcmp (ox_test_last_message (), "careful 7") == 0);
  CHECK (strcmp (ox_test_last_error (), "bad thing 42") == 0);

  /* Debug messages only when enabled. */
  ox_log_set_handler (record);
  ox_debug ("hidden");
  CHECK_EQ_INT (calls, 0);
  ox_log_set_debug (1);
  ox_debug ("shown");
  CHECK_EQ_INT (calls, 1);
  CHECK_EQ_INT (last_level, OX_LOG_DEBUG);
  ox_log_set_debug (0);
  ox_debug ("hidden again");
  CHECK_EQ_INT (calls, 1);

  /* A long message is cut, not overflowed (2047 bytes and the NUL). */
  ox_test_capture (0);
  memset (big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  ox_error ("%s", big);
  CHECK_EQ_INT (strlen (ox_test_last_error ()), 2047);
  return 0;
}
