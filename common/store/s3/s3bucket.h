/* ox: S3 buckets: make sure the bucket of a new store exists, creating it
 * in the configured region when it is missing (what `oxsnap init` does,
 * like restic and the AWS CLI). */
#ifndef OX_S3BUCKET_H
#define OX_S3BUCKET_H

#include "s3http.h"

/* The CreateBucket body for REGION: "" for us-east-1 (which takes no
 * location constraint), else a CreateBucketConfiguration naming REGION.
 * Returns a string to free, or NULL (ENOMEM). */
char *ox_s3_bucket_create_body (const char *region)
    __attribute__ ((__nonnull__ (1)));

/* Create the client's bucket in its region. A bucket the caller already
 * owns is fine (*CREATED 0); a new one sets *CREATED to 1. URL names the
 * store in messages. Returns 0, or -1 with an error (refused: the S3 code,
 * message and a hint). */
int ox_s3_bucket_create (struct ox_s3_client *c, const char *url, int *created)
    __attribute__ ((__nonnull__ (1, 2, 3)));

/* Check that the client's bucket exists (one listing of PREFIX) and
 * create it if the server says NoSuchBucket. *CREATED tells whether it was
 * created. Returns 0, or -1 with an error. */
int ox_s3_bucket_ensure (struct ox_s3_client *c, const char *prefix,
                         const char *url, int *created)
    __attribute__ ((__nonnull__ (1, 2, 3, 4)));

#endif
