/* ox: the token bucket: exact waits on a fake clock, and a real-time run
 * with several threads sharing one bucket. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "monotime.h"
#include "ratelimit.h"
#include "test.h"

#define MIB (1024 * 1024)

static void
check_fake_clock (void)
{
  struct ox_ratelimit *rl = ox_ratelimit_new (MIB);
  uint64_t t = 1000000000;

  CHECK (rl != NULL);
  CHECK_EQ_INT (ox_ratelimit_rate (rl), MIB);
  /* A full bucket holds a quarter second: 256 KiB pass at once. */
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 4, t), 0);
  /* The next 512 KiB wait half a second. */
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 2, t), 500000000);
  /* Debt accumulates: another 256 KiB waits 0.75 s in all. */
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 4, t), 750000000);
  /* After 0.75 s the debt is paid; nothing more is owed. */
  t += 750000000;
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, 0, t), 0);
  /* A long idle period refills at most a quarter second. */
  t += 100ULL * 1000000000;
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 4, t), 0);
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB, t), 1000000000);
  /* A clock going backwards gives no tokens. */
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, 0, t - 500000000), 1000000000);
  /* No limit: never wait. */
  ox_ratelimit_set_rate (rl, 0);
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, 100 * MIB, t), 0);
  /* limit() only lowers. */
  ox_ratelimit_limit (rl, 2 * MIB);
  CHECK_EQ_INT (ox_ratelimit_rate (rl), 2 * MIB);
  ox_ratelimit_limit (rl, 4 * MIB);
  CHECK_EQ_INT (ox_ratelimit_rate (rl), 2 * MIB);
  ox_ratelimit_limit (rl, 0);
  CHECK_EQ_INT (ox_ratelimit_rate (rl), 2 * MIB);
  ox_ratelimit_limit (rl, MIB);
  CHECK_EQ_INT (ox_ratelimit_rate (rl), MIB);
  ox_ratelimit_free (rl);

  /* A one-second burst: setting it adds nothing; a pause of up to a
   * second is made up afterwards, a longer one is not. */
  rl = ox_ratelimit_new (MIB);
  t = 1000000000;
  ox_ratelimit_set_burst (rl, 1.0);
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 4, t), 0);
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 4, t), 250000000);
  t += 250000000 + 500000000; /* paid, then half a second paused */
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 2, t), 0);
  t += 100ULL * 1000000000;
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB, t), 0);
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 2, t), 500000000);
  /* Back to a quarter second: surplus tokens are cut. */
  t += 100ULL * 1000000000;
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, 0, t), 0);
  ox_ratelimit_set_burst (rl, 0.25);
  CHECK_EQ_INT (ox_ratelimit_reserve (rl, MIB / 2, t), 250000000);
  ox_ratelimit_free (rl);
}

static struct ox_ratelimit *shared;

static void *
taker (void *arg)
{
  int i;

  for (i = 0; i < 64; i++)
    ox_ratelimit_take (shared, 16384);
  return NULL;
}

/* 4 threads move 4 MiB through a 4 MiB/s bucket: about 0.75 s (the first
 * quarter second is the initial burst). */
static void
check_real_time (void)
{
  pthread_t t[4];
  double start, elapsed;
  int i;

  shared = ox_ratelimit_new (4 * MIB);
  CHECK (shared != NULL);
  start = ox_now_s ();
  for (i = 0; i < 4; i++)
    CHECK (pthread_create (&t[i], NULL, taker, NULL) == 0);
  for (i = 0; i < 4; i++)
    pthread_join (t[i], NULL);
  elapsed = ox_now_s () - start;
  printf ("4 MiB through a 4 MiB/s bucket: %.3f s\n", elapsed);
  CHECK (elapsed > 0.65);
  CHECK (elapsed < 1.5);
  ox_ratelimit_free (shared);
}

static void
check_global (void)
{
  struct ox_ratelimit *g = ox_ratelimit_global ();

  CHECK (g == ox_ratelimit_global ());
  CHECK_EQ_INT (ox_ratelimit_rate (g), 0);
  ox_ratelimit_free (g); /* must not free the global bucket */
  CHECK_EQ_INT (ox_ratelimit_reserve (g, 1000000, 0), 0);
}

int
main (void)
{
  check_fake_clock ();
  check_global ();
  check_real_time ();
  return 0;
}
