/* ox: automatic cleanup of locals, as nbdkit's common/utils/cleanup.h. */
#ifndef OX_CLEANUP_H
#define OX_CLEANUP_H

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
ox_cleanup_free (void *ptr)
{
  free (*(void **)ptr);
}
#define CLEANUP_FREE __attribute__ ((cleanup (ox_cleanup_free)))

static inline void
ox_cleanup_close (int *fd)
{
  if (*fd >= 0)
    close (*fd);
}
#define CLEANUP_CLOSE __attribute__ ((cleanup (ox_cleanup_close)))

static inline void
ox_cleanup_unlock (pthread_mutex_t **mp)
{
  pthread_mutex_unlock (*mp);
}
#define OX_LOCK_SCOPE_CAT2(a, b) a##b
#define OX_LOCK_SCOPE_CAT(a, b) OX_LOCK_SCOPE_CAT2 (a, b)
/* Lock MUTEX until the end of the enclosing scope. */
#define ACQUIRE_LOCK_FOR_CURRENT_SCOPE(mutex)                                 \
  pthread_mutex_t *OX_LOCK_SCOPE_CAT (ox_lock_, __LINE__)                     \
      __attribute__ ((cleanup (ox_cleanup_unlock), unused))                   \
      = (mutex);                                                              \
  pthread_mutex_lock (OX_LOCK_SCOPE_CAT (ox_lock_, __LINE__))

#endif
