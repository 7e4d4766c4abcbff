# Guest-side helpers (POSIX sh), copied into every guest's config disk as
# /run/cfg/lib.sh; a test.sh starts with ". /run/cfg/lib.sh".
set -e

# Tell the host "KEY VALUE..." (a console line the host parses).
say () {
  echo "OX-GUEST: $*"
}

# Stop the test with a message (the init reports the status).
die () {
  say "error $*"
  exit 1
}

# The device node of the virtio-serial port NAME (found through sysfs: the
# /dev/virtio-ports/NAME links need a running udev).
vport () {
  [ -d /sys/class/virtio-ports ] || modprobe virtio_console
  for p in /sys/class/virtio-ports/*; do
    if [ "$(cat "$p/name" 2>/dev/null)" = "$1" ]; then
      echo "/dev/${p##*/}"
      return 0
    fi
  done
  return 1
}

# Wait (at most 20 s) until PATH exists.
wait_for () {
  i=0
  while [ ! -e "$1" ]; do
    i=$((i + 1))
    [ $i -le 200 ] || return 1
    sleep 0.1
  done
}

# Make the port NAME a Unix socket PATH in the guest: one connection to
# PATH is carried to the host end of the port (one port, one connection).
bridge_unix () {
  dev=$(vport "$1") || die "no virtio-serial port $1"
  socat UNIX-LISTEN:"$2" GOPEN:"$dev" &
  wait_for "$2" || die "socat did not listen on $2"
}

# Make the port NAME a TCP port 127.0.0.1:PORT in the guest, for clients
# that connect one after another (each connection is carried whole; the
# host end must reconnect per connection, see guest_tcp_bridge).
bridge_tcp () {
  dev=$(vport "$1") || die "no virtio-serial port $1"
  ( while :; do
      socat TCP-LISTEN:"$2",bind=127.0.0.1,reuseaddr GOPEN:"$dev" || sleep 0.2
    done ) &
  i=0
  until grep -q ":$(printf '%04X' "$2") 00000000:0000 0A" /proc/net/tcp; do
    i=$((i + 1))
    [ $i -le 200 ] || die "socat did not listen on port $2"
    sleep 0.1
  done
}

# Print "md5 MD5 PATH" lines for the files under DIR (sorted, relative).
say_md5s () {
  (cd "$1" && find . -type f | sort | xargs md5sum) | while read -r sum path; do
    say "md5 $sum $path"
  done
}

