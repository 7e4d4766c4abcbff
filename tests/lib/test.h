/* ox unit tests: tiny assertion helpers. A failed check prints where and
 * exits 1; a test that cannot run exits 77 (skip). */
#ifndef OX_TEST_H
#define OX_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,       \
               #cond);                                                        \
      exit (1);                                                               \
    }                                                                         \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                    \
  do {                                                                        \
    long long a_ = (long long)(a), b_ = (long long)(b);                       \
    if (a_ != b_) {                                                           \
      fprintf (stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n",      \
               __FILE__, __LINE__, #a, #b, a_, b_);                           \
      exit (1);                                                               \
    }                                                                         \
  } while (0)

#define CHECK_MEM(a, b, n) CHECK (memcmp ((a), (b), (n)) == 0)

#endif
