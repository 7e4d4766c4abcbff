/* oxsnap: a progress line on stderr for long operations. */
#ifndef OXSNAP_PROGRESS_H
#define OXSNAP_PROGRESS_H

#include <stdint.h>

struct progress {
  int enabled;
  const char *what;
  uint64_t total;
  double start, last;
};

/* Start reporting WHAT over TOTAL bytes when ENABLED. */
void progress_start (struct progress *p, int enabled, const char *what,
                     uint64_t total);

/* Report that DONE bytes of the total are done (rate-limited output). */
void progress_update (struct progress *p, uint64_t done);

/* Finish the progress line. */
void progress_end (struct progress *p);

/* Monotonic time in seconds. */
double progress_now (void);

#endif
