# ox: shared by test-oxsnap-incremental.sh and test-s3-incremental.sh
# (sourced after oxsnap-common.sh, not a test).
#
# incremental_chain STORE [OXSNAP OPTIONS...]: a chain of six snapshots of
# one volume, each made incrementally from the one before (the default),
# with random writes, zeroes, a trimmed hole, growth and shrinking between
# them. Each must restore to exactly its own source, name its parent, and
# store about what changed only (its own frames: info's stored_bytes and
# new_chunks); then verify --full passes for all of them. Then the same
# image as a second volume stores nothing new (store-wide dedup), and
# --full stores it all again.

# info_field STORE SPEC EXPR [OPTS...]: EXPR of `oxsnap info --json`'s d.
info_field () {
  local store=$1 spec=$2 expr=$3
  shift 3
  ox info "$store" "$spec" --json "$@" >"$T/info.json"
  "$PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); print(($expr))" \
    "$T/info.json"
}

# chain_step STORE N OPTS...: snapshot $T/img as volume v, restore it,
# compare; sets id_N and prints the snapshot's stats line.
chain_step () {
  local store=$1 n=$2 id prev
  shift 2
  id=$(ox snapshot "$T/img" "$store" --volume v "$@")
  cp -- "$T/img" "$T/src.$n"
  eval "id_$n=$id"
  ox restore "$store" "v@$id" "$T/out.$n" "$@"
  assert_same "$T/src.$n" "$T/out.$n"
  rm -f -- "$T/out.$n"
  if [ "$n" -gt 1 ]; then
    prev=$(eval echo "\$id_$((n - 1))")
    [ "$(info_field "$store" "v@$id" 'd["parent"], d["parent_volume"]' "$@")" = \
      "('$prev', 'v')" ] || fail "snapshot $n: parent is not v@$prev"
  fi
  info_field "$store" "v@$id" \
    '"new %d reused %d stored %d data %d" % (d["new_chunks"], d["reused_chunks"], d["stored_bytes"], d["data_chunks"])' \
    "$@" | tee "$T/stats.$n"
}

# stats_of N FIELD: a number from chain_step's line for snapshot N.
stats_of () {
  awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }' \
    "$T/stats.$1"
}

# at_most WHAT VALUE LIMIT
at_most () {
  [ "$2" -le "$3" ] || fail "$1 is $2, more than $3"
}

incremental_chain () {
  local store=$1 n id
  shift
  local -a o=("$@")
  local K=65536

  echo "== 1: full (first snapshot of the volume): 8 MiB, 1 MiB of zeroes"
  make_image "$T/img" $((8 * 1048576))
  put_data "$T/img" 0 8192 /dev/urandom
  put_data "$T/img" 2048 1024 /dev/zero
  chain_step "$store" 1 --chunk-size 64K "${o[@]}"
  [ "$(info_field "$store" "v@$id_1" 'd["parent"]' "${o[@]}")" = None ] ||
    fail "the first snapshot has a parent"
  [ "$(stats_of 1 new)" -eq 112 ] || fail "snapshot 1: not 112 new chunks"

  echo "== 2: 256 KiB of random writes (4 chunks) and 4 KiB in a fifth"
  put_data "$T/img" 1024 256 /dev/urandom
  put_data "$T/img" 5000 4 /dev/urandom
  chain_step "$store" 2 "${o[@]}"
  [ "$(stats_of 2 new)" -eq 5 ] || fail "snapshot 2: not 5 new chunks"
  [ "$(stats_of 2 reused)" -eq 107 ] || fail "snapshot 2: not 107 reused"
  at_most "snapshot 2's stored bytes" "$(stats_of 2 stored)" $((5 * K + 4096))

  echo "== 3: 512 KiB overwritten with zeroes"
  put_data "$T/img" 4096 512 /dev/zero
  chain_step "$store" 3 "${o[@]}"
  [ "$(stats_of 3 new)" -eq 0 ] || fail "snapshot 3 stored chunks"
  [ "$(stats_of 3 data)" -eq 104 ] || fail "snapshot 3: not 104 data chunks"

  echo "== 4: 256 KiB trimmed (a hole punched)"
  fallocate -p -o $((6 * 1048576)) -l $((256 * 1024)) "$T/img"
  chain_step "$store" 4 "${o[@]}"
  [ "$(stats_of 4 new)" -eq 0 ] || fail "snapshot 4 stored chunks"
  [ "$(stats_of 4 data)" -eq 100 ] || fail "snapshot 4: not 100 data chunks"

  echo "== 5: grown to 9 MiB + 100 bytes, new data at the end"
  truncate -s $((9 * 1048576 + 100)) "$T/img"
  put_data "$T/img" 8192 1024 /dev/urandom
  dd if=/dev/urandom of="$T/img" bs=100 count=1 seek=$((9 * 1048576)) \
    oflag=seek_bytes conv=notrunc status=none
  chain_step "$store" 5 "${o[@]}"
  [ "$(stats_of 5 new)" -eq 17 ] || fail "snapshot 5: not 17 new chunks"
  at_most "snapshot 5's stored bytes" "$(stats_of 5 stored)" $((17 * K + 4096))

  echo "== 6: shrunk to 7 MiB - 1000 bytes (the last chunk is new)"
  truncate -s $((7 * 1048576 - 1000)) "$T/img"
  chain_step "$store" 6 "${o[@]}"
  [ "$(stats_of 6 new)" -eq 1 ] || fail "snapshot 6: not 1 new chunk"

  echo "== every snapshot restores to its own source; verify --full"
  for n in 1 2 3 4 5 6; do
    id=$(eval echo "\$id_$n")
    ox restore "$store" "v@$id" "$T/out" "${o[@]}"
    assert_same "$T/src.$n" "$T/out"
    rm -f "$T/out"
  done
  ox verify "$store" --full "${o[@]}"
  assert_grep "verified 6 snapshot" "$T/stderr"

  echo "== the same image as another volume stores nothing new"
  id=$(ox snapshot "$T/img" "$store" --volume w --chunk-size 64K "${o[@]}")
  assert_grep '; [0-9]+ chunks stored before$' "$T/stderr"
  [ "$(info_field "$store" "w@$id" 'd["new_chunks"], d["stored_bytes"], d["parent"]' "${o[@]}")" = \
    "(0, 0, None)" ] || fail "volume w stored chunks again"
  ox restore "$store" "w@$id" "$T/out" "${o[@]}"
  assert_same "$T/img" "$T/out"
  rm -f "$T/out"

  echo "== --full shares nothing with earlier snapshots"
  id=$(ox snapshot "$T/img" "$store" --volume v --full "${o[@]}")
  [ "$(info_field "$store" "v@$id" 'd["new_chunks"] == d["data_chunks"], d["reused_chunks"], d["parent"]' "${o[@]}")" = \
    "(True, 0, None)" ] || fail "--full reused chunks"
}
