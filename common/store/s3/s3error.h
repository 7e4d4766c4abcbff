/* ox: what to tell the user about a failed S3 request.
 *
 * Dependency direction: s3http.c calls this module; this module knows the
 * request and response only as types (s3error.c includes s3http.h for their
 * layout) and calls nothing in the client, so there is no cycle.
 */
#ifndef OX_S3ERROR_H
#define OX_S3ERROR_H

struct ox_s3_request;
struct ox_s3_response;

/* A short hint for the S3 error CODE (may be NULL) with HTTP STATUS, or
 * NULL when there is nothing useful to add. */
const char *ox_s3_error_hint (const char *code, long status);

/* True if the S3 error CODE (may be NULL) with HTTP STATUS is transient
 * and the request should be tried again. */
int ox_s3_error_is_transient (const char *code, long status);

/* Report the failed answer RESP to REQ (status, S3 code and message, and
 * a hint), set errno to EIO and return -1. */
int ox_s3_report (const struct ox_s3_request *req,
                  const struct ox_s3_response *resp)
    __attribute__ ((__nonnull__ (1, 2)));

/* Report that the multipart upload UPLOAD_ID of the object REQ names is
 * unknown to the server or was aborted (RESP's status, code and tries in
 * brackets), set errno to EIO and return -1. */
int ox_s3_report_unknown_upload (const struct ox_s3_request *req,
                                 const struct ox_s3_response *resp,
                                 const char *upload_id)
    __attribute__ ((__nonnull__ (1, 2, 3)));

#endif
