/* Test the monotonic clock helpers (monotime.c): the clock advances with
 * real time, deadlines are normalised and in the future, and a condition
 * from ox_cond_init_monotonic times out at its deadline. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "monotime.h"
#include "test.h"

int
main (void)
{
  uint64_t a = ox_now_ns (), b;
  struct timespec t;
  pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t c;

  usleep (20000);
  b = ox_now_ns ();
  CHECK (b - a >= 20000000 && b - a < 5000000000u);

  /* Deadlines: the nanoseconds stay below a second; the time is ahead. */
  for (uint64_t ns = 0; ns < 3000000000u; ns += 123456789) {
    uint64_t before = ox_now_ns (), at;
    ox_deadline (&t, ns);
    CHECK (t.tv_nsec >= 0 && t.tv_nsec < 1000000000);
    at = (uint64_t)t.tv_sec * 1000000000 + (uint64_t)t.tv_nsec;
    CHECK (at >= before + ns && at <= ox_now_ns () + ns);
  }

  /* A timed wait on the monotonic clock ends at its deadline. */
  CHECK_EQ_INT (ox_cond_init_monotonic (&c), 0);
  pthread_mutex_lock (&m);
  a = ox_now_ns ();
  ox_deadline (&t, 50000000);
  while (pthread_cond_timedwait (&c, &m, &t) != ETIMEDOUT)
    ;
  b = ox_now_ns ();
  pthread_mutex_unlock (&m);
  CHECK (b - a >= 50000000 && b - a < 5000000000u);
  pthread_cond_destroy (&c);
  return 0;
}
