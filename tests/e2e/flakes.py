#!/usr/bin/env python3
"""The flake meter (make lab-flakes): each lab test N times, no retry.

  flakes.py [-n N] [--no-qemu] [--label TEXT] [PATTERN...]

Runs every lab test whose name contains one of the PATTERNs (all of them
without one) N times in a row, and then, for each that has a twin under
QEMU as the nested VMM (run.py, TWINS), the twin N times: the same lab
machine, host kernel, guest and devices with QEMU in slimhv's place.
Prints, per test and VMM, the passes, the failures with the first line of
each failure's reason and what the harness saw of the lab machine, and the
failures per hour of lab time; and writes the same as JSON to
images/logs/flakes/. The lab machine is the one scripts/lab.sh starts, so
LAB_KVM, LAB_APPEND, LAB_QEMU, LAB_ACCEL and LAB_CPU choose the lab
measured.

A test that fails markedly more under slimhv than its twin under QEMU
points at slimhv, not at the lab."""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import run  # noqa: E402
from lab import IMAGES  # noqa: E402


def lab_description():
    qemu = os.environ.get("LAB_QEMU", "qemu-system-x86_64")
    try:
        version = subprocess.run([qemu, "--version"], capture_output=True,
                                 text=True, timeout=30).stdout.split("\n")[0]
    except OSError as e:
        version = f"{qemu}: {e.strerror}"
    return {
        "qemu": version,
        "accel": os.environ.get("LAB_ACCEL", "tcg,thread=multi"),
        "cpu": os.environ.get("LAB_CPU", "EPYC"),
        "append": " ".join(filter(None, (
            os.environ.get("LAB_KVM", "kvm_amd.vgif=0"),
            os.environ.get("LAB_APPEND", "")))),
    }


def measure(fn, runs, label):
    """@fn @runs times: a dict of its passes, failures and lab time."""
    result = {"runs": 0, "passed": 0, "failures": [], "seconds": 0.0}
    for i in range(1, runs + 1):
        try:
            err, secs = run.run_one(fn)
        except run.Skip as e:
            print(f"  skip {fn.__name__}: {e}", flush=True)
            return None
        result["runs"] += 1
        result["seconds"] += secs
        if err is None:
            result["passed"] += 1
            print(f"  pass {label} {fn.__name__} run {i} ({secs:.0f} s)",
                  flush=True)
            continue
        kept = run.keep_logs(f"flake{i}")
        why = run.first_line(err)
        diag = getattr(err, "diagnosis", None)
        result["failures"].append({"run": i, "why": why, "lab": diag,
                                   "logs": kept})
        print(f"  FAIL {label} {fn.__name__} run {i} ({secs:.0f} s): {why}"
              + (f" [lab machine: {diag}]" if diag else ""), flush=True)
    return result


def per_hour(results):
    fails = sum(len(r["failures"]) for r in results)
    hours = sum(r["seconds"] for r in results) / 3600
    return fails, hours


def table(lab, rows):
    print()
    print(f"lab machine: {lab['qemu']}, -accel {lab['accel']}, -cpu "
          f"{lab['cpu']}, host parameters: {lab['append'] or '(none)'}")
    print(f"  {'test':<50} {'VMM':<7} {'runs':>4} {'pass':>4} {'fail':>4} "
          f"{'lab min':>7}")
    for name, vmm, r in rows:
        print(f"  {name:<50} {vmm:<7} {r['runs']:>4} {r['passed']:>4} "
              f"{len(r['failures']):>4} {r['seconds'] / 60:>7.1f}")
        for f in r["failures"]:
            print(f"      run {f['run']}: {f['why']}"
                  + (f" [lab machine: {f['lab']}]" if f["lab"] else ""))
    for vmm in ("slimhv", "qemu"):
        rs = [r for _, v, r in rows if v == vmm]
        if rs:
            fails, hours = per_hour(rs)
            print(f"  {vmm}: {fails} failures in {hours:.2f} h of lab time"
                  + (f": {fails / hours:.1f} per hour" if hours else ""))
    twins = [(n, r) for n, v, r in rows if v == "slimhv"
             and any(n2 == n and v2 == "qemu" for n2, v2, _ in rows)]
    if twins:
        s_f, s_h = per_hour([r for _, r in twins])
        q_f, q_h = per_hour([r for n, v, r in rows if v == "qemu"])
        print(f"  the tests with a twin: slimhv {s_f} failures in {s_h:.2f} h,"
              f" QEMU {q_f} in {q_h:.2f} h")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=10, help="runs of each test")
    ap.add_argument("--no-qemu", action="store_true",
                    help="skip the QEMU twins")
    ap.add_argument("--label", default="", help="a name for this lab")
    ap.add_argument("patterns", nargs="*")
    args = ap.parse_args()
    tests = [fn for fn in run.TESTS["lab"]
             if not args.patterns
             or any(p in fn.__name__ for p in args.patterns)]
    if not tests:
        print("flakes: no lab test matches", " ".join(args.patterns))
        return 2
    lab = lab_description()
    lab["label"] = args.label
    rows = []
    for fn in tests:
        r = measure(fn, args.n, "slimhv")
        if r:
            rows.append((fn.__name__, "slimhv", r))
    if not args.no_qemu:
        for fn in tests:
            twin = run.TWINS.get(fn.__name__)
            if twin:
                r = measure(twin, args.n, "qemu")
                if r:
                    rows.append((fn.__name__, "qemu", r))
    table(lab, rows)
    out = os.path.join(IMAGES, "logs", "flakes")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, time.strftime("%Y%m%d-%H%M%S") + ".json")
    with open(path, "w") as f:
        json.dump({"lab": lab, "n": args.n,
                   "rows": [{"test": n, "vmm": v, **r} for n, v, r in rows]},
                  f, indent=1)
    print(f"  (written to {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
