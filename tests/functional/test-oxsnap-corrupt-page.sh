#!/usr/bin/env bash
# A manifest page that is missing, garbage, truncated, flipped, or replaced
# by another page: verify and restore fail naming the page object, and
# restore leaves no target.
source "$(dirname "$0")/oxsnap-common.sh"

# Two volumes with different content, so two different pages.
head -c 300000 /dev/urandom >"$T/a"
head -c 200000 /dev/urandom >"$T/b"
new_key "$T/key"
export OX_KEY_FILE=$T/key
ox init "$T/orig"
ox snapshot "$T/a" "$T/orig" --volume v >/dev/null
ox snapshot "$T/b" "$T/orig" --volume w >/dev/null
pages=$(cd "$T/orig" && find pages -type f | sort)
[ "$(echo "$pages" | wc -l)" -eq 2 ] || fail "expected 2 page objects"
# The page of volume v: the one restore of v reads.
for p in $pages; do
  rm -rf "$T/s"
  cp -a "$T/orig" "$T/s"
  rm "$T/s/$p"
  if ! ox verify "$T/s" v -q >/dev/null; then page=$p; fi
done
[ -n "${page:-}" ] || fail "could not tell which page belongs to v"
other=$(echo "$pages" | grep -v "$page")
psize=$(stat -c %s "$T/orig/$page")

for c in missing garbage truncated flipped other; do
  rm -rf "$T/s"
  cp -a "$T/orig" "$T/s"
  case $c in
  missing) rm "$T/s/$page"; re="not found|missing" ;;
  garbage) head -c "$psize" /dev/urandom >"$T/s/$page"; re="" ;;
  truncated) truncate -s $((psize / 2)) "$T/s/$page"; re="" ;;
  flipped) flip_byte "$T/s/$page" $((psize - 20)) 0x08; re="" ;;
  other) cp "$T/orig/$other" "$T/s/$page"; re="" ;;
  esac
  echo "== page $c"
  expect_fail 1 "page $page.*$re" verify "$T/s" v
  assert_grep "^v@[0-9a-f]{16}: DAMAGED\$" "$T/stdout"
  expect_fail 1 "page $page.*$re" restore "$T/s" v "$T/out"
  assert_absent "$T/out"
  # The other volume does not depend on this page.
  ox verify "$T/s" w --full >/dev/null
done
