# Shared helpers for the guest tests: real Debian guests under qemu (TCG),
# booting from or attaching ox clones (sourced after plugin-lib.sh).
#
# A guest boots the host's kernel with the cached root image of
# scripts/guest-image (or a clone of it); its init (/sbin/ox-guest-init)
# unpacks the tar archive on its second disk, /dev/vdb, and runs test.sh
# from it, then powers off. The serial console is the log: lines
# "OX-GUEST: ..." are the guest's messages to the host, the last one
# "OX-GUEST: exit STATUS". The guest has no IP network; byte streams to the
# host go over virtio-serial ports (guest_port_* here, vport/bridge_* in
# the guest library).
#
#   G=$(guest_image)                      cached image dir (builds it once)
#   guest_cfg NAME DIR                    $T/NAME.tar from DIR + guest-side lib
#   guest_port_connect NAME SOCK          a port to a host server on SOCK
#   guest_port_listen NAME SOCK           a port the host connects to on SOCK
#   guest_boot NAME ROOTDRIVE             boot; console in $T/NAME.serial
#   guest_values NAME KEY                 values of "OX-GUEST: KEY VALUE..."

source "$(dirname "${BASH_SOURCE[0]}")/../functional/plugin-lib.sh"

GUEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Seconds one boot may take (TCG on a loaded 2-core machine).
GUEST_TIMEOUT=${OX_GUEST_TIMEOUT:-420}
GUEST_QEMU=qemu-system-x86_64
GUEST_PORTS=()

# Skip (77) when qemu cannot run a guest here at all; fail on anything else.
guest_requires () {
  requires "$GUEST_QEMU" tar md5sum
  if ! "$GUEST_QEMU" -accel help 2>/dev/null | grep -qx tcg; then
    echo "$0: SKIP: $GUEST_QEMU has no TCG accelerator"
    exit 77
  fi
}

# Print the directory of the cached guest image, building it if needed.
# Skips (77) only when it cannot be built on this machine at all (no
# debootstrap, no kernel, not root) and is not built yet.
guest_image () {
  local out rc=0
  out=$("$OX_SRC/scripts/guest-image" 2>"$T/guest-image.err") || rc=$?
  if [ $rc -ne 0 ]; then
    cat "$T/guest-image.err" >&2
    if grep -qE "not installed|no kernel|needs root" "$T/guest-image.err"; then
      echo "$0: SKIP: the guest image cannot be built here" >&2
      exit 77
    fi
    fail "scripts/guest-image failed"
  fi
  echo "$out"
}

# Make the config disk $T/NAME.tar from the files in DIR (which must hold
# test.sh) plus the guest-side library as lib.sh.
guest_cfg () {
  local name=$1 dir=$2
  [ -f "$dir/test.sh" ] || fail "guest_cfg: $dir/test.sh missing"
  cp "$GUEST_LIB_DIR/guest-side.sh" "$dir/lib.sh"
  tar -cf "$T/$name.tar" -C "$dir" .
}

# Add a virtio-serial port NAME that qemu connects to a host server
# listening on the Unix socket SOCK (e.g. nbdkit -U SOCK) when it starts.
guest_port_connect () {
  GUEST_PORTS+=(-chardev "socket,id=$1,path=$2"
                -device "virtserialport,chardev=$1,name=$1")
}

# Add a virtio-serial port NAME for which qemu listens on the Unix socket
# SOCK: a host process that connects there talks to the guest's port.
guest_port_listen () {
  rm -f "$2"
  GUEST_PORTS+=(-chardev "socket,id=$1,path=$2,server=on,wait=off"
                -device "virtserialport,chardev=$1,name=$1")
}

# Boot a guest: ROOTDRIVE is qemu's file= for /dev/vda (with ",snapshot=on"
# or other drive options appended as needed), $T/NAME.tar is /dev/vdb,
# further arguments go to qemu. Waits for the power-off (at most
# $GUEST_TIMEOUT s); fails unless the guest's test exited 0. The console
# is in $T/NAME.serial; the seconds from start to power-off in
# GUEST_SECONDS, the guest's uptime when its init started in
# GUEST_INIT_SECONDS and when it powered off in GUEST_OFF_SECONDS. The ports added since the last boot are used, then forgotten.
guest_boot () {
  local name=$1 root=$2 log=$T/$1.serial rc=0 start status
  shift 2
  local ports=()
  if [ ${#GUEST_PORTS[@]} -gt 0 ]; then
    ports=(-device virtio-serial "${GUEST_PORTS[@]}")
  fi
  GUEST_PORTS=()
  : > "$log"
  start=$(date +%s%N)
  $CLIENT_ENV timeout -k 10 "$GUEST_TIMEOUT" "$GUEST_QEMU" \
    -accel tcg,thread=multi -smp 2 -m 1G -nodefaults -no-reboot \
    -display none -monitor none -serial "file:$log" \
    -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 init=/sbin/ox-guest-init panic=-1 loglevel=4 mitigations=off" \
    -drive "file=$root,format=raw,if=virtio,cache=writeback" \
    -drive "file=$T/$name.tar,format=raw,if=virtio,readonly=on" \
    "${ports[@]}" "$@" > "$T/$name.qemu.log" 2>&1 || rc=$?
  GUEST_SECONDS=$(( ($(date +%s%N) - start) / 100000000 ))
  GUEST_SECONDS=$((GUEST_SECONDS / 10)).$((GUEST_SECONDS % 10))
  GUEST_INIT_SECONDS=$(guest_values "$name" init | head -1)
  GUEST_OFF_SECONDS=$(tr -d '\r' < "$log" | sed -n 's/^\[ *\([0-9.]*\)\] sysrq: Power Off/\1/p' | tail -1)
  status=$(guest_values "$name" exit | tail -1)
  echo "guest $name: ${GUEST_SECONDS}s in all; guest uptime at init ${GUEST_INIT_SECONDS:-?}s, at power-off ${GUEST_OFF_SECONDS:-?}s; test status ${status:-none}, qemu status $rc"
  if [ "$status" != 0 ]; then
    echo "---- qemu ----"; cat "$T/$name.qemu.log"
    echo "---- last lines of the console of $name ----"; tail -n 60 "$log"
    [ $rc -eq 124 ] && fail "guest $name did not power off in ${GUEST_TIMEOUT}s"
    fail "guest $name: test status ${status:-none} (qemu $rc)"
  fi
  [ $rc -eq 0 ] || fail "qemu exited with status $rc after the guest's test passed"
}

# Print the values of the guest's lines "OX-GUEST: KEY VALUE..." of boot
# NAME, one line each (VALUE... only).
guest_values () {
  # A kernel message can land on the same console line ("0[ 15.67] sysrq:
  # Power Off"): cut it off.
  tr -d '\r' < "$T/$1.serial" | sed -n "s/^OX-GUEST: $2 //p" |
    sed 's/\[ *[0-9][0-9]*\.[0-9]*\].*$//'
}
