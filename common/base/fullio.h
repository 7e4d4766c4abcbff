/* ox: whole writes: pwrite until every byte is written. */
#ifndef OX_FULLIO_H
#define OX_FULLIO_H

#include <stddef.h>
#include <stdint.h>

/* Write all COUNT bytes of BUF to FD at OFFSET, retrying after EINTR and
 * short writes. Returns 0, or -1 with errno (EIO if the kernel wrote
 * nothing without saying why). */
int ox_pwrite_full (int fd, const void *buf, size_t count, uint64_t offset)
    __attribute__ ((__nonnull__ (2)));

#endif
