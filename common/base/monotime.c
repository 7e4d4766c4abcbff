/* ox: the monotonic clock (see monotime.h). */
#include "monotime.h"

uint64_t
ox_now_ns (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000 + (uint64_t)t.tv_nsec;
}

double
ox_now_s (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

void
ox_deadline (struct timespec *t, uint64_t ns)
{
  uint64_t at = ox_now_ns () + ns;

  t->tv_sec = (time_t)(at / 1000000000);
  t->tv_nsec = (long)(at % 1000000000);
}

int
ox_cond_init_monotonic (pthread_cond_t *c)
{
  pthread_condattr_t a;
  int r = pthread_condattr_init (&a);

  if (r == 0)
    r = pthread_condattr_setclock (&a, CLOCK_MONOTONIC);
  if (r == 0)
    r = pthread_cond_init (c, &a);
  pthread_condattr_destroy (&a);
  return r;
}
