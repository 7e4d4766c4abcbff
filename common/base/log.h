/* ox: error and debug reporting shared by oxsnap and the plugin.
 *
 * Library code reports an error once, where its cause is known, with
 * ox_error(), and returns -1; callers pass -1 up without reporting again.
 * oxsnap prints to stderr; the plugin installs a handler that forwards to
 * nbdkit_error/nbdkit_debug.
 */
#ifndef OX_LOG_H
#define OX_LOG_H

#include <stdarg.h>

enum ox_log_level { OX_LOG_ERROR, OX_LOG_WARNING, OX_LOG_INFO, OX_LOG_DEBUG };

/* A handler receives one complete message without a trailing newline. */
typedef void (*ox_log_handler) (enum ox_log_level level, const char *msg);

/* Install HANDLER for all later messages (NULL restores the default, stderr).
 */
void ox_log_set_handler (ox_log_handler handler);

/* Enable or disable debug messages (off by default). */
void ox_log_set_debug (int enabled);

/* Report an error. Preserves errno. */
void ox_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Report a warning. Preserves errno. */
void ox_warning (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Report a debug message when debugging is enabled. Preserves errno. */
void ox_debug (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
