#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds a fake sysfs/procfs tree of a node for "azlxnet --root DIR":
#
#   mkfake.sh azure-2 DIR    2 vCPUs, one netvsc + mana pair, a P10 OS disk
#                            and the resource disk on storvsc (Gen2 layout)
#   mkfake.sh azure-64 DIR   64 vCPUs on 2 NUMA nodes, two netvsc + mana
#                            pairs, an Azure NVMe OS disk, eight NVMe data
#                            disks and a local NVMe (Direct Disk) temp disk
#   mkfake.sh azure-4-mlx5 DIR  4 vCPUs, one netvsc + mlx5 pair (ConnectX-4/5
#                            VF), the resource disk on storvsc
#   mkfake.sh azure-4-mlx4 DIR  the same with an mlx4 (ConnectX-3) VF
#   mkfake.sh plain DIR      a KVM guest: virtio NIC, QEMU SCSI disk
#
# Values are those the kernel shows on such VMs (formats included: CPU
# masks, "[none] mq-deadline" selectors). ethtool settings, which are not
# in sysfs, are in DIR/ethtool/DEV/<setting> (see ethtool.c).
set -eu

usage="usage: mkfake.sh azure-2|azure-64|azure-4-mlx5|azure-4-mlx4|plain DIR"
type=${1:?$usage}
root=${2:?$usage}
mkdir -p "$root"
cd "$root"

declare -A made=()
w() {	# w FILE VALUE...: write a file, creating its directory
	# (no process per file: a 64-CPU tree has thousands, and a loaded
	# host took more than the unit tests' 10 s per test to fork them)
	local d=.
	[[ $1 == */* ]] && d=${1%/*}
	[ -n "${made[$d]:-}" ] || { [ -d "$d" ] || mkdir -p "$d"; made[$d]=1; }
	local f=$1
	shift
	printf '%s\n' "$*" >"$f"
}

cpulist() {	# cpulist N: "0-(N-1)"
	[ "$1" -eq 1 ] && echo 0 || echo "0-$(($1 - 1))"
}

# mask N: the kernel's mask of N CPUs, all clear (e.g. "00000000,00000000")
mask0() {
	local n=$1 chunks first s i
	chunks=$(((n + 31) / 32))
	first=$(((n - 32 * (chunks - 1) + 3) / 4))
	s=$(printf '%0*x' "$first" 0)
	for ((i = 1; i < chunks; i++)); do s+=",00000000"; done
	echo "$s"
}

common() {	# common NCPUS NODES KERNEL
	local n=$1 nodes=$2 per i
	w sys/devices/system/cpu/online "$(cpulist "$n")"
	w sys/devices/system/cpu/possible "$(cpulist "$n")"
	w sys/devices/system/cpu/isolated ""
	per=$((n / nodes))
	for ((i = 0; i < nodes; i++)); do
		w "sys/devices/system/node/node$i/cpulist" "$((i * per))-$((i * per + per - 1))"
	done
	w proc/sys/kernel/osrelease "$3"
	w proc/sys/kernel/random/boot_id 5b1c7e0a-3f4d-4a8e-9d2b-6c1f0e9a7d31
	mkdir -p sys/kernel/btf
	: >sys/kernel/btf/vmlinux
	w sys/fs/cgroup/cgroup.controllers "cpuset cpu io memory hugetlb pids rdma misc"
	w proc/sys/net/ipv4/ip_forward 1
	w proc/sys/net/core/somaxconn 4096
	w proc/sys/net/core/netdev_max_backlog 1000
	w proc/sys/net/core/rmem_max 212992
	w proc/sys/net/core/wmem_max 212992
	w proc/sys/net/ipv4/tcp_max_syn_backlog 1024
	w proc/sys/net/ipv4/tcp_tw_reuse 2
	w proc/sys/net/ipv4/ip_local_port_range "32768	60999"
	w proc/sys/net/ipv4/neigh/default/gc_thresh1 128
	w proc/sys/net/ipv4/neigh/default/gc_thresh2 512
	w proc/sys/net/ipv4/neigh/default/gc_thresh3 1024
	w proc/sys/fs/inotify/max_user_watches 124560
	w proc/sys/vm/max_map_count 65530
	w proc/sys/vm/swappiness 60
	mkdir -p sys/class/net sys/class/block sys/class/scsi_host etc/modprobe.d var/lib
}

azure_dmi() {
	w sys/class/dmi/id/sys_vendor "Microsoft Corporation"
	w sys/class/dmi/id/product_name "Virtual Machine"
	w sys/class/dmi/id/chassis_asset_tag "7783-7084-3265-9085-8269-3286-77"
}

module_loaded() {
	w sys/module/azlxnet/initstate live
	w sys/module/azlxnet/version 0.1.0
	w sys/module/azlxnet/parameters/synthetic_drivers hv_netvsc
	w sys/module/azlxnet/parameters/vf_drivers mana,mlx5_core,mlx4_en
}

# netdev NAME DRIVER NODE QUEUES NCPUS
netdev() {
	local d=sys/class/net/$1 q m
	mkdir -p "$d/device"
	ln -s "../../../../bus/drivers/$2" "$d/device/driver"
	w "$d/device/numa_node" "$3"
	m=$(mask0 "$5")
	for ((q = 0; q < $4; q++)); do
		w "$d/queues/rx-$q/rps_cpus" "$m"
		w "$d/queues/tx-$q/xps_cpus" "$m"
	done
}

# interrupts NCPUS: /proc/interrupts begun, as the kernel starts it: the
# CPU header and the non-device lines of a Hyper-V guest
interrupts() {
	local n=$1 c
	{
		printf '%5s' ""
		for ((c = 0; c < n; c++)); do printf ' %10s' "CPU$c"; done
		printf '\n'
		printf '%4s:' 0
		for ((c = 0; c < n; c++)); do printf ' %10u' 0; done
		printf '   IO-APIC   2-edge      timer\n'
		printf '%4s:' 4
		for ((c = 0; c < n; c++)); do printf ' %10u' 0; done
		printf '   IO-APIC   4-edge      ttyS0\n'
	} >proc/interrupts
}

# vf_irqs DEV BDF NCPUS IRQ:NAME...: MSI-X vectors of the VF DEV at PCI
# address BDF, in vector order, with their IRQ numbers and the names the
# driver requests them with (as /proc/interrupts shows them)
vf_irqs() {
	local dev=$1 bdf=$2 n=$3 v=0 irq name c cpus
	shift 3
	cpus=$(cpulist "$n")
	mkdir -p "sys/class/net/$dev/device/msi_irqs"
	for irq in "$@"; do
		name=${irq#*:}
		irq=${irq%%:*}
		w "sys/class/net/$dev/device/msi_irqs/$irq" msix
		w "proc/irq/$irq/smp_affinity_list" "$cpus"
		{
			printf '%4s:' "$irq"
			for ((c = 0; c < n; c++)); do printf ' %10u' 0; done
			printf '   PCI-MSIX-%s %4d-edge      %s\n' "$bdf" "$v" "$name"
		} >>proc/interrupts
		v=$((v + 1))
	done
}

# ethtool DEV SETTING=VALUE...
ethtool() {
	local dev=$1 kv
	shift
	for kv in "$@"; do
		w "ethtool/$dev/${kv%%=*}" "${kv#*=}"
	done
}

# vmbus GUID CLASS NODE NAME CPU...: a VMBus device with one channel per CPU
# given (relids from 14 up), its net device or SCSI host
vmbus() {
	local d=sys/bus/vmbus/devices/$1 relid=14 cpu
	mkdir -p "$d/channels"
	w "$d/class_id" "$2"
	w "$d/numa_node" "$3"
	case "$2" in
	*f8615163*) mkdir -p "$d/net/$4" ;;
	*) mkdir -p "$d/$4" ;;
	esac
	shift 4
	for cpu in "$@"; do
		w "$d/channels/$relid/cpu" "$cpu"
		relid=$((relid + 1))
	done
}

NETVSC="{f8615163-df3e-46c5-913f-f2d2f965ed0e}"
STORVSC="{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}"

# block device numbers, as the kernel gives them out (sd: 8:16n, nvme: 259:n)
SD_MINOR=0
NVME_MINOR=0

# scsi_disk NAME HCTL CONTROLLER-PATH VENDOR MODEL QUEUE_DEPTH SIZE_SECTORS
scsi_disk() {
	local name=$1 hctl=$2 dev
	dev=sys/devices/$3/host${hctl%%:*}/target${hctl%:*}/$hctl
	w "$dev/vendor" "$4"
	w "$dev/model" "$5"
	w "$dev/queue_depth" "$6"
	mkdir -p "sys/class/block/$name"
	ln -s "../../../${dev#sys/}" "sys/class/block/$name/device"
	w "sys/class/block/$name/size" "$7"
	w "sys/class/block/$name/dev" "8:$SD_MINOR"
	w "sys/class/block/$name/queue/scheduler" "[none] mq-deadline kyber"
	w "sys/class/block/$name/queue/nr_requests" 256
	w "sys/class/block/$name/queue/read_ahead_kb" 128
	w "sys/class/block/$name/queue/max_sectors_kb" 1024
	w "sys/class/block/$name/queue/max_hw_sectors_kb" 2048
	w "sys/class/scsi_host/host${hctl%%:*}/can_queue" 10240
	# a partition: not tuned
	w "sys/class/block/${name}1/partition" 1
	w "sys/class/block/${name}1/dev" "8:$((SD_MINOR + 1))"
	w "sys/class/block/${name}1/size" $(($7 - 2048))
	SD_MINOR=$((SD_MINOR + 16))
}

# nvme_ns NAME CTRL NSID MODEL SIZE_SECTORS
nvme_ns() {
	local ctrl=sys/devices/pci0000:00/0000:00:0$2.0/nvme/nvme$2
	w "$ctrl/model" "$4"
	mkdir -p "sys/class/block/$1"
	[ -e "sys/class/block/$1/device" ] || ln -s "../../../${ctrl#sys/}" "sys/class/block/$1/device"
	w "sys/class/block/$1/nsid" "$3"
	w "sys/class/block/$1/size" "$5"
	w "sys/class/block/$1/dev" "259:$NVME_MINOR"
	NVME_MINOR=$((NVME_MINOR + 1))
	w "sys/class/block/$1/queue/scheduler" "[none] mq-deadline kyber"
	w "sys/class/block/$1/queue/nr_requests" 1023
	w "sys/class/block/$1/queue/read_ahead_kb" 128
	w "sys/class/block/$1/queue/max_sectors_kb" 512
	w "sys/class/block/$1/queue/max_hw_sectors_kb" 512
	w "sys/class/block/$1/queue/io_timeout" 30000
}

case "$type" in
azure-2)
	common 2 1 6.1.0-56-cloud-amd64
	azure_dmi
	module_loaded
	netdev eth0 hv_netvsc -1 2 2
	ln -s ../enP30832s1 sys/class/net/eth0/lower_enP30832s1
	netdev enP30832s1 mana 0 2 2
	ln -s ../eth0 sys/class/net/enP30832s1/upper_eth0
	# mana: vector 0 is the hardware channel (control), then a queue per CPU
	interrupts 2
	vf_irqs enP30832s1 7870:00:00.0 2 24:mana_hwc@pci:7870:00:00.0 \
		25:mana_q0@pci:7870:00:00.0 26:mana_q1@pci:7870:00:00.0
	ethtool eth0 channels.combined=2 channels.combined_max=64 rings.rx=1024 \
		rings.rx_max=16384 rings.tx=1024 rings.tx_max=16384 "features.rx-lro=on"
	ethtool enP30832s1 channels.combined=2 channels.combined_max=16 rings.rx=1024 \
		rings.rx_max=8192 "features.rx-lro=off [fixed]"
	vmbus 000d3a6e-4e5f-000d-3a6e-4e5f000d3a6e "$NETVSC" -1 eth0 0 0
	vmbus f8b3781a-1e82-4818-a1c3-63d806ec15bb "$STORVSC" -1 host0 0
	vmbus f8b3781b-1e82-4818-a1c3-63d806ec15bb "$STORVSC" -1 host1 0
	scsi_disk sda 0:0:0:0 LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/f8b3781a-1e82-4818-a1c3-63d806ec15bb \
		Msft "Virtual Disk" 2048 268435456
	scsi_disk sdb 0:0:0:1 LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/f8b3781a-1e82-4818-a1c3-63d806ec15bb \
		Msft "Virtual Disk" 2048 33554432
	;;
azure-64)
	common 64 2 6.12.95+deb12-cloud-amd64
	azure_dmi
	module_loaded
	w sys/fs/cgroup/io.cost.qos ""
	interrupts 64
	for i in 0 1; do
		vf=enP$((i + 1))s$((i + 1))
		netdev "eth$i" hv_netvsc -1 8 64
		ln -s "../$vf" "sys/class/net/eth$i/lower_$vf"
		netdev "$vf" mana "$i" 8 64
		ln -s "../eth$i" "sys/class/net/$vf/upper_eth$i"
		bdf=$((i + 1)):00:00.0
		irqs=("$((40 + i * 16)):mana_hwc@pci:$bdf")
		for q in 0 1 2 3 4 5 6 7; do
			irqs+=("$((41 + i * 16 + q)):mana_q$q@pci:$bdf")
		done
		vf_irqs "$vf" "$bdf" 64 "${irqs[@]}"
		ethtool "eth$i" channels.combined=8 channels.combined_max=64 rings.rx=1024 \
			rings.rx_max=16384 rings.tx=1024 rings.tx_max=16384 "features.rx-lro=off"
		ethtool "$vf" channels.combined=8 channels.combined_max=64 rings.rx=1024 \
			rings.rx_max=8192 "features.rx-lro=off [fixed]"
		vmbus "000d3a6e-4e5f-000d-3a6e-4e5f000d3a6$i" "$NETVSC" "$i" "eth$i" 0 1 2 3 4 5 6 7
	done
	nvme_ns nvme0n1 0 1 "MSFT NVMe Accelerator v1.0" 536870912
	for l in 0 1 2 3 4 5 6 7; do
		nvme_ns "nvme0n$((l + 2))" 0 $((l + 2)) "MSFT NVMe Accelerator v1.0" 2147483648
	done
	nvme_ns nvme1n1 1 1 "Microsoft NVMe Direct Disk" 1831234560
	;;
azure-4-mlx5 | azure-4-mlx4)
	common 4 1 6.12.95+deb12-cloud-amd64
	azure_dmi
	module_loaded
	netdev eth0 hv_netvsc -1 4 4
	ln -s ../enP4660s1 sys/class/net/eth0/lower_enP4660s1
	netdev enP4660s1 "${type#azure-4-}_core" 0 4 4
	ln -s ../eth0 sys/class/net/enP4660s1/upper_eth0
	interrupts 4
	# the IRQ numbers out of vector order, as after the VF came back
	if [ "$type" = azure-4-mlx5 ]; then
		# mlx5: vector 0 is the async (control) EQ, then mlx5_comp<N>
		vf_irqs enP4660s1 1234:00:02.0 4 30:mlx5_async0@pci:1234:00:02.0 \
			34:mlx5_comp0@pci:1234:00:02.0 33:mlx5_comp1@pci:1234:00:02.0 \
			32:mlx5_comp2@pci:1234:00:02.0 31:mlx5_comp3@pci:1234:00:02.0
	else
		# mlx4: EQ 0 is the async one, completion EQ V (from 1) is queue V-1
		vf_irqs enP4660s1 1234:00:02.0 4 30:mlx4-async@pci:1234:00:02.0 \
			34:mlx4-1@1234:00:02.0 33:mlx4-2@1234:00:02.0 \
			32:mlx4-3@1234:00:02.0 31:mlx4-4@1234:00:02.0
	fi
	ethtool eth0 channels.combined=4 channels.combined_max=64 rings.rx=1024 \
		rings.rx_max=16384 rings.tx=1024 rings.tx_max=16384 "features.rx-lro=off"
	ethtool enP4660s1 channels.combined=4 channels.combined_max=16 rings.rx=1024 \
		rings.rx_max=8192 "features.rx-lro=off"
	vmbus 000d3a6e-4e5f-000d-3a6e-4e5f000d3a6e "$NETVSC" -1 eth0 3 2 1 0
	vmbus f8b3781a-1e82-4818-a1c3-63d806ec15bb "$STORVSC" -1 host0 0
	scsi_disk sdb 0:0:0:1 LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00/f8b3781a-1e82-4818-a1c3-63d806ec15bb \
		Msft "Virtual Disk" 2048 33554432
	;;
plain)
	common 4 1 6.1.0-56-cloud-amd64
	w sys/class/dmi/id/sys_vendor QEMU
	w sys/class/dmi/id/product_name "Standard PC (Q35 + ICH9, 2009)"
	w sys/class/dmi/id/chassis_asset_tag ""
	netdev eth0 virtio_net -1 4 4
	ethtool eth0 channels.combined=4 channels.combined_max=4 rings.rx=256 rings.rx_max=256
	scsi_disk sda 0:0:0:0 pci0000:00/0000:00:03.0/virtio0 QEMU "QEMU HARDDISK" 128 41943040
	;;
*)
	echo "mkfake.sh: unknown node type '$type'" >&2
	exit 2
	;;
esac
