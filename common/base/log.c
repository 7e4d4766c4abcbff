/* ox: error and debug reporting. */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>

static _Atomic (ox_log_handler) handler;
static atomic_int debug_enabled;

void
ox_log_set_handler (ox_log_handler h)
{
  atomic_store (&handler, h);
}

void
ox_log_set_debug (int enabled)
{
  atomic_store (&debug_enabled, enabled);
}

static void
emit (enum ox_log_level level, const char *fmt, va_list ap)
{
  int saved = errno;
  char msg[2048];
  ox_log_handler h = atomic_load (&handler);

  vsnprintf (msg, sizeof msg, fmt, ap);
  if (h)
    h (level, msg);
  else {
    static const char *const prefix[]
        = { "error", "warning", "info", "debug" };
    fprintf (stderr, "oxsnap: %s: %s\n", prefix[level], msg);
  }
  errno = saved;
}

void
ox_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  emit (OX_LOG_ERROR, fmt, ap);
  va_end (ap);
}

void
ox_warning (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  emit (OX_LOG_WARNING, fmt, ap);
  va_end (ap);
}

void
ox_debug (const char *fmt, ...)
{
  va_list ap;
  if (!atomic_load (&debug_enabled))
    return;
  va_start (ap, fmt);
  emit (OX_LOG_DEBUG, fmt, ap);
  va_end (ap);
}
