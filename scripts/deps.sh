#!/bin/bash
# Installs the Debian packages slimhv's build, lab and tests need, when
# missing. Safe to run again: it only calls apt-get when something is absent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

pkgs=(
	"linux-source-$LINUX_VERSION"	# the kernel sources (host and guest)
	build-essential bc bison flex libelf-dev libssl-dev cpio rsync xz-utils perl
	musl-tools			# slimhv links statically with musl
	busybox-static			# rescue shell and guest userland
	device-tree-compiler		# dtc: the domain configuration
	qemu-system-x86			# the lab machine
	python3				# the lab test driver
	e2fsprogs			# debugfs, e2fsck: the lab disk read from outside
	clang-14 libclang-rt-14-dev	# the fuzz harnesses: clang, libFuzzer, sanitizers
	# The boot media (scripts/mkimage.sh) and the firmware tests:
	systemd-boot-efi		# the EFI stub of images/slimhv.efi
	dosfstools mtools gdisk		# the USB image's FAT32 ESP and GPT, no root
	sbsigntool			# sbsign: slimhv.efi signed for Secure Boot
	openssl				# the signing test's throwaway key
	ovmf				# UEFI firmware for the lab
	ipxe-qemu			# the lab NICs' network-boot ROMs
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "  DEPS    installing: ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	die "apt-get install ${missing[*]} failed"
