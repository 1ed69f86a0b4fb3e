#!/bin/bash
# Runs every test tier that can run on this machine and says which it
# skipped and why. `make check` calls it after building everything.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
summary=()
status=0

tier() {
	local name=$1
	shift
	echo
	echo "=== $name: $*"
	local t0=$SECONDS
	if "$@"; then
		summary+=("$(printf '%-13s passed (%d s)' "$name" $((SECONDS - t0)))")
	else
		summary+=("$(printf '%-13s FAILED (%d s)' "$name" $((SECONDS - t0)))")
		status=1
	fi
}

tier unit env SLIMHV_TEST_DTB_DIR="$root/images/dtb" \
	SLIMHV_TEST_BZIMAGE="$root/images/guest/bzImage" images/obj/unit-tests
tier config-check tests/unit/check-config.sh
# Every input of the fuzz corpora once, then each harness for a bounded
# time (FUZZ_CHECK_TIME, 30 s); new inputs never land in the tree here.
tier fuzz-replay scripts/fuzz.sh replay
tier fuzz env FUZZ_TIME="${FUZZ_CHECK_TIME:-30}" FUZZ_MERGE=0 \
	scripts/fuzz.sh run
tier checkpatch scripts/checkpatch.sh
tier cli python3 tests/e2e/run.py cli
tier image python3 tests/e2e/run.py image
# The lab needs no /dev/kvm on this machine (QEMU's TCG emulates SVM): it
# runs everywhere, CI included, and is never skipped.
tier lab python3 tests/e2e/run.py lab
# The boot media through the lab's firmware: OVMF (UEFI) and SeaBIOS with
# iPXE (network boot), as on a server.
tier firmware python3 tests/e2e/run.py firmware
# The soaks at their full counts (200 reboots, 200 triple faults) take
# half an hour and more: the lab tier runs them at 20; `make soak`, or
# SLIMHV_SOAK=1 here, at 200.
if [ "${SLIMHV_SOAK:-0}" = 1 ]; then
	tier soak python3 tests/e2e/run.py soak
else
	summary+=("$(printf '%-13s skipped (the full counts take half an hour: make soak, or SLIMHV_SOAK=1)' soak)")
fi

echo
echo "=== summary"
for line in "${summary[@]}"; do
	echo "  $line"
done
exit $status
