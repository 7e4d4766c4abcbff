# ox: shared by test-oxsnap-key-concurrent.sh and test-s3-key.sh (sourced
# after oxsnap-common.sh, not a test).
#
# key_concurrent_rounds STORE ROUNDS VOLUME SOURCE [OXSNAP OPTIONS...]:
# STORE is encrypted with the key file $T/key and holds a snapshot of
# SOURCE as VOLUME. In each round, two `oxsnap key add` runs (one adding a
# key file, one a passphrase) are released at the same instant (both wait
# for a shared flock the test holds); both must exit 0. Afterwards every
# key added must open the store, and restore VOLUME to exactly SOURCE
# (cmp): a lost slot (one run's rewrite of ox-store replacing the other's)
# fails here. And no lock object is left behind (a last key add with
# --lock-timeout 0 succeeds).

# For oxsnap runs in the background (not through `ox`).
key_check_sanitizer () {
  if grep -qE 'Sanitizer|runtime error:' "$1"; then
    cat "$1" >&2
    touch "$T/.sanitizer"
    fail "sanitizer report from a background oxsnap"
  fi
}

key_concurrent_rounds () {
  local store=$1 rounds=$2 vol=$3 src=$4 r w rc gate n
  shift 4
  local -a opts=("$@") keys=() new
  for ((r = 0; r < rounds; r++)); do
    exec {gate}>"$T/gate"
    flock -x "$gate"
    for w in 0 1; do
      if [ "$w" = 0 ]; then
        new=(--new-key-file "$T/ckey.$r")
        keys+=("--key-file $T/ckey.$r")
      else
        printf 'round %d passphrase %s\n' "$r" "$RANDOM" >"$T/cpass.$r"
        chmod 600 "$T/cpass.$r"
        new=(--new-passphrase-file "$T/cpass.$r")
        keys+=("--passphrase-file $T/cpass.$r")
      fi
      flock -s "$T/gate" "$OXSNAP" key add "$store" --key-file "$T/key" \
        "${new[@]}" "${opts[@]}" 2>"$T/kerr.$r.$w" {gate}>&- &
      eval "pid$w=\$!"
    done
    sleep 0.2      # both are waiting for the gate
    exec {gate}>&- # opens it: both start together
    for w in 0 1; do
      rc=0
      eval "wait \$pid$w" || rc=$?
      cat "$T/kerr.$r.$w" >&2
      key_check_sanitizer "$T/kerr.$r.$w"
      [ "$rc" -eq 0 ] || fail "round $r: key add $w exited $rc"
      assert_grep "^oxsnap: added key slot [0-9]+ " "$T/kerr.$r.$w"
    done
  done
  ox key list "$store" "${opts[@]}" >"$T/klist"
  n=$(grep -cE '^[0-9]+ +(key-file|passphrase)' "$T/klist" || true)
  [ "$n" -eq $((2 * rounds + 1)) ] ||
    { cat "$T/klist" >&2; fail "$n slots listed, expected $((2 * rounds + 1))"; }
  # No lock was left behind: a run that may not wait gets it at once.
  new_key "$T/ckey.last"
  ox key add "$store" --key-file "$T/key" --new-key-file "$T/ckey.last" \
    --lock-timeout 0 "${opts[@]}" || fail "a lock was left behind"
  keys+=("--key-file $T/ckey.last")
  for k in "${keys[@]}"; do
    rm -f "$T/kout"
    # shellcheck disable=SC2086 # "--key-file F": two words
    ox restore "$store" "$vol" "$T/kout" -q $k "${opts[@]}" ||
      fail "the key added ($k) does not restore"
    assert_same "$src" "$T/kout"
  done
}
