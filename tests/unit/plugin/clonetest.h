/* tests/unit/plugin: the clone under test and what it is made of (a
 * header only: every test-*.c here is its own program). */
#ifndef OX_CLONETEST_H
#define OX_CLONETEST_H

#include <stdio.h>

#include "basis.h"
#include "catalog.h"
#include "clone.h"
#include "keys.h"
#include "overlay.h"
#include "ovformat.h"
#include "storecfg.h"
#include "storeopen.h"
#include "test.h"

struct clonetest {
  struct ox_store *st;
  struct ox_keys keys;
  struct overlay *ov;
  struct ox_basis *basis;
  struct clone *cl;
};

/* Open the clone of volume "vol" of the store TMP/store into T, with a
 * fresh overlay in TMP/NAME and the options CO. */
static inline void
clonetest_open (struct clonetest *t, const char *tmp, const char *name,
                const struct clone_options *co)
{
  struct ox_store_options so = { 0 };
  struct ox_key_source src = { 0 };
  struct ox_root *root;
  struct ox_ovheader pin;
  char store[4096], dir[4096];

  snprintf (store, sizeof store, "%s/store", tmp);
  snprintf (dir, sizeof dir, "%s/%s", tmp, name);
  CHECK_EQ_INT (ox_store_open (store, &so, &t->st), 0);
  CHECK_EQ_INT (ox_storecfg_open (t->st, &src, &t->keys), 0);
  CHECK_EQ_INT (ox_snapshot_resolve (t->st, &t->keys, NULL, "vol", &root), 0);
  CHECK_EQ_INT (ox_ovheader_from_root (&t->keys, store, root, &pin), 0);
  CHECK_EQ_INT (overlay_open (dir, &pin, &t->ov), 0);
  CHECK_EQ_INT (ox_basis_open (t->st, &t->keys, root, &t->basis), 0);
  CHECK_EQ_INT (clone_new (t->ov, t->basis, co, &t->cl), 0);
}

/* Close the clone of T and what it is made of. */
static inline void
clonetest_close (struct clonetest *t)
{
  clone_free (t->cl);
  ox_basis_close (t->basis);
  overlay_close (t->ov);
  ox_store_close (t->st);
}

#endif
