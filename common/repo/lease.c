/* ox: leases (lease.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hex.h"
#include "keys.h"
#include "lease.h"
#include "log.h"
#include "cleanup.h"
#include "monotime.h"

struct ox_lease {
  struct ox_store *st;
  char key[OX_KEY_MAX];
  struct ox_lease_info info;
  pthread_t thread;
  /* lock guards stop and last_ok; the refresher waits on wake. */
  pthread_mutex_t lock;
  pthread_cond_t wake;
  int stop;
  double last_ok; /* boot_s of the last successful write */
  int lapsed;     /* a write came too late once: never valid again */
};

/* Seconds on CLOCK_BOOTTIME, which counts a suspended system too. */
static double
boot_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_BOOTTIME, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The age past which a lease may have expired for others: its life less
 * two refreshes of margin for clock skew and slow writes. */
#define LAPSE_S (OX_LEASE_TTL - 2 * OX_LEASE_REFRESH)

/* Write the lease's object with refreshed = now. Returns 0 or -1. */
static int
lease_write (struct ox_lease *l)
{
  CLEANUP_FREE char *text = NULL;
  size_t len;
  double t = boot_s ();
  uint64_t now = (uint64_t)time (NULL), before = l->info.refreshed;

  l->info.refreshed = now;
  if (ox_lease_format (&l->info, &text, &len) == -1
      || ox_store_put (l->st, l->key, text, len) == -1)
    return -1;
  pthread_mutex_lock (&l->lock);
  /* A refresh that comes after the lease may have expired for a collector
   * (a stopped process, a store out of reach) does not make it good
   * again: the collector may have missed us meanwhile. By both clocks. */
  if (l->last_ok != 0
      && (t - l->last_ok >= LAPSE_S
          || (now > before && now - before >= LAPSE_S)))
    l->lapsed = 1;
  l->last_ok = t;
  pthread_mutex_unlock (&l->lock);
  return 0;
}

static void *
refresher (void *arg)
{
  struct ox_lease *l = arg;
  struct timespec ts;

  pthread_mutex_lock (&l->lock);
  while (!l->stop) {
    ox_deadline (&ts, OX_LEASE_REFRESH * 1000000000ull);
    while (!l->stop
           && pthread_cond_timedwait (&l->wake, &l->lock, &ts) != ETIMEDOUT)
      ;
    if (l->stop)
      break;
    pthread_mutex_unlock (&l->lock);
    if (lease_write (l) == -1)
      ox_warning ("cannot refresh lease %s: retrying in %d s", l->key,
                  OX_LEASE_REFRESH);
    pthread_mutex_lock (&l->lock);
  }
  pthread_mutex_unlock (&l->lock);
  return NULL;
}

int
ox_lease_take (struct ox_store *st, const char *kind,
               const struct ox_root *pin, struct ox_lease **out)
{
  struct ox_lease *l = calloc (1, sizeof *l);
  uint8_t nonce[16];
  char hex[33];
  int err;

  if (l == NULL) {
    ox_error ("cannot take a lease: %m");
    return -1;
  }
  l->st = st;
  pthread_mutex_init (&l->lock, NULL);
  if (ox_cond_init_monotonic (&l->wake) != 0) {
    ox_error ("cannot take a lease: %m");
    pthread_mutex_destroy (&l->lock);
    free (l);
    return -1;
  }
  if (ox_random_bytes (nonce, sizeof nonce) == -1)
    goto fail;
  ox_hex (nonce, sizeof nonce, hex);
  snprintf (l->key, sizeof l->key, "%s%s", OX_LEASE_PREFIX, hex);
  snprintf (l->info.kind, sizeof l->info.kind, "%s", kind);
  if (gethostname (l->info.host, sizeof l->info.host) == -1
      || l->info.host[0] == '\0')
    strcpy (l->info.host, "unknown");
  l->info.host[OX_LEASE_HOST_MAX] = '\0';
  for (char *p = l->info.host; *p; p++)
    if (*p <= ' ' || *p > '~')
      *p = '_';
  l->info.pid = (uint64_t)getpid ();
  l->info.started = (uint64_t)time (NULL);
  l->info.ttl = OX_LEASE_TTL;
  if (pin) {
    l->info.pinned = 1;
    snprintf (l->info.volume, sizeof l->info.volume, "%s", pin->volume);
    l->info.snap_id = pin->snapshot_id;
    l->info.npages = pin->npages;
    l->info.pages = malloc ((size_t)pin->npages * OX_ID_LEN + 1);
    if (l->info.pages == NULL) {
      ox_error ("cannot take a lease: %m");
      goto fail;
    }
    if (pin->npages)
      memcpy (l->info.pages, pin->pages, (size_t)pin->npages * OX_ID_LEN);
  }
  if (lease_write (l) == -1) {
    ox_error ("cannot write lease %s: garbage collection would not know "
              "this %s is at work",
              l->key, kind);
    goto fail;
  }
  err = pthread_create (&l->thread, NULL, refresher, l);
  if (err) {
    errno = err;
    ox_error ("cannot start the refresher of lease %s: %m", l->key);
    ox_store_del (st, l->key);
    goto fail;
  }
  *out = l;
  return 0;

fail:
  ox_lease_info_free (&l->info);
  pthread_mutex_destroy (&l->lock);
  pthread_cond_destroy (&l->wake);
  free (l);
  return -1;
}

int
ox_lease_valid (struct ox_lease *l)
{
  double age;
  int lapsed;

  pthread_mutex_lock (&l->lock);
  age = boot_s () - l->last_ok;
  lapsed = l->lapsed || age >= LAPSE_S;
  pthread_mutex_unlock (&l->lock);
  if (!lapsed)
    return 1;
  ox_error ("lease %s lapsed: it was not refreshed for %d s or more (a lease "
            "lives %d s); garbage collection may have missed this process, "
            "so it does not publish",
            l->key, LAPSE_S, OX_LEASE_TTL);
  return 0;
}

void
ox_lease_drop (struct ox_lease *l)
{
  if (l == NULL)
    return;
  pthread_mutex_lock (&l->lock);
  l->stop = 1;
  pthread_cond_signal (&l->wake);
  pthread_mutex_unlock (&l->lock);
  pthread_join (l->thread, NULL);
  if (ox_store_del (l->st, l->key) == -1 && errno != ENOENT)
    ox_warning ("cannot delete lease %s: it expires in %d s", l->key,
                OX_LEASE_TTL);
  ox_lease_info_free (&l->info);
  pthread_mutex_destroy (&l->lock);
  pthread_cond_destroy (&l->wake);
  free (l);
}

struct listing {
  struct ox_lease_entry *v;
  size_t n, cap;
};

static int
collect (void *opaque, const char *key, uint64_t size)
{
  struct listing *li = opaque;

  (void)size;
  if (strlen (key) >= OX_KEY_MAX)
    return 0;
  if (li->n == li->cap) {
    size_t cap = li->cap ? 2 * li->cap : 16;
    void *p = realloc (li->v, cap * sizeof *li->v);
    if (p == NULL) {
      ox_error ("cannot list leases: %m");
      return -1;
    }
    li->v = p;
    li->cap = cap;
  }
  memset (&li->v[li->n], 0, sizeof li->v[li->n]);
  strcpy (li->v[li->n].key, key);
  li->n++;
  return 0;
}

int
ox_lease_list (struct ox_store *st, uint64_t now, struct ox_lease_entry **out,
               size_t *n)
{
  struct listing li = { 0 };

  if (ox_store_list (st, OX_LEASE_PREFIX, collect, &li) == -1) {
    ox_lease_list_free (li.v, li.n);
    return -1;
  }
  for (size_t i = 0; i < li.n; i++) {
    struct ox_lease_entry *e = &li.v[i];
    CLEANUP_FREE void *data = NULL;
    size_t len;
    const char *why;

    if (ox_store_get (st, e->key, &data, &len) == -1) {
      if (errno == ENOENT) /* dropped since the listing */
        continue;
      ox_lease_list_free (li.v, li.n);
      return -1;
    }
    if (ox_lease_parse (data, len, &e->info, &why) == -1) {
      ox_warning ("lease %s is not valid (%s): garbage collection deletes "
                  "nothing while it is there",
                  e->key, why);
      e->invalid = 1;
      continue;
    }
    e->live = ox_lease_live (&e->info, now);
  }
  *out = li.v;
  *n = li.n;
  return 0;
}

void
ox_lease_list_free (struct ox_lease_entry *v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    ox_lease_info_free (&v[i].info);
  free (v);
}
