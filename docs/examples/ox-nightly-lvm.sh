#!/bin/sh
# ox-nightly-lvm.sh VG LV STORE [VOLUME]: one night's backup of the logical
# volume VG/LV into the ox store STORE (file:///... or s3://bucket/prefix):
# take an LVM snapshot, snapshot it with oxsnap (incremental against the
# volume's newest snapshot: only chunks the store does not hold are
# uploaded), drop the LVM snapshot, then apply the retention policy and
# collect garbage. Prints the new snapshot id on standard output.
#
# Environment (all optional): OX_KEY_FILE (oxsnap's key), the AWS_*
# variables for S3; OX_SNAP_SIZE, the copy-on-write space of the LVM
# snapshot (default 1G: the writes it can absorb during the backup);
# OX_KEEP, the forget policy (default "--keep-daily 7 --keep-weekly 4");
# OX_LVM_OPTS, extra options for lvcreate and lvremove (e.g. --noudevsync
# where no udev runs). Used by docs/examples/ox-nightly-lvm.service and
# tried by tests/guest/test-guest-lvm-nightly.sh.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 VG LV STORE [VOLUME]" >&2; exit 2; }
vg=$1 lv=$2 store=$3 volume=${4:-$2}
snap=$lv-ox-nightly
size=${OX_SNAP_SIZE:-1G}
keep=${OX_KEEP:---keep-daily 7 --keep-weekly 4}
lvm_opts=${OX_LVM_OPTS:-}

# A snapshot left by a run that was killed: drop it first.
if lvs "$vg/$snap" >/dev/null 2>&1; then
  lvremove -y $lvm_opts "$vg/$snap" >&2
fi
sync
lvcreate -s -L "$size" -n "$snap" $lvm_opts "$vg/$lv" >&2
trap 'lvremove -y $lvm_opts "$vg/$snap" >&2 || true' EXIT
# Without udev the node may be missing: make it.
[ -e "/dev/$vg/$snap" ] || vgmknodes "$vg" >&2
oxsnap snapshot "/dev/$vg/$snap" "$store" --volume "$volume" --no-progress
lvremove -y $lvm_opts "$vg/$snap" >&2
trap - EXIT
# Retention: forget what the policy does not keep; gc condemns what nothing
# references and deletes what an earlier run condemned (after its grace).
oxsnap forget "$store" "$volume" $keep >&2
oxsnap gc "$store" >&2
