# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers for the dm-azlx selftests. Source it after nothing else:
# it sources lib.sh (set -u, fail, skip, assert_*) and sets the cleanup trap.
# Devices are named azlxt-*, loop backing files live on /tmp (tmpfs in the
# VM): an unthrottled disk, so what the target dispatches is what is done.

source "$(dirname "$0")/lib.sh"

DMX_IO=$(cd "$(dirname "$0")" && pwd)/dm_azlx_io
# No udev in the test VM: libdevmapper makes the /dev/mapper nodes itself.
export DM_DISABLE_UDEV=1
dmx_loops=()
dmx_files=()
dmx_cgroups=()

dmx_cleanup()
{
	local d
	for d in $(dmsetup ls 2>/dev/null | awk '$1 ~ /^azlxt-/ {print $1}'); do
		dmsetup remove --force "$d" >/dev/null 2>&1
	done
	for d in "${dmx_loops[@]}"; do losetup -d "$d" 2>/dev/null; done
	for d in "${dmx_files[@]}"; do rm -f "$d"; done
	for d in "${dmx_cgroups[@]}"; do rmdir "$d" 2>/dev/null; done
	[ -d /sys/module/dm_azlx ] && rmmod dm_azlx 2>/dev/null
	return 0
}

dmx_init()
{
	require_root
	require_cmd dmsetup losetup
	[ -x "$DMX_IO" ] || fail "$DMX_IO is missing"
	modprobe loop 2>/dev/null
	modprobe dm-mod || skip "no device-mapper (dm-mod)"
	modinfo -F filename dm-azlx >/dev/null 2>&1 || fail "dm-azlx.ko is not installed for $(uname -r)"
	trap dmx_cleanup EXIT
}

# dmx_loop VAR MIB: a loop device over a sparse file on /tmp, its path in VAR
# and the file's in dmx_file (not in a subshell: cleanup must know them).
dmx_loop()
{
	local l
	dmx_file=$(mktemp /tmp/azlxt.XXXXXX)
	dmx_files+=("$dmx_file")
	truncate -s "${2}M" "$dmx_file" || fail "truncate $dmx_file"
	l=$(losetup -f --show "$dmx_file") || fail "losetup $dmx_file"
	dmx_loops+=("$l")
	printf -v "$1" '%s' "$l"
}

# dmx_sectors DEV
dmx_sectors()
{
	cat "/sys/class/block/${1##*/}/size" || fail "no size for $1"
}

# dmx_create NAME LEN PARAMS...: dmsetup create NAME with "0 LEN azlx PARAMS".
dmx_create()
{
	local name=$1 len=$2
	shift 2
	echo "0 $len azlx $*" | dmsetup create "$name" || fail "dmsetup create $name: 0 $len azlx $*"
	[ -b "/dev/mapper/$name" ] || fail "no /dev/mapper/$name"
}

# dmx_status NAME: the target's status words (after "<start> <len> azlx").
dmx_status()
{
	dmsetup status "$1" | cut -d' ' -f4-
}

# dmx_field NAME KEY: value of KEY=value in the status
dmx_field()
{
	dmx_status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# dmx_class NAME KEY CLASS: one of critical/read/write/async in KEY=a/b/c/d
dmx_class()
{
	local i
	case $3 in
	critical) i=1 ;; read) i=2 ;; write) i=3 ;; async) i=4 ;; *) fail "class $3" ;;
	esac
	dmx_field "$1" "$2" | cut -d/ -f$i
}

# dmx_table NAME: the table parameters (after "<start> <len> azlx")
dmx_table()
{
	dmsetup table "$1" | cut -d' ' -f4-
}

# dmx_kv TEXT KEY: value of KEY=value in a line of the I/O driver's output
dmx_kv()
{
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

# dmx_within VALUE EXPECTED PERCENT WHAT: fail unless |VALUE-EXPECTED| <= PERCENT%
dmx_within()
{
	awk -v v="$1" -v e="$2" -v p="$3" 'BEGIN {
		d = v - e; if (d < 0) d = -d
		exit !(d <= e * p / 100)
	}' || fail "$4: $1 is not within $3% of $2"
	printf '%s: %s (expected %s +-%s%%, off by %s%%)\n' "$4" "$1" "$2" "$3" \
		"$(awk -v v="$1" -v e="$2" 'BEGIN { printf "%.2f", (v - e) * 100 / e }')"
}

# dmx_between VALUE LO HI PERCENT WHAT: fail unless LO-PERCENT% <= VALUE <= HI+PERCENT%
dmx_between()
{
	awk -v v="$1" -v lo="$2" -v hi="$3" -v p="$4" 'BEGIN {
		exit !(v >= lo * (1 - p / 100) && v <= hi * (1 + p / 100))
	}' || fail "$5: $1 is not within $4% of $2..$3"
	printf '%s: %s (expected %s..%s +-%s%%)\n' "$5" "$1" "$2" "$3" "$4"
}

# dmx_paced COUNT LO HI SLACK WHAT: COUNT I/Os completed in a window in
# which the target's budget lets LO..HI through (one value: LO = HI), give
# or take SLACK (the I/Os in flight at the window's edges and the bucket).
# A slow machine (emulation, a loaded host, a debug kernel 3-5x slower) can
# only keep a load from using its budget, never add to it: the upper bound
# is tight, HI + 1% + SLACK, and fails on a target letting through more
# than its budget (the fraction ignored: +5%; units miscounted). The lower
# bound, LO - 25% - SLACK, is what stays clear of a starved load generator:
# it fails on a target holding I/O back (a lost wake-up, a unit or credit
# miscounted by a factor), not on one a few percent short.
dmx_paced()
{
	awk -v v="$1" -v lo="$2" -v hi="$3" -v s="$4" 'BEGIN {
		exit !(v <= hi * 1.01 + s && v >= lo * 0.75 - s)
	}' || fail "$5: $1 is not within $2..$3 (-25%..+1%, +-$4)"
	printf '%s: %s (budget %s..%s, -25%%..+1%% +-%s)\n' "$5" "$1" "$2" "$3" "$4"
}

# dmx_credit NAME: the IOPS credit, with a single process (one dmsetup)
dmx_credit()
{
	local st
	st=$(dmsetup status "$1") || fail "dmsetup status $1"
	[[ "$st" =~ " credit="(-?[0-9]+)/ ]] || fail "no credit in: $st"
	echo "${BASH_REMATCH[1]}"
}

# dmx_kmsg_mark / dmx_kmsg_since MARK: kernel log lines printed after the mark
dmx_kmsg_mark()
{
	dmesg | wc -l
}

dmx_kmsg_since()
{
	dmesg | tail -n +"$(($1 + 1))"
}

# dmx_cgroup VAR NAME: a cgroup2 directory below the root, its path in VAR,
# with the io controller enabled in the root so that bios carry it.
dmx_cgroup()
{
	local root=/sys/fs/cgroup
	[ -f $root/cgroup.controllers ] || skip "no cgroup2 at $root"
	grep -qw io $root/cgroup.controllers || skip "no io controller in cgroup2"
	grep -qw io $root/cgroup.subtree_control || echo +io >$root/cgroup.subtree_control ||
		fail "cannot enable the io controller"
	mkdir -p "$root/$2" || fail "mkdir $root/$2"
	dmx_cgroups+=("$root/$2")
	printf -v "$1" '%s' "$root/$2"
}

# dmx_in_cgroup DIR CMD...: run CMD inside cgroup DIR
dmx_in_cgroup()
{
	local dir=$1
	shift
	bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}
