# Shared settings for slimhv's build scripts (sourced, not run).
# LINUX_VERSION picks Debian's linux-source-$LINUX_VERSION package: 6.12 (the
# default, the 6.12 LTS) or 6.1.
LINUX_VERSION=${LINUX_VERSION:-6.12}
LINUX_TARBALL=${LINUX_TARBALL:-/usr/src/linux-source-$LINUX_VERSION.tar.xz}
SLIMHV_CACHE=${SLIMHV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/slimhv}

die() {
	echo "slimhv build: error: $*" >&2
	exit 1
}

# Print the directory of the pristine kernel source, extracting it once.
kernel_src() {
	[ -f "$LINUX_TARBALL" ] ||
		die "$LINUX_TARBALL not found: run scripts/deps.sh (package linux-source-$LINUX_VERSION)"
	local stamp
	stamp=$(stat -c '%s-%Y' "$LINUX_TARBALL")
	local dir="$SLIMHV_CACHE/src/$LINUX_VERSION-$stamp"
	if [ ! -f "$dir/.extracted" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		echo "  EXTRACT $LINUX_TARBALL" >&2
		tar -xf "$LINUX_TARBALL" -C "$dir" --strip-components=1 ||
			die "cannot extract $LINUX_TARBALL"
		touch "$dir/.extracted"
	fi
	echo "$dir"
}
