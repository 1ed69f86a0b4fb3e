#!/bin/bash
# Usage: lab.sh [--iommu intel|amd|none] [--append "PARAMS"] [--mem SIZE]
#               [--smp N] [--native] [--disk FILE] [--net-opts OPTS]
#               [-- EXTRA QEMU ARGS]
# Boots the appliance (images/bzImage + images/initramfs.cpio.gz) in the lab
# machine: QEMU's TCG with -cpu max (which emulates AMD SVM, so KVM works
# inside), a q35 with an emulated IOMMU with interrupt remapping, an e1000e
# and an NVMe disk. The serial console is this terminal; QEMU exits when the
# appliance powers off.
#   LAB_APPEND   (environment) more host kernel parameters, e.g. slimhv.verbose
#   --native     boot the guest kernel (images/guest/bzImage and its initramfs)
#                directly on the lab machine, without slimhv: the baseline
#                of the passthrough benchmark, and a way to try guest scripts
#   --disk FILE  the NVMe's backing file (default $LAB_DISK, else
#                images/lab-disk.img; created, 64 MiB, if missing)
#   --net-opts   extra options for the user-mode network, appended to
#                "-netdev user,id=n0," (e.g. bootfile=slimhv-port=5555: the
#                lab's DHCP server hands it to the guest)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=${IMAGES:-$here/../images}
iommu=intel
append=""
mem=2G
smp=2
native=""
disk=${LAB_DISK:-$images/lab-disk.img}
net_opts=""
while [ $# -gt 0 ]; do
	case "$1" in
	--iommu) iommu=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--native) native=1; shift ;;
	--disk) disk=$2; shift 2 ;;
	--net-opts) net_opts=",$2"; shift 2 ;;
	--) shift; break ;;
	*) echo "lab.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
if [ -n "$native" ]; then
	kernel=$images/guest/bzImage initrd=$images/guest/initramfs.cpio.gz
else
	kernel=$images/bzImage initrd=$images/initramfs.cpio.gz
fi
for f in "$kernel" "$initrd"; do
	[ -f "$f" ] || { echo "lab.sh: $f missing: run make" >&2; exit 1; }
done
[ -f "$disk" ] || truncate -s 64M "$disk"

case "$iommu" in
intel)	iommu_dev=(-device intel-iommu,intremap=on); iommu_param="intel_iommu=on" ;;
amd)	iommu_dev=(-device amd-iommu,intremap=on); iommu_param="" ;;
none)	iommu_dev=(); iommu_param="" ;;
*)	echo "lab.sh: --iommu intel|amd|none" >&2; exit 2 ;;
esac

exec qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -M q35 -smp "$smp" -m "$mem" \
	"${iommu_dev[@]}" \
	-netdev "user,id=n0$net_opts" -device e1000e,netdev=n0 \
	-drive file="$disk",if=none,format=raw,id=d0 \
	-device nvme,drive=d0,serial=slimhv-lab0 \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 $iommu_param panic=-1 $append ${LAB_APPEND:-}" \
	-nographic -no-reboot "$@"
