/* ox: what to tell the user about a failed S3 request. */
#ifndef OX_S3ERROR_H
#define OX_S3ERROR_H

/* A short hint for the S3 error CODE (may be NULL) with HTTP STATUS, or
 * NULL when there is nothing useful to add. */
const char *ox_s3_error_hint (const char *code, long status);

/* True if the S3 error CODE (may be NULL) with HTTP STATUS is transient
 * and the request should be tried again. */
int ox_s3_error_is_transient (const char *code, long status);

#endif
