#!/bin/bash
# Usage: build-kernel.sh host|guest OUTPUT
# Builds a bzImage from Debian's linux-source package with
# configs/KIND.config merged onto tinyconfig. Builds are cached under
# $SLIMHV_CACHE, keyed by the source package, the fragment and this script,
# so an unchanged rebuild only copies the cached image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

kind=${1:?usage: build-kernel.sh host|guest|host-nomitigations OUTPUT}
out=${2:?usage: build-kernel.sh host|guest|host-nomitigations OUTPUT}
check=1
if [ "$kind" = host-nomitigations ]; then
	# make bench's "before": the host fragment without its section of CPU
	# mitigations and hardening (the jail's options stay), and the
	# mitigations turned off again as tinyconfig has them.
	frag=$(mktemp)
	trap 'rm -f "$frag"' EXIT
	awk '/^# --- Walls between guests/ { skip = 1 }
	     /^# The jail of each VMM/ { skip = 0 }
	     !skip' "$here/../configs/host.config" >"$frag"
	echo "# CONFIG_CPU_MITIGATIONS is not set" >>"$frag"
	check=0
else
	frag="$here/../configs/$kind.config"
fi
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
	[ "$check" = 0 ] || "$here/check-config.sh" "$frag" "$obj/.config" ||
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
