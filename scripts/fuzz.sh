#!/bin/bash
# Runs the libFuzzer harnesses of tests/fuzz/ (built by `make fuzzers`
# into images/fuzz/).
#
#   fuzz.sh run [NAME...]     fuzz each harness for FUZZ_TIME seconds (300),
#                             FUZZ_JOBS of them at a time (one per CPU)
#   fuzz.sh replay [NAME...]  run every file of the corpora once
#
# NAME is a harness (config, bzimage, vdev, ...); the default is all. The
# corpora in tests/fuzz/corpus/NAME/ are only read: a run writes its new
# inputs to a temporary folder, removed afterwards, unless FUZZ_MERGE=1,
# which merges into the corpus the few of them that add coverage
# (libFuzzer's -merge=1). A crash or a broken invariant fails the run and
# leaves the input in images/fuzz/crashes/ and the log in images/fuzz/logs/;
# `images/fuzz/fuzz_NAME FILE` replays it.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mode=${1:-}
shift || true
case "$mode" in
run | replay) ;;
*)
	echo "usage: fuzz.sh run|replay [NAME...]" >&2
	exit 2
	;;
esac

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		n=${f#tests/fuzz/fuzz_}
		names+=("${n%.c}")
	done
fi
time_each=${FUZZ_TIME:-300}
merge=${FUZZ_MERGE:-0}
out=images/fuzz
mkdir -p "$out/crashes" "$out/logs"
# UBSan stops at its first report (the build does not recover): with a trace.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

status=0
total_runs=0
passed=0
failed=0

# The crash report of a failed run: the sanitizer's or the invariant's lines.
show_failure() {
	local log=$1
	grep -E 'invariant broken|runtime error|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|SUMMARY|Test unit written|^    #[0-9] ' \
		"$log" | head -n 20 | sed 's/^/    /'
	echo "    log: $log"
}

# "stat::number_of_executed_units: N" and the last "cov: N ft: N corp: N/..."
report() {
	local name=$1 log=$2 secs=$3 result=$4 runs cov ft corp
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	corp=$(grep -o 'corp: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	printf '  fuzz_%-10s %4d s %10s execs  cov %-5s ft %-6s corpus %-5s %s\n' \
		"$name" "$secs" "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
}

fuzz_one() {
	local name=$1 bin=$out/fuzz_$1 corpus=tests/fuzz/corpus/$1
	local log=$out/logs/$1.log new t0 rc
	new=$(mktemp -d "${TMPDIR:-/tmp}/slimhv-fuzz-$name.XXXXXX")
	t0=$SECONDS
	"$bin" -max_total_time="$time_each" -print_final_stats=1 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$out/crashes/$name-" \
		"$new" "$corpus" >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		report "$name" "$log" $((SECONDS - t0)) "FAILED (exit $rc)"
		show_failure "$log"
	else
		report "$name" "$log" $((SECONDS - t0)) ok
		if [ "$merge" = 1 ]; then
			local before after
			before=$(find "$corpus" -type f | wc -l)
			"$bin" -merge=1 "$corpus" "$new" >"$out/logs/$name-merge.log" 2>&1 ||
				echo "    merge failed: $out/logs/$name-merge.log"
			after=$(find "$corpus" -type f | wc -l)
			echo "    merged $((after - before)) new inputs into $corpus"
		fi
	fi
	rm -rf "$new"
	return $((rc != 0))
}

# Each harness is single-threaded: FUZZ_JOBS of them run side by side, each
# for its full time, their reports printed in order once all have ended.
fuzz_all() {
	local jobs=${FUZZ_JOBS:-$(nproc)} name res runs
	for name in "$@"; do
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n
		done
		res=$out/logs/$name.result
		(
			fuzz_one "$name"
			echo $? >"$res.rc"
		) >"$res" 2>&1 &
	done
	wait
	for name in "$@"; do
		res=$out/logs/$name.result
		cat "$res"
		if [ "$(cat "$res.rc" 2>/dev/null)" = 0 ]; then
			passed=$((passed + 1))
		else
			status=1
			failed=$((failed + 1))
		fi
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
			"$out/logs/$name.log" | tail -n 1)
		total_runs=$((total_runs + ${runs:-0}))
		rm -f "$res" "$res.rc"
	done
}

replay_one() {
	local name=$1 bin=$out/fuzz_$1 corpus=tests/fuzz/corpus/$1
	local log=$out/logs/$1-replay.log files
	mapfile -t files < <(find "$corpus" -type f ! -name '.*' | sort)
	if [ ${#files[@]} -eq 0 ]; then
		echo "  fuzz_$name: no corpus in $corpus"
		status=1
		failed=$((failed + 1))
		return
	fi
	if "$bin" -timeout=10 -rss_limit_mb=2048 "${files[@]}" >"$log" 2>&1; then
		printf '  fuzz_%-10s %4d inputs ok\n' "$name" ${#files[@]}
		passed=$((passed + 1))
	else
		printf '  fuzz_%-10s %4d inputs FAILED\n' "$name" ${#files[@]}
		show_failure "$log"
		status=1
		failed=$((failed + 1))
	fi
}

built=()
for name in "${names[@]}"; do
	if [ ! -x "$out/fuzz_$name" ]; then
		echo "  fuzz_$name: $out/fuzz_$name is not built (make fuzzers)"
		status=1
		failed=$((failed + 1))
	elif [ "$mode" = run ]; then
		built+=("$name")
	else
		replay_one "$name"
	fi
done
if [ "$mode" = run ]; then
	[ ${#built[@]} -gt 0 ] && fuzz_all "${built[@]}"
	echo "fuzz: ${#names[@]} harnesses, $time_each s each, $total_runs inputs executed in all"
fi
# One harness, one test: the line scripts/check.sh counts.
echo "fuzz-$mode: $passed passed, $failed failed"
exit $status
