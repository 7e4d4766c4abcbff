/* ox: S3 multipart upload: parts in parallel, verified, aborted on failure.
 */
#ifndef OX_S3MULTIPART_H
#define OX_S3MULTIPART_H

#include <stddef.h>

#include "s3http.h"

/* At most this many parts (Swift's limit; AWS allows 10000). */
#define OX_S3_MAX_PARTS 1000

/* Bytes of an ETag as kept (the size of struct ox_s3_response's etag). */
#define OX_S3_ETAG_LEN 128

/* The part size for an object of LEN bytes: PART_SIZE, raised if needed
 * so that there are at most OX_S3_MAX_PARTS parts. */
size_t ox_s3_part_size (size_t len, size_t part_size);

/* Upload LEN bytes at DATA to object KEY (full key in the bucket) in parts
 * of the configured size, up to the configured number of connections at
 * once, then check the object's size. On failure the upload is aborted so
 * no parts are left behind. WHAT names the object in messages. Returns 0
 * or -1 with an error. */
int ox_s3_multipart_put (struct ox_s3_client *c, const char *key,
                         const char *what, const void *data, size_t len)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

/* Start a multipart upload of object KEY (WHAT names it in messages) and
 * set *UPLOAD_ID to the server's id (malloc'd). Returns 0, or -1 with an
 * error (*UPLOAD_ID NULL). */
int ox_s3_multipart_initiate (struct ox_s3_client *c, const char *key,
                              const char *what, char **upload_id)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

/* Upload LEN bytes at DATA as part NUMBER (from 1) of upload UPLOAD_ID of
 * KEY (with Content-MD5) and copy the server's ETag into ETAG. Returns 0
 * or -1 with an error. */
int ox_s3_multipart_upload_part (struct ox_s3_client *c, const char *key,
                                 const char *what, const char *upload_id,
                                 size_t number, const void *data, size_t len,
                                 char etag[OX_S3_ETAG_LEN])
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 6, 8)));

/* Complete upload UPLOAD_ID of KEY from the ETags of its NPARTS parts
 * (part i+1 is ETAGS[i]) into an object of LEN bytes; an upload the server
 * does not know (unknown or aborted) is reported as such. Returns 0 or -1
 * with an error. */
int ox_s3_multipart_complete (struct ox_s3_client *c, const char *key,
                              const char *what, const char *upload_id,
                              const char (*etags)[OX_S3_ETAG_LEN],
                              size_t nparts, size_t len)
    __attribute__ ((__nonnull__ (1, 2, 3, 4, 5)));

/* Abort upload UPLOAD_ID of KEY so that its parts are dropped (a warning
 * if the server refuses; an unknown upload is fine). */
void ox_s3_multipart_abort (struct ox_s3_client *c, const char *key,
                            const char *what, const char *upload_id)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

#endif
