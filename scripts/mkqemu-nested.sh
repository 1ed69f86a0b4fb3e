#!/bin/bash
# Usage: mkqemu-nested.sh OUTPUT
# The appliance's initramfs (images/initramfs.img) with the build machine's
# QEMU added: its binary, the shared libraries it loads, the firmware it
# needs to boot a kernel directly, and /lab/qemu-vmm, an init that runs
# that QEMU as the nested VMM instead of slimhv. The lab boots it with
# rdinit=/lab/qemu-vmm to measure QEMU on the same lab machine, host
# kernel, guest and devices as slimhv (tests/e2e/flakes.py, make
# lab-flakes; scripts/bench.py). It never goes into the appliance's media.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
images=${IMAGES:-$src/images}
out=${1:?usage: mkqemu-nested.sh OUTPUT}
qemu=${NESTED_QEMU:-/usr/bin/qemu-system-x86_64}
gen=$images/sysroot/gen_init_cpio
[ -x "$qemu" ] || { echo "mkqemu-nested: $qemu missing: install qemu-system-x86" >&2; exit 1; }
[ -x "$gen" ] || { echo "mkqemu-nested: $gen missing (make builds it)" >&2; exit 1; }
[ -f "$images/initramfs.img" ] || { echo "mkqemu-nested: $images/initramfs.img missing: run make" >&2; exit 1; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT
dirs=()
add_dir() {
	local d=$1
	while [ "$d" != / ] && [ -n "$d" ]; do
		case " ${dirs[*]} " in
		*" $d "*) ;;
		*) dirs+=("$d") ;;
		esac
		d=$(dirname "$d")
	done
}
files=()
add_file() {	# SOURCE [DEST]
	local dest=${2:-$1}
	add_dir "$(dirname "$dest")"
	files+=("file $dest $(readlink -f "$1") 0755 0 0")
}

add_file "$qemu" /usr/bin/qemu-system-x86_64
# The dynamic loader and every library the binary loads, where it looks.
while read -r lib; do
	add_file "$lib"
done < <(ldd "$qemu" | grep -oE '/[^ ]+\.so[^ ]*' | sort -u)
# Booting a kernel directly still runs SeaBIOS and QEMU's option ROMs.
for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
	/usr/share/qemu/kvmvapic.bin; do
	[ -f "$f" ] || { echo "mkqemu-nested: $f missing" >&2; exit 1; }
	add_file "$f" "/usr/share/qemu/$(basename "$f")"
done
add_file "$src/tests/e2e/qemu-vmm" /lab/qemu-vmm

{
	# The appliance's archive made / and /usr already; the rest is new.
	for d in "${dirs[@]}"; do
		case "$d" in
		/usr | /usr/bin | /usr/sbin | /bin | /sbin) ;;
		*) echo "dir $d 0755 0 0" ;;
		esac
	done | sort -u
	printf '%s\n' "${files[@]}"
} >"$list"
mkdir -p "$(dirname "$out")"
{
	cat "$images/initramfs.img"
	# Uncompressed: the host kernel takes xz only, and unpacking 50 MB of
	# xz under TCG would cost more than reading it plain.
	"$gen" "$list"
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "  QEMU    $out ($("$qemu" --version | head -n 1))"
