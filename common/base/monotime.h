/* ox: the monotonic clock, for timeouts, rates and latencies. */
#ifndef OX_MONOTIME_H
#define OX_MONOTIME_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t ox_now_ns (void);

/* Seconds on CLOCK_MONOTONIC, for rates and progress. */
double ox_now_s (void);

/* Set *T to NS nanoseconds from now on CLOCK_MONOTONIC (an absolute time
 * for pthread_cond_timedwait on a condition from ox_cond_init_monotonic). */
void ox_deadline (struct timespec *t, uint64_t ns)
    __attribute__ ((__nonnull__ (1)));

/* Initialise condition variable C to time out on CLOCK_MONOTONIC (not
 * the wall clock, which can jump). Returns 0 or an error number. */
int ox_cond_init_monotonic (pthread_cond_t *c)
    __attribute__ ((__nonnull__ (1)));

#endif
