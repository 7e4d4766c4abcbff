#!/usr/bin/env bash
# OX_KEY_FILE and OX_PASSPHRASE_FILE stand in for the options; an option
# wins over the environment.
source "$(dirname "$0")/oxsnap-common.sh"

head -c 100000 /dev/urandom >"$T/src"
new_key "$T/key"
new_key "$T/other"
printf 'secret words\n' >"$T/pass"

OX_KEY_FILE=$T/key ox init "$T/ks"
id=$(OX_KEY_FILE=$T/key ox snapshot "$T/src" "$T/ks" --volume v)
OX_KEY_FILE=$T/key ox restore "$T/ks" "v@$id" "$T/out1"
assert_same "$T/src" "$T/out1"
# The option wins over a wrong key in the environment.
OX_KEY_FILE=$T/other ox restore "$T/ks" v "$T/out2" --key-file "$T/key"
assert_same "$T/src" "$T/out2"
# And a wrong key in the environment is refused.
OX_KEY_FILE=$T/other expect_fail 1 "wrong key" list "$T/ks"

OX_PASSPHRASE_FILE=$T/pass ox init "$T/ps"
OX_PASSPHRASE_FILE=$T/pass ox snapshot "$T/src" "$T/ps" --volume v >/dev/null
OX_PASSPHRASE_FILE=$T/pass ox restore "$T/ps" v "$T/out3"
assert_same "$T/src" "$T/out3"
OX_PASSPHRASE_FILE=$T/pass ox info "$T/ps" v >"$T/info"
assert_grep '^encrypted: +yes' "$T/info"
