#!/usr/bin/env python3
"""slimhv's end-to-end tests.

  run.py cli   the slimhv binary's bad-input handling, run on this machine
  run.py lab   the appliance booted in the QEMU lab machine

Prints one line per test and ends with "N passed, N failed"."""

import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from lab import (GUEST_DEADLINE, HOST_DEADLINE, IMAGES, Lab,  # noqa: E402
                 check_no_panic)

SLIMHV = os.path.join(IMAGES, "slimhv")
GUEST_KERNEL = os.path.join(IMAGES, "guest", "bzImage")
TESTS = {"cli": [], "lab": []}


def test(tier):
    def register(fn):
        TESTS[tier].append(fn)
        return fn
    return register


def slimhv(*args, timeout=60):
    p = subprocess.run([SLIMHV, *args], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def expect_refusal(args, message):
    rc, out = slimhv(*args)
    assert rc == 2, f"slimhv {' '.join(args)}: exit {rc}, wanted 2\n{out}"
    assert message in out, f"slimhv {' '.join(args)}: {message!r} not in:\n{out}"
    assert out.count("\n") <= 3, f"more than a short message:\n{out}"


# --- cli: bad input to `slimhv run`, no KVM needed -------------------------

@test("cli")
def cli_unknown_option():
    expect_refusal(["run", "--kernel", GUEST_KERNEL, "--bogus"],
                   "unknown option '--bogus'")


@test("cli")
def cli_unknown_command():
    rc, out = slimhv("frobnicate")
    assert rc == 2 and "unknown command 'frobnicate'" in out, out


@test("cli")
def cli_missing_kernel_file():
    expect_refusal(["run", "--kernel", "/nonexistent/bzImage"],
                   "kernel /nonexistent/bzImage: No such file or directory")


@test("cli")
def cli_kernel_option_required():
    expect_refusal(["run", "--mem", "512M"], "--kernel is required")


@test("cli")
def cli_not_a_bzimage():
    expect_refusal(["run", "--kernel", SLIMHV], "not a bzImage")


@test("cli")
def cli_empty_kernel_file():
    path = os.path.join(IMAGES, "obj", "empty-kernel")
    open(path, "w").close()
    expect_refusal(["run", "--kernel", path], "the file is empty")


@test("cli")
def cli_more_memory_than_host():
    with open("/proc/meminfo") as f:
        total_kb = int(f.readline().split()[1])
    want_g = total_kb // (1024 * 1024) + 2
    expect_refusal(["run", "--kernel", GUEST_KERNEL, "--mem", f"{want_g}G"],
                   "is more than the host's")


@test("cli")
def cli_bad_memory_size():
    expect_refusal(["run", "--kernel", GUEST_KERNEL, "--mem", "12Q"], "--mem")


@test("cli")
def cli_bad_cpus():
    expect_refusal(["run", "--kernel", GUEST_KERNEL, "--cpus", "0"], "--cpus")


@test("cli")
def cli_missing_initrd():
    expect_refusal(["run", "--kernel", GUEST_KERNEL, "--initrd", "/nope"],
                   "initrd /nope: No such file or directory")


@test("cli")
def cli_help():
    rc, out = slimhv("run", "--help")
    assert rc == 0 and "--kernel" in out and "--mem" in out, out


# --- lab: the appliance in the emulated bare-metal machine ----------------

def boot_markers(lab):
    lab.expect(r"Linux version 6\.", HOST_DEADLINE, "the host kernel")
    lab.expect(r"slimhv: slimhv starting as PID 1", HOST_DEADLINE,
               "slimhv as PID 1")
    lab.expect(r"slimhv: ready: ", HOST_DEADLINE, "slimhv ready")


@test("lab")
def lab_boot_guest_and_power_off():
    with Lab("boot", append="slimhv.config=/etc/slimhv/e2e-boot.dtb") as lab:
        boot_markers(lab)
        lab.expect(r"slimhv\[dom0\]: dom0: starting 2 vCPUs", HOST_DEADLINE)
        lab.expect(r"boot timer: guest init \d+ reached", GUEST_DEADLINE,
                   "the boot timer")
        lab.expect(r"slimhv-guest: init reached", GUEST_DEADLINE,
                   "the guest's init marker")
        m = lab.expect(r"slimhv-guest: cpus=(\d+)", 30)
        assert m.group(1) == "2", f"the guest sees {m.group(1)} CPUs, wanted 2"
        lab.expect(r"slimhv: domain dom0 ended: the guest powered off", 60)
        lab.expect(r"powering off the host", 30)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}, wanted 0 (a clean poweroff)"


@test("lab")
def lab_console_input_and_guest_reboot():
    """The default appliance: typing reaches the guest's shell through the
    host console and the UART; a guest reboot boots it again."""
    with Lab("console-reboot") as lab:
        boot_markers(lab)
        lab.expect(r"slimhv-guest: shell ready", GUEST_DEADLINE)
        lab.expect(r"guest# ", 60, "the guest's shell prompt")
        lab.send("echo typed-$((6 * 7))\n")
        lab.expect(r"typed-42", 60, "the shell's answer")
        lab.send("reboot -f\n")
        lab.expect(r"slimhv\[dom0\]: dom0: rebooting", 60)
        lab.expect(r"slimhv\[dom0\]: dom0: starting 2 vCPUs", 60)
        lab.expect(r"slimhv-guest: shell ready", GUEST_DEADLINE,
                   "the guest's init after the reboot")
        lab.expect(r"guest# ", 60)
        lab.send("poweroff -f\n")
        lab.expect(r"slimhv: domain dom0 ended: the guest powered off", 60)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}"


@test("lab")
def lab_bad_domains_are_refused_host_stays_up():
    """Three broken domains beside a good one: each gets its one-line
    refusal, PID 1 survives, and the good domain still boots."""
    with Lab("bad-domains",
             append="slimhv.config=/etc/slimhv/e2e-bad-domains.dtb") as lab:
        boot_markers(lab)
        want = [
            r"slimhv\[nokernel\]: error: nokernel: kernel /guest/missing-bzImage: No such file or directory",
            r"slimhv\[notbzimage\]: error: notbzimage: kernel /etc/profile: not a bzImage",
            r"slimhv\[toobig\]: error: toobig: guest memory of 65536 MiB is more than the host's \d+ MiB of RAM",
        ]
        for rx in want:
            lab.expect(rx, HOST_DEADLINE)
            lab.pos = 0	# the three come in any order
        for name in ("nokernel", "notbzimage", "toobig"):
            lab.expect(rf"slimhv: domain {name} ended: the domain could not start",
                       HOST_DEADLINE)
            lab.pos = 0
        lab.expect(r"slimhv-guest: init reached", GUEST_DEADLINE,
                   "the good domain's init")
        lab.expect(r"powering off the host", 60)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}"


@test("lab")
def lab_malformed_config_gives_rescue_shell():
    """A configuration with errors: the file, node and reason are named,
    no domain starts, and the rescue shell works."""
    with Lab("malformed-config",
             append="slimhv.config=/etc/slimhv/e2e-malformed.dtb") as lab:
        lab.expect(r"slimhv: slimhv starting as PID 1", HOST_DEADLINE)
        lab.expect(r"slimhv: error: /etc/slimhv/e2e-malformed.dtb: /domains/dom0: .*memroy",
                   HOST_DEADLINE, "the config error naming file, node and property")
        lab.expect(r"starting the rescue shell", 30)
        lab.expect(r"slimhv rescue shell", 30)
        time.sleep(1)
        lab.send("echo rescue-$((6 * 7))\n")
        lab.expect(r"rescue-42", 60, "the rescue shell's answer")
        lab.send("exit\n")
        lab.expect(r"powering off the host: the rescue shell exited", 60)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}"


@test("lab")
def lab_garbage_config_file():
    """A file that is not a device tree at all."""
    with Lab("garbage-config", append="slimhv.config=/etc/profile") as lab:
        lab.expect(r"slimhv: error: /etc/profile: .*", HOST_DEADLINE,
                   "the config error")
        lab.expect(r"starting the rescue shell", 30)
        lab.expect(r"slimhv rescue shell", 30)
        time.sleep(1)
        lab.send("exit\n")
        lab.expect(r"powering off the host", 60)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}"


def main():
    tiers = sys.argv[1:] or ["cli", "lab"]
    only = os.environ.get("E2E_ONLY")
    passed = failed = 0
    for tier in tiers:
        for fn in TESTS[tier]:
            if only and only not in fn.__name__:
                continue
            t0 = time.monotonic()
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - report every failure
                failed += 1
                print(f"FAIL {fn.__name__} ({time.monotonic() - t0:.1f} s)")
                if isinstance(e, AssertionError):
                    print("    " + str(e).replace("\n", "\n    "))
                else:
                    traceback.print_exc()
            else:
                passed += 1
                print(f"ok   {fn.__name__} ({time.monotonic() - t0:.1f} s)")
            sys.stdout.flush()
    print(f"{'+'.join(tiers)}: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
