#!/bin/bash
# Usage: mkinitramfs.sh LIST OUTPUT [busybox-links]
# Fills in the @VAR@ paths of a gen_init_cpio list, optionally adds a link
# for every busybox applet under /bin, and writes a newc archive, compressed
# as OUTPUT's name says: .cpio.gz (gzip), .cpio.xz (xz, in the form the
# kernel's decompressor takes: CRC32, the x86 BCJ filter) or .cpio (none).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
list=$1
out=$2
links=${3:-}
images=${IMAGES:-$src/images}
busybox=${BUSYBOX:-/bin/busybox}
gen=$images/sysroot/gen_init_cpio
[ -x "$gen" ] || { echo "mkinitramfs: $gen missing (make builds it)" >&2; exit 1; }
[ -x "$busybox" ] || { echo "mkinitramfs: $busybox missing: install busybox-static" >&2; exit 1; }
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed -e "s|@IMAGES@|$images|g" -e "s|@SRC@|$src|g" -e "s|@BUSYBOX@|$busybox|g" \
	"$list" >"$tmp"
# Every compiled domain configuration goes to /etc/slimhv/.
for dtb in ${DTBS:-}; do
	echo "file /etc/slimhv/$(basename "$dtb") $src/$dtb 0644 0 0"
done >>"$tmp"
if [ "$links" = busybox-links ]; then
	"$busybox" --list-full | while read -r app; do
		case "$app" in
		bin/busybox | linuxrc | init | sbin/init) continue ;;
		esac
		echo "slink /$app /bin/busybox 0777 0 0"
	done >>"$tmp"
fi
case "$out" in
*.cpio.gz) compress=(gzip -9 -n) ;;
*.cpio.xz) compress=(xz -T1 --check=crc32 --x86 --lzma2=preset=9e,dict=1MiB) ;;
*.cpio) compress=(cat) ;;
*) echo "mkinitramfs: $out: the name must end in .cpio.gz, .cpio.xz or .cpio" >&2; exit 2 ;;
esac
mkdir -p "$(dirname "$out")"
"$gen" "$tmp" | "${compress[@]}" >"$out.tmp"
mv "$out.tmp" "$out"
