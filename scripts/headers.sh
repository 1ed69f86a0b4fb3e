#!/bin/bash
# Usage: headers.sh DIR
# Installs the kernel's UAPI headers (linux/kvm.h, linux/vfio.h,
# linux/iommufd.h, asm/bootparam.h) from the same source the kernels are
# built from, so musl-gcc sees them, and the host tools slimhv's build uses
# (gen_init_cpio) beside them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
dst=${1:?usage: headers.sh DIR}
src=$(kernel_src)
if [ ! -f "$dst/.done" ]; then
	rm -rf "$dst"
	mkdir -p "$dst"
	echo "  HEADERS $dst" >&2
	make -C "$src" O="$dst/obj" -s ARCH=x86 headers_install \
		INSTALL_HDR_PATH="$dst" >/dev/null
	rm -rf "$dst/obj"
	gcc -O2 -o "$dst/gen_init_cpio" "$src/usr/gen_init_cpio.c"
	ln -s "$src/scripts/dtc/libfdt" "$dst/libfdt-src"
	touch "$dst/.done"
fi
