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
total=$(echo $files | wc -w)
# One file, one test: the line scripts/check.sh counts.
if [ -n "$out" ]; then
	echo "$out"
	bad=$(echo "$out" | cut -d: -f1 | sort -u | wc -l)
	echo "checkpatch: $(echo "$out" | wc -l) problems in $bad files"
	echo "checkpatch: $((total - bad)) passed, $bad failed"
	exit 1
fi
echo "checkpatch: $total files clean"
echo "checkpatch: $total passed, 0 failed"
