#!/bin/bash
# Runs every test tier that can run on this machine and says which it
# skipped and why. `make check` calls it after building everything.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
summary=()
flaky=()
status=0
total_passed=0
total_failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# Runs one tier, its output shown and kept: each tier ends with a line
# "NAME: N passed, N failed" (one test each: a unit test, a harness, a
# file checked, a lab boot), which the closing count adds up. A tier that
# fails without that line counts as one failed test.
tier() {
	local name=$1 rc counts p f
	shift
	echo
	echo "tier $name: $*"
	local t0=$SECONDS
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	counts=$(grep -E '^[a-z+-]+: [0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	p=$(echo "$counts" | sed -nE 's/^[^:]*: ([0-9]+) passed.*/\1/p')
	f=$(echo "$counts" | sed -nE 's/^[^:]*: [0-9]+ passed, ([0-9]+) failed.*/\1/p')
	if [ -z "$p" ]; then
		p=0
		f=$((rc != 0))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# it failed after its count: a crash of the runner
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	mapfile -t -O ${#flaky[@]} flaky < <(sed -n 's/^flaky: /  /p' "$out")
	if [ "$rc" -eq 0 ]; then
		summary+=("$(printf '%-13s passed: %d (%d s)' "$name" "$p" $((SECONDS - t0)))")
	else
		summary+=("$(printf '%-13s FAILED: %d passed, %d failed (%d s)' "$name" "$p" "$f" $((SECONDS - t0)))")
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
fi

echo
# Only tiers that ran are in the summary: a line for a tier that ran no
# test, just above the closing count, could be read as the whole run's.
[ "${SLIMHV_SOAK:-0}" = 1 ] ||
	echo "The soaks ran at 20 in the lab tier; at their full counts (half an hour) they are make soak, or SLIMHV_SOAK=1."
echo "summary of the tiers:"
for line in "${summary[@]}"; do
	echo "  $line"
done
if [ ${#flaky[@]} -gt 0 ]; then
	echo "flaky (failed once, passed when run again; counted as passed):"
	printf '%s\n' "${flaky[@]}"
fi
echo "check: $total_passed passed, $total_failed failed"
exit $status
