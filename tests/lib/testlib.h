/* ox unit tests: the helpers that tests share (tests/lib/testlib.c):
 * capturing what ox_error and ox_warning report, temporary directories and
 * stores, patterned bytes, a clock and threads. A helper that fails fails
 * the test (exit 1), like CHECK. */
#ifndef OX_TESTLIB_H
#define OX_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "test.h"

struct ox_store;

/* Install a log handler that counts errors and warnings and keeps the last
 * of each (thread-safe); with ECHO it also prints them to stderr. */
void ox_test_capture (int echo);

/* Forget the counted messages and the last ones. */
void ox_test_reset_log (void);

/* Errors reported since the last reset. */
int ox_test_errors (void);

/* Warnings reported since the last reset. */
int ox_test_warnings (void);

/* The last error reported since the last reset ("" if none). */
const char *ox_test_last_error (void);

/* The last error or warning reported since the last reset ("" if none). */
const char *ox_test_last_message (void);

/* Fail (at FILE:LINE) unless an error was reported and the last one
 * contains WANT. */
void ox_test_check_error (const char *file, int line, const char *want)
    __attribute__ ((__nonnull__));

/* Fail (at FILE:LINE) unless the last error or warning contains WANT. */
void ox_test_check_message (const char *file, int line, const char *want)
    __attribute__ ((__nonnull__));

#define CHECK_ERROR(want) ox_test_check_error (__FILE__, __LINE__, (want))
#define CHECK_MESSAGE(want) ox_test_check_message (__FILE__, __LINE__, (want))

/* Make a fresh directory $TMPDIR/NAME.XXXXXX (/tmp without TMPDIR) and
 * return its path (malloc'd). */
char *ox_test_tmpdir (const char *name) __attribute__ ((__nonnull__));

/* Remove PATH and everything below it (not following links); 0 or -1. */
int ox_test_rmtree (const char *path) __attribute__ ((__nonnull__));

/* DIR/NAME in a static buffer (overwritten by the next call). */
const char *ox_test_path (const char *dir, const char *name)
    __attribute__ ((__nonnull__));

/* Write LEN bytes at DATA to the file PATH (created or truncated). */
void ox_test_write_file (const char *path, const void *data, size_t len)
    __attribute__ ((__nonnull__));

/* Open (and create) a file:// store in directory PATH (teststore.c: in
 * ox_testlib, which links the store; the rest is in ox_testlib_base). */
struct ox_store *ox_test_file_store (const char *path)
    __attribute__ ((__nonnull__));

/* The number of objects under PREFIX of ST (teststore.c). */
size_t ox_test_count (struct ox_store *st, const char *prefix)
    __attribute__ ((__nonnull__));

/* Fill N bytes at P with a pseudo-random pattern derived from SEED (the
 * same SEED gives the same bytes; different seeds differ). */
void ox_test_fill (void *p, size_t n, unsigned seed)
    __attribute__ ((__nonnull__));

/* A malloc'd buffer of N (>= 0) bytes filled by ox_test_fill. */
unsigned char *ox_test_pattern (size_t n, unsigned seed);

/* Seconds on the monotonic clock. */
double ox_test_now (void);

/* Run the shell command CMD; exit the test, showing CMD, unless it
 * succeeds. */
void ox_test_run (const char *cmd) __attribute__ ((__nonnull__));

/* Run FN in N threads at once, thread i with ARGS + i * ARG_SIZE (or ARGS
 * itself if ARG_SIZE is 0), and wait for all of them. */
void ox_test_threads (int n, void *(*fn) (void *), void *args, size_t arg_size)
    __attribute__ ((__nonnull__ (2)));

#endif
