#!/bin/bash
# The kernel's checkpatch.pl, from the same source tree, over our C code.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
cd "$here/.."
src=$(kernel_src)
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find vmm devices passthrough tests -name '*.[ch]')
out=$(perl "$src/scripts/checkpatch.pl" --no-tree --quiet --terse -f $files || true)
out=$(echo "$out" | grep -E ': (ERROR|WARNING|CHECK):' || true)
if [ -n "$out" ]; then
	echo "$out"
	echo "checkpatch: $(echo "$out" | wc -l) problems"
	exit 1
fi
echo "checkpatch: $(echo $files | wc -w) files clean"
