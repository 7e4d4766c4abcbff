/* oxsnap init: create a store (the directory, or the bucket) and its
 * configuration, encrypted or not. */
#include <stdio.h>

#include "cli.h"
#include "log.h"
#include "s3store.h"
#include "storecfg.h"
#include "storeopen.h"

int
cmd_init (struct cli *c, int argc, char **argv)
{
  int encrypt = !c->no_encryption;
  const char *bucket, *region;

  if (argc != 1) {
    ox_error ("usage: oxsnap init STORE [--key-file F | --passphrase-file F "
              "| --no-encryption]");
    return 2;
  }
  if (encrypt && !c->key_src.key_file && !c->key_src.passphrase_file) {
    ox_error ("init: an encrypted store needs --key-file F (created when "
              "missing) or --passphrase-file F; or give --no-encryption");
    return 2;
  }
  if (!encrypt && (c->key_src.key_file || c->key_src.passphrase_file)) {
    ox_error ("init: --no-encryption conflicts with a key");
    return 2;
  }
  c->store_opts.create = 1; /* the directory, or the bucket */
  if (ox_store_open (argv[0], &c->store_opts, &c->store) == -1)
    return 1;
  if (ox_s3_store_created_bucket (c->store, &bucket, &region) && !c->quiet)
    fprintf (stderr, "oxsnap: created bucket %s in region %s\n", bucket,
             region);
  if (ox_storecfg_create (c->store, encrypt, &c->key_src, &c->keys) == -1)
    return 1;
  if (!c->quiet)
    fprintf (stderr, "oxsnap: created %s store %s%s%s\n",
             encrypt ? "encrypted" : "unencrypted", argv[0],
             c->key_src.key_file ? " with key file " : "",
             c->key_src.key_file ? c->key_src.key_file : "");
  return 0;
}
