#!/bin/bash
# Usage: mkimage.sh [--domains FILE.dts|FILE.dtb] [--payloads DIR]
#                   [--cmdline "PARAMS"] [--sign-key KEY --sign-cert CERT]
#                   OUTDIR
# Assembles the boot media from the host kernel and initramfs archives that
# `make` built, without root and without loop devices:
#   OUTDIR/initramfs.img   the host initramfs: the base archive (slimhv,
#                          busybox, the stock domain configurations), the
#                          guest payloads, then the domain configuration
#                          given here, which replaces the default one
#   OUTDIR/slimhv.efi      a unified kernel image: systemd's EFI stub with
#                          the bzImage, initramfs.img and the command line
#                          in its sections, bootable by UEFI firmware as is
#   OUTDIR/slimhv-usb.img  a GPT disk image whose EFI system partition
#                          holds slimhv.efi as EFI/BOOT/BOOTX64.EFI: dd it
#                          to a USB stick
#   OUTDIR/slimhv.ipxe     an iPXE script that loads bzImage and
#                          initramfs.img from beside itself (PXE, HTTP)
#   OUTDIR/bzImage         the host kernel, when OUTDIR is not images/
# --domains   the domain configuration to boot: it becomes
#             /etc/slimhv/appliance.dtb, the file slimhv reads by default.
#             The configuration the image boots, this one or the stock one,
#             is checked with `slimhv check`, and every kernel and initrd it
#             names must be in the initramfs.
# --payloads  a directory whose files become /guest/... in place of the
#             guest kernel and initramfs this tree builds
# --cmdline   the host kernel's command line (default: $DEFAULT_CMDLINE)
# --sign-key, --sign-cert
#             sign slimhv.efi for Secure Boot with sbsign (PEM private key
#             and X.509 certificate); the USB image gets the signed file.
#             The signature covers the kernel, the initramfs and the
#             command line alike: they are all inside.
# Nothing here rebuilds the kernel: a new configuration or new payloads
# take seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
images=${IMAGES:-$src/images}
DEFAULT_CMDLINE="console=ttyS0,115200n8 intel_iommu=on panic=10"
STUB=${EFI_STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}

die() {
	echo "mkimage: error: $*" >&2
	exit 1
}

domains=""
payloads=""
cmdline=$DEFAULT_CMDLINE
sign_key=""
sign_cert=""
usage="usage: mkimage.sh [--domains FILE] [--payloads DIR] [--cmdline PARAMS] [--sign-key KEY --sign-cert CERT] OUTDIR"
while [ $# -gt 0 ]; do
	case "$1" in
	--domains) domains=${2:?--domains needs a file}; shift 2 ;;
	--payloads) payloads=${2:?--payloads needs a directory}; shift 2 ;;
	--cmdline) cmdline=${2?--cmdline needs a value}; shift 2 ;;
	--sign-key) sign_key=${2:?--sign-key needs a file}; shift 2 ;;
	--sign-cert) sign_cert=${2:?--sign-cert needs a file}; shift 2 ;;
	-*) echo "$usage" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || { echo "$usage" >&2; exit 2; }
if [ -n "$sign_key$sign_cert" ]; then
	[ -n "$sign_key" ] && [ -n "$sign_cert" ] || die "--sign-key and --sign-cert go together"
	[ -f "$sign_key" ] || die "--sign-key $sign_key: no such file"
	[ -f "$sign_cert" ] || die "--sign-cert $sign_cert: no such file"
	command -v sbsign >/dev/null || die "sbsign not found: install sbsigntool (scripts/deps.sh)"
fi
out=$1

kernel=$images/bzImage
base=$images/initramfs-base.cpio.xz
guests=$images/initramfs-guests.cpio
slimhv=$images/slimhv
gen=$images/sysroot/gen_init_cpio
for f in "$kernel" "$base" "$slimhv" "$gen"; do
	[ -f "$f" ] || die "$f is missing: run make first"
done
[ -n "$payloads" ] || [ -f "$guests" ] || die "$guests is missing: run make first"
[ -f "$STUB" ] || die "no EFI stub at $STUB: install systemd-boot-efi (scripts/deps.sh)"
for tool in objcopy objdump sgdisk mkfs.vfat mmd mcopy cpio; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || [ -x "/sbin/$tool" ] ||
		die "$tool not found: run scripts/deps.sh (binutils, gdisk, dosfstools, mtools, cpio)"
done
export PATH=$PATH:/usr/sbin:/sbin
case "$cmdline" in
*$'\n'*) die "the command line must be one line" ;;
esac
[ ${#cmdline} -lt 2048 ] || die "the command line is longer than 2047 bytes"

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the initramfs: base + payloads + domain configuration -----------------
if [ -n "$payloads" ]; then
	[ -d "$payloads" ] || die "--payloads $payloads: not a directory"
	payloads=$(cd "$payloads" && pwd)
	{
		echo "dir /guest 0755 0 0"
		(cd "$payloads" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
			p=${p#./}
			case "$p" in
			*[[:space:]]*) die "--payloads: '$p': no spaces in payload names" ;;
			esac
			if [ -d "$payloads/$p" ]; then
				echo "dir /guest/$p 0755 0 0"
			elif [ -f "$payloads/$p" ]; then
				echo "file /guest/$p $payloads/$p 0644 0 0"
			else
				die "--payloads: $p is neither a file nor a directory"
			fi
		done
	} >"$tmp/payloads.list"
	"$gen" "$tmp/payloads.list" >"$tmp/guests.cpio" ||
		die "cannot pack the payloads of $payloads"
	guests=$tmp/guests.cpio
fi

parts=("$base" "$guests")
# The configuration the image boots: --domains, else the stock one that the
# base archive holds.
if [ -n "$domains" ]; then
	[ -f "$domains" ] || die "--domains $domains: no such file"
	case "$domains" in
	*.dts) dtc -q -I dts -O dtb -o "$tmp/appliance.dtb" "$domains" ||
		die "$domains: dtc could not compile it (see above)" ;;
	*.dtb) cp "$domains" "$tmp/appliance.dtb" ;;
	*) die "--domains $domains: want a .dts or .dtb file" ;;
	esac
	dtb=$tmp/appliance.dtb
	what=$domains
else
	dtb=$images/dtb/appliance.dtb
	what="the default configuration (configs/appliance.dts)"
	[ -f "$dtb" ] || die "$dtb is missing: run make first"
fi
# slimhv's own parser, the one that runs at boot, judges the file.
if ! "$slimhv" check "$dtb" >"$tmp/check.txt" 2>&1; then
	die "$what is not a valid domain configuration: $(sed "s|$dtb|$what|g; s|^slimhv: error: ||" "$tmp/check.txt")"
fi
# Every kernel and initrd it names must be in the image.
{ xz -dc "$base" | cpio -it --quiet; cpio -it --quiet <"$guests"; } |
	sed 's|^|/|' >"$tmp/files.txt"
awk '$1 == "kernel" || $1 == "initrd" { print $2 }' "$tmp/check.txt" |
	while read -r path; do
		grep -qxF "$path" "$tmp/files.txt" ||
			die "$what names $path, which is not in the initramfs (the payloads are: $(grep '^/guest/' "$tmp/files.txt" | tr '\n' ' '))"
	done
if [ -n "$domains" ]; then
	printf 'dir /etc 0755 0 0\ndir /etc/slimhv 0755 0 0\nfile /etc/slimhv/appliance.dtb %s 0644 0 0\n' \
		"$dtb" >"$tmp/domains.list"
	"$gen" "$tmp/domains.list" >"$tmp/domains.cpio"
	parts+=("$tmp/domains.cpio")
fi
# The kernel unpacks concatenated archives in order; a later file replaces
# an earlier one of the same name.
cat "${parts[@]}" >"$tmp/initramfs.img"

# --- slimhv.efi: a unified kernel image ------------------------------------
# Each section is placed after the stub's last one, aligned to the stub's
# section alignment; .linux goes last but one, .initrd last.
printf 'NAME="slimhv"\nID=slimhv\nPRETTY_NAME="slimhv thin hypervisor host"\nVERSION_ID="%s"\n' \
	"$(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)" >"$tmp/osrel"
printf '%s\0' "$cmdline" >"$tmp/cmdline"
align=$(objdump -p "$STUB" | awk '$1 == "SectionAlignment" { print $2 }')
[ -n "$align" ] && [ $((16#$align)) -gt 0 ] || die "cannot read the section alignment of $STUB"
align=$((16#$align))
next=0
while read -r size vma; do
	end=$((16#$vma + 16#$size))
	[ "$end" -le "$next" ] || next=$end
done < <(objdump -h "$STUB" | awk 'NF == 7 && $1 ~ /^[0-9]+$/ { print $3, $4 }')
[ "$next" -gt 0 ] || die "cannot read the sections of $STUB"
sections=()
for s in osrel:"$tmp/osrel" cmdline:"$tmp/cmdline" linux:"$kernel" initrd:"$tmp/initramfs.img"; do
	name=${s%%:*}
	file=${s#*:}
	next=$(((next + align - 1) / align * align))
	sections+=(--add-section ".$name=$file" --change-section-vma ".$name=$(printf '0x%x' "$next")")
	next=$((next + $(stat -c %s "$file")))
done
objcopy "${sections[@]}" "$STUB" "$tmp/slimhv.efi" ||
	die "objcopy could not build the unified kernel image"
if [ -n "$sign_key" ]; then
	sbsign --key "$sign_key" --cert "$sign_cert" --output "$tmp/signed.efi" \
		"$tmp/slimhv.efi" >"$tmp/sbsign.txt" 2>&1 ||
		die "sbsign failed: $(cat "$tmp/sbsign.txt")"
	mv "$tmp/signed.efi" "$tmp/slimhv.efi"
fi

# --- slimhv-usb.img: GPT, one EFI system partition (FAT32) ----------------
# The partition has room for the EFI file with a quarter to spare, and at
# least 40 MiB: FAT32 needs 65525 clusters.
MiB=$((1024 * 1024))
efi_size=$(stat -c %s "$tmp/slimhv.efi")
part_mib=$(((efi_size * 5 / 4 + MiB - 1) / MiB + 4))
[ "$part_mib" -ge 40 ] || part_mib=40
# A fixed identity per EFI file: the same inputs give the same image.
id=$(sha256sum "$tmp/slimhv.efi" | cut -c1-64)
guid() { echo "${1:0:8}-${1:8:4}-4${1:13:3}-8${1:17:3}-${1:20:12}"; }
mkfs.vfat -F 32 -n SLIMHV -i "${id:0:8}" -C "$tmp/esp.img" $((part_mib * 1024)) >/dev/null ||
	die "mkfs.vfat failed"
export MTOOLS_SKIP_CHECK=1
mmd -i "$tmp/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$tmp/esp.img" "$tmp/slimhv.efi" ::/EFI/BOOT/BOOTX64.EFI
# 1 MiB before the partition, 1 MiB after it for the backup GPT.
truncate -s $(((part_mib + 2) * MiB)) "$tmp/usb.img"
sgdisk --clear --disk-guid="$(guid "$id")" \
	--new=1:1MiB:+"${part_mib}"MiB --typecode=1:EF00 \
	--partition-guid=1:"$(guid "${id:32}")" \
	--change-name=1:"slimhv EFI system partition" "$tmp/usb.img" >/dev/null ||
	die "sgdisk could not write the partition table"
dd if="$tmp/esp.img" of="$tmp/usb.img" bs=1M seek=1 conv=notrunc,sparse status=none

# --- the iPXE script ---------------------------------------------------------
sed -e "s|@CMDLINE@|$(printf '%s' "$cmdline" | sed 's/[|&\\]/\\&/g')|" \
	"$src/configs/slimhv.ipxe.in" >"$tmp/slimhv.ipxe"

# Everything is built: put it in place.
mv "$tmp/initramfs.img" "$tmp/slimhv.efi" "$tmp/slimhv.ipxe" "$out/"
mv "$tmp/usb.img" "$out/slimhv-usb.img"
[ "$out" = "$(cd "$images" && pwd)" ] || cp "$kernel" "$out/bzImage"
for f in slimhv.efi slimhv-usb.img; do
	printf '  IMAGE   %-36s %9d bytes\n' "${out#"$src"/}/$f" "$(stat -c %s "$out/$f")"
done
