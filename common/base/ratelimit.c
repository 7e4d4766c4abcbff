/* ox: a token bucket that limits bytes per second. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "cleanup.h"
#include "monotime.h"
#include "ratelimit.h"

#define NS 1000000000.0
#define MIN_BURST 16384.0
#define DEFAULT_BURST_S 0.25

struct ox_ratelimit {
  pthread_mutex_t lock;
  uint64_t rate;    /* bytes per second, 0 = no limit */
  double tokens;    /* may be negative: the debt still to wait for */
  uint64_t last_ns; /* when tokens was last brought up to date */
  int started;      /* last_ns is valid */
  double burst_s;   /* seconds of tokens kept at most */
};

static struct ox_ratelimit global
    = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, DEFAULT_BURST_S };

/* Tokens RL keeps at most at RATE. */
static double
burst (const struct ox_ratelimit *rl, uint64_t rate)
{
  double b = rate * rl->burst_s;
  return b < MIN_BURST ? MIN_BURST : b;
}

struct ox_ratelimit *
ox_ratelimit_new (uint64_t rate)
{
  struct ox_ratelimit *rl = calloc (1, sizeof *rl);

  if (rl == NULL)
    return NULL;
  pthread_mutex_init (&rl->lock, NULL);
  rl->rate = rate;
  rl->burst_s = DEFAULT_BURST_S;
  rl->tokens = burst (rl, rate);
  return rl;
}

void
ox_ratelimit_free (struct ox_ratelimit *rl)
{
  if (rl && rl != &global) {
    pthread_mutex_destroy (&rl->lock);
    free (rl);
  }
}

struct ox_ratelimit *
ox_ratelimit_global (void)
{
  return &global;
}

static void
set_rate_locked (struct ox_ratelimit *rl, uint64_t rate)
{
  if (rl->rate == 0)
    rl->tokens = burst (rl, rate);
  rl->rate = rate;
  if (rate && rl->tokens > burst (rl, rate))
    rl->tokens = burst (rl, rate);
}

void
ox_ratelimit_set_rate (struct ox_ratelimit *rl, uint64_t rate)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&rl->lock);
  set_rate_locked (rl, rate);
}

void
ox_ratelimit_set_burst (struct ox_ratelimit *rl, double seconds)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&rl->lock);
  rl->burst_s = seconds;
  if (rl->rate && rl->tokens > burst (rl, rl->rate))
    rl->tokens = burst (rl, rl->rate);
}

void
ox_ratelimit_limit (struct ox_ratelimit *rl, uint64_t rate)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&rl->lock);
  if (rate && (rl->rate == 0 || rate < rl->rate))
    set_rate_locked (rl, rate);
}

uint64_t
ox_ratelimit_rate (struct ox_ratelimit *rl)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&rl->lock);
  return rl->rate;
}

uint64_t
ox_ratelimit_reserve (struct ox_ratelimit *rl, size_t n, uint64_t now_ns)
{
  ACQUIRE_LOCK_FOR_CURRENT_SCOPE (&rl->lock);
  double wait;

  if (rl->rate == 0)
    return 0;
  if (rl->started && now_ns > rl->last_ns) {
    rl->tokens += (now_ns - rl->last_ns) / NS * rl->rate;
    if (rl->tokens > burst (rl, rl->rate))
      rl->tokens = burst (rl, rl->rate);
  }
  if (!rl->started || now_ns > rl->last_ns)
    rl->last_ns = now_ns;
  rl->started = 1;
  rl->tokens -= (double)n;
  if (rl->tokens >= 0)
    return 0;
  wait = -rl->tokens / rl->rate * NS;
  return wait > 1e18 ? (uint64_t)1e18 : (uint64_t)wait;
}

void
ox_ratelimit_take (struct ox_ratelimit *rl, size_t n)
{
  uint64_t wait = ox_ratelimit_reserve (rl, n, ox_now_ns ());
  struct timespec ts;

  if (wait == 0)
    return;
  ts.tv_sec = wait / 1000000000;
  ts.tv_nsec = wait % 1000000000;
  while (nanosleep (&ts, &ts) == -1 && errno == EINTR)
    ;
}
