#!/bin/bash
# Usage: lab.sh [--iommu intel|amd|none] [--append "PARAMS"] [--mem SIZE]
#               [--smp N] [--native] [--disk FILE] [--net-opts OPTS]
#               [--initrd FILE] [--kernel FILE] [--uefi USB-IMAGE | --pxe DIR]
#               [-- EXTRA QEMU ARGS]
# Boots the appliance (images/bzImage + images/initramfs.img) in the lab
# machine: QEMU's TCG with -cpu max (which emulates AMD SVM, so KVM works
# inside), a q35 with an emulated IOMMU with interrupt remapping, an e1000e
# and an NVMe disk. The serial console is this terminal; QEMU exits when the
# appliance powers off.
#   LAB_APPEND   (environment) more host kernel parameters, e.g. slimhv.verbose
#   LAB_KVM      the lab host's KVM parameters (default kvm_amd.vgif=0: the
#                emulated CPU's virtual GIF led to the interrupt-window loop,
#                README, Status; LAB_KVM= boots without it)
# The lab machine itself, for measuring other labs (make lab-flakes):
#   LAB_QEMU     the QEMU binary (default qemu-system-x86_64)
#   LAB_ACCEL    its -accel (default tcg,thread=multi)
#   LAB_CPU      its -cpu (default EPYC: AMD with SVM, NPT and NRIP only;
#                max, every feature TCG has, broke the lab more: README, Status)
#   --initrd     another initramfs for the appliance's kernel (the QEMU
#                twin of scripts/mkqemu-nested.sh)
#   --kernel     another host kernel (make bench's kernel without mitigations)
#   --native     boot the guest kernel (images/guest/bzImage and its initramfs)
#                directly on the lab machine, without slimhv: the baseline
#                of the passthrough benchmark, and a way to try guest scripts
#   --disk FILE  the NVMe's backing file (default $LAB_DISK, else
#                images/lab-disk.img; created, 64 MiB, if missing)
#   --net-opts   extra options for the user-mode network, appended to
#                "-netdev user,id=n0," (e.g. bootfile=slimhv-port=5555: the
#                lab's DHCP server hands it to the guest)
# Booting through firmware, as a server does, instead of QEMU loading the
# kernel itself (the kernel's command line is then the one in the image:
# --append is refused, LAB_APPEND ignored):
#   --uefi IMG   UEFI firmware (OVMF, a fresh copy of its variable store
#                each boot) boots the disk image IMG (images/slimhv-usb.img)
#                as a USB stick on an xHCI controller
#   --pxe DIR    BIOS firmware (SeaBIOS) boots from the network: the e1000e's
#                iPXE option ROM gets the boot file slimhv.ipxe from the
#                lab's DHCP server and fetches it, and what it loads, from
#                DIR by TFTP
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
uefi=""
pxe=""
initrd_opt=""
kernel_opt=""
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
while [ $# -gt 0 ]; do
	case "$1" in
	--iommu) iommu=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--native) native=1; shift ;;
	--disk) disk=$2; shift 2 ;;
	--net-opts) net_opts=",$2"; shift 2 ;;
	--uefi) uefi=$2; shift 2 ;;
	--pxe) pxe=$2; shift 2 ;;
	--initrd) initrd_opt=$2; shift 2 ;;
	--kernel) kernel_opt=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "lab.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ -z "$uefi" ] || [ -z "$pxe" ] || { echo "lab.sh: --uefi or --pxe, not both" >&2; exit 2; }
case "$iommu" in
intel)	iommu_dev=(-device intel-iommu,intremap=on); iommu_param="intel_iommu=on" ;;
amd)	iommu_dev=(-device amd-iommu,intremap=on); iommu_param="" ;;
none)	iommu_dev=(); iommu_param="" ;;
*)	echo "lab.sh: --iommu intel|amd|none" >&2; exit 2 ;;
esac
[ -f "$disk" ] || truncate -s 64M "$disk"

nic=(-device e1000e,netdev=n0)
if [ -n "$uefi$pxe" ]; then
	if [ -n "$append" ] || [ -n "$native" ]; then
		echo "lab.sh: --append and --native do not go with --uefi or --pxe: the command line is in the image" >&2
		exit 2
	fi
	[ -z "${LAB_APPEND:-}" ] ||
		echo "lab.sh: note: LAB_APPEND is ignored: the command line is in the image" >&2
fi
if [ -n "$uefi" ]; then
	[ -f "$uefi" ] || { echo "lab.sh: $uefi missing: run make image" >&2; exit 1; }
	for f in "$OVMF_CODE" "$OVMF_VARS"; do
		[ -f "$f" ] || { echo "lab.sh: $f missing: install ovmf (scripts/deps.sh)" >&2; exit 1; }
	done
	# The firmware writes its variable store: give it a copy, unlinked at
	# once and passed by descriptor, so nothing is left behind.
	vars=$(mktemp "${TMPDIR:-/tmp}/slimhv-ovmf-vars.XXXXXX")
	cp "$OVMF_VARS" "$vars"
	exec 3<>"$vars"
	rm -f "$vars"
	boot=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE"
	      -drive "if=pflash,format=raw,unit=1,file=/dev/fd/3"
	      -device qemu-xhci,id=xhci
	      -drive "if=none,id=usb0,format=raw,readonly=on,file=$uefi"
	      -device usb-storage,bus=xhci.0,drive=usb0,bootindex=0)
elif [ -n "$pxe" ]; then
	[ -f "$pxe/slimhv.ipxe" ] || { echo "lab.sh: $pxe/slimhv.ipxe missing: run make image" >&2; exit 1; }
	net_opts=",tftp=$(cd "$pxe" && pwd),bootfile=slimhv.ipxe$net_opts"
	nic=(-device e1000e,netdev=n0,bootindex=0)
	boot=()
else
	if [ -n "$native" ]; then
		kernel=$images/guest/bzImage initrd=$images/guest/initramfs.cpio.gz
	else
		kernel=${kernel_opt:-$images/bzImage}
		initrd=${initrd_opt:-$images/initramfs.img}
	fi
	for f in "$kernel" "$initrd"; do
		[ -f "$f" ] || { echo "lab.sh: $f missing: run make" >&2; exit 1; }
	done
	# no_timer_check: on a loaded machine the emulated CPU can miss the
	# kernel's early check that the timer ticks through the (interrupt-
	# remapped) I/O APIC, and the kernel panics although the timer works.
	boot=(-kernel "$kernel" -initrd "$initrd"
	      -append "console=ttyS0 $iommu_param panic=-1 no_timer_check ${LAB_KVM-kvm_amd.vgif=0} $append ${LAB_APPEND:-}")
fi

exec "${LAB_QEMU:-qemu-system-x86_64}" \
	-accel "${LAB_ACCEL:-tcg,thread=multi}" -cpu "${LAB_CPU:-EPYC}" \
	-M q35 -smp "$smp" -m "$mem" \
	"${iommu_dev[@]}" \
	-netdev "user,id=n0$net_opts" "${nic[@]}" \
	-drive file="$disk",if=none,format=raw,id=d0 \
	-device nvme,drive=d0,serial=slimhv-lab0 \
	"${boot[@]}" \
	-nographic -no-reboot "$@"
