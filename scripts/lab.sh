#!/bin/bash
# Usage: lab.sh [--iommu intel|amd|none] [--append "PARAMS"] [--mem SIZE]
#               [--smp N] [-- EXTRA QEMU ARGS]
# Boots the appliance (images/bzImage + images/initramfs.cpio.gz) in the lab
# machine: QEMU's TCG with -cpu max (which emulates AMD SVM, so KVM works
# inside), a q35 with an emulated IOMMU with interrupt remapping, an e1000e
# and an NVMe disk. The serial console is this terminal; QEMU exits when the
# appliance powers off.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
images=${IMAGES:-$here/../images}
iommu=intel
append=""
mem=2G
smp=2
while [ $# -gt 0 ]; do
	case "$1" in
	--iommu) iommu=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "lab.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
for f in bzImage initramfs.cpio.gz; do
	[ -f "$images/$f" ] || { echo "lab.sh: $images/$f missing: run make" >&2; exit 1; }
done
disk=${LAB_DISK:-$images/lab-disk.img}
[ -f "$disk" ] || truncate -s 64M "$disk"

case "$iommu" in
intel)	iommu_dev=(-device intel-iommu,intremap=on); iommu_param="intel_iommu=on" ;;
amd)	iommu_dev=(-device amd-iommu,intremap=on); iommu_param="amd_iommu=on" ;;
none)	iommu_dev=(); iommu_param="" ;;
*)	echo "lab.sh: --iommu intel|amd|none" >&2; exit 2 ;;
esac

exec qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -M q35 -smp "$smp" -m "$mem" \
	"${iommu_dev[@]}" \
	-netdev user,id=n0 -device e1000e,netdev=n0 \
	-drive file="$disk",if=none,format=raw,id=d0 \
	-device nvme,drive=d0,serial=slimhv-lab0 \
	-kernel "$images/bzImage" -initrd "$images/initramfs.cpio.gz" \
	-append "console=ttyS0 $iommu_param panic=-1 $append" \
	-nographic -no-reboot "$@"
