/* ox: a token bucket that limits bytes per second, shared by threads.
 *
 * Transfers take tokens for the bytes they move; when the bucket is in
 * debt the taker sleeps until the debt is paid at the configured rate.
 * The bucket holds at most a quarter second of tokens (at least 16 KiB;
 * see ox_ratelimit_set_burst), so an idle period does not allow a long
 * burst afterwards.
 */
#ifndef OX_RATELIMIT_H
#define OX_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

struct ox_ratelimit;

/* A new bucket for RATE bytes per second (0 = no limit), full. Returns
 * NULL on ENOMEM. */
struct ox_ratelimit *ox_ratelimit_new (uint64_t rate);

/* Free a bucket (NULL is fine). */
void ox_ratelimit_free (struct ox_ratelimit *rl);

/* The process-wide bucket used by every store (initially no limit). */
struct ox_ratelimit *ox_ratelimit_global (void);

/* Change the rate (0 = no limit). */
void ox_ratelimit_set_rate (struct ox_ratelimit *rl, uint64_t rate)
    __attribute__ ((__nonnull__ (1)));

/* Keep at most SECONDS of unused tokens (default 0.25, at least 16 KiB):
 * more lets a taker that paused make up for it, so that the rate holds on
 * average over a few seconds rather than only capping. Does not add
 * tokens. */
void ox_ratelimit_set_burst (struct ox_ratelimit *rl, double seconds)
    __attribute__ ((__nonnull__ (1)));

/* Lower the rate to RATE if RATE is non-zero and the bucket has no limit
 * or a higher one (how several stores share the process bucket). */
void ox_ratelimit_limit (struct ox_ratelimit *rl, uint64_t rate)
    __attribute__ ((__nonnull__ (1)));

/* The current rate (0 = no limit). */
uint64_t ox_ratelimit_rate (struct ox_ratelimit *rl)
    __attribute__ ((__nonnull__ (1)));

/* Take N bytes at time NOW_NS (any monotonic clock in nanoseconds) and
 * return how many nanoseconds the caller must wait before moving them. */
uint64_t ox_ratelimit_reserve (struct ox_ratelimit *rl, size_t n,
                               uint64_t now_ns)
    __attribute__ ((__nonnull__ (1)));

/* Take N bytes now, sleeping as long as the limit requires. */
void ox_ratelimit_take (struct ox_ratelimit *rl, size_t n)
    __attribute__ ((__nonnull__ (1)));

#endif
