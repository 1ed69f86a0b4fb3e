#!/bin/bash
# Usage: build-kernel.sh host|guest OUTPUT
# Builds a bzImage from Debian's linux-source package with
# configs/KIND.config merged onto tinyconfig. Builds are cached under
# $SLIMHV_CACHE, keyed by the source package, the fragment and this script,
# so an unchanged rebuild only copies the cached image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

kind=${1:?usage: build-kernel.sh host|guest OUTPUT}
out=${2:?usage: build-kernel.sh host|guest OUTPUT}
frag="$here/../configs/$kind.config"
[ -f "$frag" ] || die "no kernel config fragment $frag"

src=$(kernel_src)
key=$(cat "$frag" "$0" "$here/check-config.sh" |
	{ cat; echo "$LINUX_TARBALL $(stat -c '%s %Y' "$LINUX_TARBALL")"; } |
	sha256sum | cut -c1-16)
obj="$SLIMHV_CACHE/build/$kind-$LINUX_VERSION-$key"

if [ ! -f "$obj/.done" ]; then
	echo "  KERNEL  $kind ($LINUX_VERSION, $obj)" >&2
	rm -rf "$obj"
	mkdir -p "$obj"
	mk() { make -C "$src" O="$obj" -s "$@"; }
	mk tinyconfig >/dev/null
	(cd "$src" && ./scripts/kconfig/merge_config.sh -m -O "$obj" \
		"$obj/.config" "$frag" >/dev/null)
	mk olddefconfig >/dev/null
	"$here/check-config.sh" "$frag" "$obj/.config" ||
		die "the $kind kernel config lost options; see above"
	log="$obj/build.log"
	if ! mk -j"$(nproc)" bzImage >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "$kind kernel build failed; full log in $log"
	fi
	touch "$obj/.done"
fi
mkdir -p "$(dirname "$out")"
cp "$obj/arch/x86/boot/bzImage" "$out"
cp "$obj/.config" "$out.config"
