# ox: shared by test-oxsnap-concurrent.sh and test-s3-concurrent.sh
# (sourced after oxsnap-common.sh, not a test).
#
# concurrent_rounds STORE ROUNDS [OXSNAP OPTIONS...]: in each round, two
# `oxsnap snapshot` runs of volume "v" with different sources are released
# at the same instant (both wait for a shared flock the test holds); both must
# exit 0 with different ids. Afterwards `oxsnap list STORE v` must list all
# 2*ROUNDS ids, each must restore to exactly its own source (cmp), and
# `oxsnap verify --full` must pass.

# For oxsnap runs in the background (not through `ox`).
concurrent_check_sanitizer () {
  if grep -qE 'Sanitizer|runtime error:' "$1"; then
    cat "$1" >&2
    touch "$T/.sanitizer"
    fail "sanitizer report from a background oxsnap"
  fi
}

concurrent_rounds () {
  local store=$1 rounds=$2 r w rc a b gate
  shift 2
  local -a opts=("$@") ids=() srcs=()
  for ((r = 0; r < rounds; r++)); do
    exec {gate}>"$T/gate"
    flock -x "$gate"
    for w in 0 1; do
      # Different sizes and data: a mix-up of roots shows in cmp.
      head -c $((65536 + r * 4096 + w * 1000)) /dev/urandom >"$T/src.$r.$w"
      flock -s "$T/gate" "$OXSNAP" snapshot "$T/src.$r.$w" "$store" \
        --volume v -q "${opts[@]}" >"$T/id.$r.$w" 2>"$T/err.$r.$w" \
        {gate}>&- &
      eval "pid$w=\$!"
    done
    sleep 0.2            # both are waiting for the gate
    exec {gate}>&-       # opens it: both start together
    for w in 0 1; do
      rc=0
      eval "wait \$pid$w" || rc=$?
      cat "$T/err.$r.$w" >&2
      concurrent_check_sanitizer "$T/err.$r.$w"
      [ "$rc" -eq 0 ] || fail "round $r: writer $w exited $rc"
      ids+=("$(cat "$T/id.$r.$w")")
      srcs+=("$T/src.$r.$w")
    done
    a=${ids[-2]} b=${ids[-1]}
    [[ $a =~ ^[0-9a-f]{16}$ && $b =~ ^[0-9a-f]{16}$ ]] ||
      fail "round $r: ids '$a' '$b'"
    [ "$a" != "$b" ] || fail "round $r: both writers printed id $a"
  done
  ox list "$store" v "${opts[@]}" >"$T/list"
  local n
  n=$(grep -cE '^[0-9a-f]{16} ' "$T/list" || true)
  [ "$n" -eq $((2 * rounds)) ] ||
    { cat "$T/list" >&2; fail "$n snapshots listed, expected $((2 * rounds))"; }
  for ((r = 0; r < ${#ids[@]}; r++)); do
    assert_grep "^${ids[r]} " "$T/list"
    ox restore "$store" "v@${ids[r]}" "$T/out" "${opts[@]}"
    assert_same "${srcs[r]}" "$T/out"
    rm -f "$T/out"
  done
  ox verify "$store" --full "${opts[@]}" >"$T/verify"
  if grep -v ': ok$' "$T/verify" | grep -q .; then
    cat "$T/verify" >&2
    fail "verify --full reported a problem"
  fi
  echo "$rounds rounds: $((2 * rounds)) snapshots listed and restored"
}
