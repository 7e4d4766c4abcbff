/* Test forget records (forgetfmt.c): bytes, MAC, and what is refused. */
#include <string.h>

#include "forgetfmt.h"
#include "keys.h"
#include "testlib.h"

int
main (void)
{
  struct ox_keys k, other;
  uint8_t sid[OX_STORE_ID_LEN], master[OX_MASTER_KEY_LEN];
  char text[OX_FORGET_TEXT_LEN + 1], bad[OX_FORGET_TEXT_LEN + 1];
  char key[OX_KEY_MAX];
  uint64_t before = 0;

  memset (sid, 7, sizeof sid);
  memset (master, 9, sizeof master);
  CHECK (ox_keys_init_encrypted (&k, sid, master) == 0);
  master[0] ^= 1;
  CHECK (ox_keys_init_encrypted (&other, sid, master) == 0);

  CHECK_EQ_INT (ox_forget_format (&k, "vm1", 0x300, 0x200, text),
                OX_FORGET_TEXT_LEN);
  CHECK_EQ_INT (strlen (text), OX_FORGET_TEXT_LEN);
  CHECK (memcmp (text, "before 0000000000000200\nmac ", 28) == 0);
  CHECK (text[OX_FORGET_TEXT_LEN - 1] == '\n');
  CHECK (ox_forget_parse (&k, "vm1", 0x300, text, OX_FORGET_TEXT_LEN, &before)
         == OX_FORGET_OK);
  CHECK (before == 0x200);

  /* Another key, volume or id, or a changed before: no MAC match. */
  CHECK (
      ox_forget_parse (&other, "vm1", 0x300, text, OX_FORGET_TEXT_LEN, &before)
      == OX_FORGET_BAD_MAC);
  CHECK (ox_forget_parse (&k, "vm2", 0x300, text, OX_FORGET_TEXT_LEN, &before)
         == OX_FORGET_BAD_MAC);
  CHECK (ox_forget_parse (&k, "vm1", 0x301, text, OX_FORGET_TEXT_LEN, &before)
         == OX_FORGET_BAD_MAC);
  memcpy (bad, text, sizeof bad);
  bad[22] = '1'; /* before 0x201 */
  CHECK (ox_forget_parse (&k, "vm1", 0x300, bad, OX_FORGET_TEXT_LEN, &before)
         == OX_FORGET_BAD_MAC);
  CHECK (before == 0x200); /* untouched */

  /* Not a record. */
  CHECK (
      ox_forget_parse (&k, "vm1", 0x300, text, OX_FORGET_TEXT_LEN - 1, &before)
      == OX_FORGET_INVALID);
  CHECK (ox_forget_parse (&k, "vm1", 0x200, text, OX_FORGET_TEXT_LEN, &before)
         == OX_FORGET_INVALID); /* before not below the id */
  memcpy (bad, text, sizeof bad);
  bad[30] = 'A'; /* uppercase hex in the MAC */
  CHECK (ox_forget_parse (&k, "vm1", 0x300, bad, OX_FORGET_TEXT_LEN, &before)
         == OX_FORGET_INVALID);
  memcpy (bad, text, sizeof bad);
  bad[0] = 'B';
  CHECK (ox_forget_parse (&k, "vm1", 0x300, bad, OX_FORGET_TEXT_LEN, &before)
         == OX_FORGET_INVALID);

  /* before 0: the first snapshot was forgotten. */
  ox_forget_format (&k, "vm1", 0x300, 0, text);
  CHECK (ox_forget_parse (&k, "vm1", 0x300, text, OX_FORGET_TEXT_LEN, &before)
         == OX_FORGET_OK);
  CHECK (before == 0);

  ox_forget_key ("vm1", 0x300, key);
  CHECK (strcmp (key, "volumes/vm1/forgotten/0000000000000300") == 0);
  ox_keys_wipe (&k);
  ox_keys_wipe (&other);
  return 0;
}
