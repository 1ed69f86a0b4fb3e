#!/usr/bin/env python3
"""slimhv's end-to-end tests.

  run.py cli   the slimhv binary's bad-input handling, run on this machine
  run.py lab   the appliance booted in the QEMU lab machine

Prints one line per test and ends with "N passed, N failed"."""

import os
import re
import shutil
import struct
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(__file__))
from lab import (GUEST_DEADLINE, HOST_DEADLINE, IMAGES, Lab,  # noqa: E402
                 check_no_panic)
from ptserver import DATA_LINES, PtServer, gen_data, sha256  # noqa: E402

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
        lab.expect(r"slimhv\[dom0\]: dom0: seccomp filter on \(forbidden "
                   r"calls kill the VMM\): \d+ system calls allowed",
                   HOST_DEADLINE, "the VMM entering its seccomp filter")
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


@test("lab")
def lab_seccomp_forbidden_call_kills_the_vmm():
    """slimhv.seccomp_selftest=dom0: right after entering its filter,
    dom0's VMM makes a forbidden system call. It dies of SIGSYS, PID 1
    says so and applies the restart policy; the restarted VMM (no
    selftest) boots the guest under the filter, and the host stays up."""
    with Lab("seccomp-selftest",
             append="slimhv.config=/etc/slimhv/e2e-seccomp.dtb "
                    "slimhv.seccomp_selftest=dom0") as lab:
        boot_markers(lab)
        lab.expect(r"slimhv\[dom0\]: dom0: seccomp filter on \(forbidden "
                   r"calls kill the VMM\)", HOST_DEADLINE)
        lab.expect(r"slimhv\[dom0\]: dom0: seccomp selftest: making a "
                   r"forbidden system call", 30)
        lab.expect(r"slimhv: domain dom0 ended: its VMM made a forbidden "
                   r"system call \(SIGSYS\)", 60, "PID 1 reporting SIGSYS")
        lab.expect(r"slimhv: domain dom0: restarting \(restart 1\)", 30)
        lab.expect(r"slimhv\[dom0\]: dom0: seccomp filter on", 60,
                   "the restarted VMM entering its filter")
        lab.expect(r"slimhv-guest: init reached", GUEST_DEADLINE,
                   "the guest's init after the restart")
        lab.expect(r"slimhv: domain dom0 ended: the guest powered off", 60)
        lab.expect(r"slimhv: domain dom0: restarting \(restart 2\)", 30,
                   "PID 1 still supervising")
        check_no_panic(lab)
        assert lab.seen(r"making a forbidden system call") and \
            lab.text.count("seccomp selftest: making") == 1, \
            "the selftest ran more than once"


@test("lab")
def lab_seccomp_log_mode():
    """slimhv.seccomp=log, the debugging mode: the selftest's forbidden
    call is printed with its number (110, getppid) and fails, the VMM
    goes on and the guest boots and powers off."""
    with Lab("seccomp-log",
             append="slimhv.config=/etc/slimhv/e2e-boot.dtb "
                    "slimhv.seccomp=log slimhv.seccomp_selftest=dom0") as lab:
        boot_markers(lab)
        lab.expect(r"slimhv\[dom0\]: dom0: seccomp filter on \(log mode\)",
                   HOST_DEADLINE)
        lab.expect(r"seccomp \(log mode\): forbidden system call 110\n", 30,
                   "the logged forbidden call")
        lab.expect(r"slimhv-guest: init reached", GUEST_DEADLINE)
        lab.expect(r"slimhv: domain dom0 ended: the guest powered off", 60)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert lab.seen(r"slimhv: warning: slimhv\.seccomp=log: "), \
            "PID 1 did not warn about the log mode"
        assert rc == 0, f"QEMU exit status {rc}"


# --- lab: device passthrough (DESIGN.md section 5) -------------------------
#
# The guest's side is initramfs/guest/slimhv-pt-check; the server and the
# test data are in ptserver.py. Each test gets a fresh disk image and a
# server on a free port, which the guest learns from the lab's DHCP lease.

BDF = r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]"
LAB_NVME = "1b36:0010"      # QEMU's nvme
LAB_NIC = "8086:10d3"       # QEMU's e1000e
DISKS = os.path.join(IMAGES, "disks")

# A line that ends a passthrough test's wait at once, with that line as the
# reason, rather than at a deadline.
PT_FAILURES = (
    r"slimhv(?:\[[\w-]+\])?: error: .*",
    r"slimhv: domain \S+ ended: (?!the guest powered off).*",
    r"slimhv-guest: .*FAILED.*",
    r"Kernel panic.*",
    r"Attempted to kill init.*",
)


def expect_ok(lab, pattern, timeout, what=None, failures=PT_FAILURES):
    """lab.expect(@pattern), failing at the first line that matches one of
    @failures on the way. Returns the match of @pattern alone."""
    what = what or repr(pattern)
    # A failure is a whole line: the console arrives in pieces.
    bad = "|".join(f"(?:{f})" for f in failures)
    m = lab.expect(f"(?P<want>{pattern})|(?P<bad>{bad})\n", timeout, what)
    if m.group("bad") is not None:
        lab._fail(f"{lab.name}: waiting for {what}: {m.group('bad').strip()!r}")
    return re.compile(pattern, re.M).match(m.group("want"))


def fresh_disk(name, size=256 << 20):
    os.makedirs(DISKS, exist_ok=True)
    path = os.path.join(DISKS, name + ".img")
    if os.path.exists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def e2fs_tool(name):
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.access(p, os.X_OK)),
        None)
    assert path, f"{name} not found: install e2fsprogs"
    return path


def read_image_file(disk, path):
    """The file @path in the ext2/3/4 file system on the image @disk."""
    p = subprocess.run([e2fs_tool("debugfs"), "-R", f"cat {path}", disk],
                       capture_output=True, timeout=120)
    err = p.stderr.decode(errors="replace")
    assert p.returncode == 0 and "not found" not in err and \
        "Bad magic" not in err, f"debugfs cat {path} on {disk}: {err.strip()}"
    return p.stdout


def check_disk_image(disk, boots):
    """After QEMU has exited: the file system on @disk is clean, holds
    /data.bin as the guest wrote it and counts @boots checks."""
    p = subprocess.run([e2fs_tool("e2fsck"), "-fn", disk],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, \
        f"e2fsck -fn {disk}: status {p.returncode}\n{p.stdout}{p.stderr}"
    data = read_image_file(disk, "/data.bin")
    want = gen_data("slimhv", DATA_LINES)
    if data != want:
        first = next((i for i, (a, b) in enumerate(zip(data, want)) if a != b),
                     min(len(data), len(want)))
        raise AssertionError(
            f"{disk}: /data.bin read from outside differs from what the guest "
            f"wrote: {len(data)} bytes (want {len(want)}), first difference "
            f"at byte {first}")
    count = read_image_file(disk, "/boot-count").decode().strip()
    assert count == str(boots), \
        f"{disk}: /boot-count is {count!r}, wanted {boots}"


# The host kernel's late messages can cut into slimhv's lines on the shared
# console ("slimhv[dom0]: 00[    1.49] ACPI: ...\n00:00:03.0 [1b36:..."):
# expect_lines() takes them out before matching the lines that come early.
KERNEL_LINE = re.compile(r"\[\s*\d+\.\d+\] [^\n]*\n")


def expect_lines(lab, wanted, timeout, stop, doing):
    """Wait for every (regex, description) of @wanted after lab.pos, in
    any order, in the console without the host kernel's lines. Fails at
    once when @stop (a regex on the raw console) matches first, when QEMU
    exits, or at the deadline. lab.pos does not move."""
    start = lab.pos
    wanted = [(re.compile(rx), what) for rx, what in wanted]
    stop = re.compile(stop)
    deadline = time.monotonic() + timeout
    with lab.cond:
        while True:
            text = KERNEL_LINE.sub("", lab.text[start:])
            missing = [what for rx, what in wanted if not rx.search(text)]
            if not missing:
                return
            why = stop.search(lab.text, start)
            if why:
                why = f"{why.group(0).strip()!r} came first"
            elif lab.eof:
                why = "QEMU exited"
            elif time.monotonic() > deadline:
                why = f"not within {timeout} s"
            if why:
                lab._fail(f"{lab.name}: {doing}: no {' and no '.join(missing)}: {why}")
            lab.cond.wait(1.0)


# What ends the wait for slimhv's early lines: an error, a domain's end.
EARLY_STOP = (r"slimhv(?:\[[\w-]+\])?: error: [^\n]*\n|"
              r"slimhv: domain \S+ ended: [^\n]*\n")


def expect_assigned(lab, dom):
    """slimhv's line for each of the lab's two devices, in either order,
    before the guest runs."""
    expect_lines(
        lab,
        [(rf"slimhv\[{dom}\]: {BDF} \[{dev_id}\] assigned as guest "
          r"00:[0-9a-f]{2}\.0", f"line for {what} [{dev_id}]")
         for dev_id, what in ((LAB_NVME, "the NVMe"), (LAB_NIC, "the NIC"))],
        HOST_DEADLINE, r"slimhv-guest: init reached|" + EARLY_STOP,
        f"slimhv assigning the devices to {dom}")


def expect_domain_refused(lab, dom, refusal, what):
    """@dom refused with the line @refusal, then ended as unable to start."""
    expect_lines(
        lab,
        [(refusal, f"line {what!r}"),
         (rf"slimhv: domain {dom} ended: the domain could not start",
          f"line 'slimhv: domain {dom} ended: the domain could not start'")],
        HOST_DEADLINE,
        r"slimhv-guest: init reached|"
        rf"slimhv: domain (?!{dom} )\S+ ended: [^\n]*\n",
        f"refusing {dom}")


def expect_pt_check(lab, boot, mode):
    """The guest's markers for one run of slimhv-pt-check."""
    want_sha = sha256(gen_data("slimhv", DATA_LINES))
    expect_ok(lab, r"slimhv-guest: init reached", GUEST_DEADLINE,
              f"the guest's init (boot {boot})")
    expect_ok(lab, r"slimhv-guest: disk found /dev/nvme\d+n1", 60,
              f"the guest finding the NVMe namespace (boot {boot})")
    m = expect_ok(lab, r"slimhv-guest: disk sha256=([0-9a-f]{64})", 120,
                  f"the guest's sha256 of /data.bin (boot {boot})")
    assert m.group(1) == want_sha, \
        f"boot {boot}: the guest read /data.bin with sha256 {m.group(1)}, want {want_sha}"
    expect_ok(lab, rf"slimhv-guest: disk ok \({mode}, .*boot-count={boot}\)",
              120, f"the disk check (boot {boot})")
    expect_ok(lab, r"slimhv-guest: net up \S+", 90,
              f"the guest's DHCP lease (boot {boot})")
    expect_ok(lab, r"slimhv-guest: net ok", 120,
              f"the guest's exchange with the server (boot {boot})")
    expect_ok(lab, r"slimhv-guest: ptcheck passed", 30, "the check's verdict")


# An ivshmem-plain device: a 64 MiB 64-bit prefetchable BAR2 backed by a file
# the test reads afterwards. The guest's check writes SHM_WORDS words
# 0x5117c000 + i at its start (initramfs/guest/slimhv-pt-check).
SHM_SIZE = 64 << 20
SHM_WORDS = 16


def shm_device(name):
    """QEMU arguments for the lab's ivshmem and the path of its backing
    file (created afresh)."""
    path = os.path.join(DISKS, name + "-shm.bin")
    os.makedirs(DISKS, exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    return ["-object", f"memory-backend-file,id=shm0,size={SHM_SIZE},"
            f"mem-path={path},share=on",
            "-device", "ivshmem-plain,memdev=shm0"], path


def expect_shm(lab):
    """After expect_pt_check(): the guest found the ivshmem BAR above 4 GiB
    and wrote through it (its line comes before the disk check's)."""
    assert lab.seen(r"^slimhv-guest: shm ok BAR2 0x[0-9a-f]+ 67108864$"), \
        "no 'slimhv-guest: shm ok' line: " + \
        ("; ".join(re.findall(r"slimhv-guest: shm .*", lab.text)) or "nothing")


def check_shm(path):
    """After QEMU has exited: the guest's words are in the backing file."""
    with open(path, "rb") as f:
        words = struct.unpack(f"<{SHM_WORDS}I", f.read(4 * SHM_WORDS))
    want = tuple(0x5117c000 + i for i in range(SHM_WORDS))
    assert words == want, \
        f"{path}: the ivshmem memory holds {[hex(w) for w in words]}, want {[hex(w) for w in want]}"


IRQ_LINE = re.compile(r"slimhv-guest: irq (\S+) (\S+) (\d+)\n")


def check_irqs(lab, chip):
    """The guest's interrupt lines for the NVMe and the NIC (printed by
    slimhv-pt-check) all come from @chip (a regex), and each device got
    interrupts through them."""
    lines = IRQ_LINE.findall(lab.text)
    assert lines, "the guest printed no interrupt lines"
    wrong = [f"{name} on {c}" for name, c, _ in lines if not re.fullmatch(chip, c)]
    assert not wrong, f"interrupts not on {chip}: {', '.join(wrong)}"
    for dev in ("nvme", "eth"):
        n = sum(int(count) for name, _, count in lines if name.startswith(dev))
        assert n > 0, f"no interrupts from {dev} on {chip}: {lines}"


class ServerNotes:
    """On a failure, add what the test server saw to the message."""

    def __init__(self, server):
        self.server = server

    def __enter__(self):
        return self

    def __exit__(self, typ, exc, tb):
        if typ is not None and issubclass(typ, AssertionError):
            raise AssertionError(
                f"{exc}\n--- the test server saw: {self.server.summary()}") from None


def check_server(server, boots):
    errors = server.of("error") + server.of("unknown")
    assert not errors, f"the test server saw: {errors}"
    gets, puts = server.of("get"), server.of("put")
    assert len(gets) == boots and len(puts) == boots, \
        f"the server got {len(gets)} get and {len(puts)} put requests, wanted {boots} each"
    for i, put in enumerate(puts):
        assert put["ok"], f"put {i + 1}: {put['why']}"
        assert put["data"] == server.expect_put, f"put {i + 1}: wrong bytes"


@test("lab")
def lab_passthrough_disk_and_net():
    """dom0 owns the NVMe and the NIC: it makes a file system and writes
    /data.bin, reads it back after a remount, gets a DHCP lease and swaps
    payloads with the test's server; after QEMU exits, the disk image is
    read from outside."""
    disk = fresh_disk("passthrough")
    shm_args, shm = shm_device("passthrough")
    with PtServer() as server, \
            Lab("passthrough", disk=disk, net_opts=server.net_opts(),
                qemu_args=shm_args,
                append="slimhv.config=/etc/slimhv/e2e-passthrough.dtb") as lab, \
            ServerNotes(server):
        boot_markers(lab)
        expect_assigned(lab, "dom0")
        expect_pt_check(lab, 1, "full")
        expect_shm(lab)
        check_irqs(lab, r"PCI-MSIX-[0-9a-f:.]+")
        expect_ok(lab, r"slimhv: domain dom0 ended: the guest powered off", 60,
                  "dom0 powering off")
        lab.expect(r"powering off the host", 30)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}, wanted 0 (a clean poweroff)"
        check_server(server, 1)
    check_disk_image(disk, 1)
    check_shm(shm)


@test("lab")
def lab_passthrough_amd_iommu_legacy_container():
    """The other IOMMU and the other VFIO API: the lab with an AMD IOMMU
    (amd-iommu, interrupt remapping on) and slimhv.vfio=container, so that
    slimhv takes the legacy group/container (type1) path that serves hosts
    without iommufd. Same guest checks as lab_passthrough_disk_and_net."""
    disk = fresh_disk("passthrough-amd-container")
    shm_args, shm = shm_device("passthrough-amd-container")
    with PtServer() as server, \
            Lab("passthrough-amd-container", iommu="amd", disk=disk,
                net_opts=server.net_opts(), qemu_args=shm_args,
                append="slimhv.config=/etc/slimhv/e2e-passthrough.dtb "
                       "slimhv.vfio=container") as lab, \
            ServerNotes(server):
        boot_markers(lab)
        expect_assigned(lab, "dom0")
        expect_ok(lab, r"slimhv\[dom0\]: dom0: VFIO through the legacy type1 "
                  r"container", 60, "slimhv using the container API")
        expect_pt_check(lab, 1, "full")
        expect_shm(lab)
        check_irqs(lab, r"PCI-MSIX-[0-9a-f:.]+")
        expect_ok(lab, r"slimhv: domain dom0 ended: the guest powered off", 60,
                  "dom0 powering off")
        lab.expect(r"powering off the host", 30)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}, wanted 0 (a clean poweroff)"
        check_server(server, 1)
    check_disk_image(disk, 1)
    check_shm(shm)


@test("lab")
def lab_passthrough_intx():
    """As lab_passthrough_disk_and_net with the guest kernel's MSI and
    MSI-X off (pci=nomsi): both devices interrupt through INTx, which
    slimhv feeds to KVM by an irqfd with a resample eventfd."""
    disk = fresh_disk("passthrough-intx")
    with PtServer() as server, \
            Lab("passthrough-intx", disk=disk, net_opts=server.net_opts(),
                append="slimhv.config=/etc/slimhv/e2e-passthrough-intx.dtb") as lab, \
            ServerNotes(server):
        boot_markers(lab)
        expect_assigned(lab, "dom0")
        expect_pt_check(lab, 1, "full")
        check_irqs(lab, r"IO-APIC")
        expect_ok(lab, r"slimhv: domain dom0 ended: the guest powered off", 60,
                  "dom0 powering off")
        lab.expect(r"powering off the host", 30)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}, wanted 0 (a clean poweroff)"
        check_server(server, 1)
    check_disk_image(disk, 1)


@test("lab")
def lab_passthrough_survives_reboots():
    """The guest reboots twice; each boot (a new VM, the devices reset)
    finds /data.bin intact, bumps the disk's boot count and reaches the
    server again."""
    disk = fresh_disk("passthrough-reboot")
    with PtServer() as server, \
            Lab("passthrough-reboot", disk=disk, net_opts=server.net_opts(),
                append="slimhv.config=/etc/slimhv/e2e-passthrough-reboot.dtb") as lab, \
            ServerNotes(server):
        boot_markers(lab)
        expect_assigned(lab, "dom0")
        for boot in (1, 2, 3):
            expect_ok(lab, r"slimhv\[dom0\]: dom0: starting 2 vCPUs, 1024 MiB "
                      r"in 2 MiB pages", 60, f"slimhv starting dom0 (boot {boot})")
            expect_pt_check(lab, boot, "full" if boot == 1 else "verify")
            if boot < 3:
                expect_ok(lab, rf"slimhv-guest: rebooting \(boot {boot} of 3\)", 30)
                expect_ok(lab, r"slimhv\[dom0\]: dom0: rebooting", 60,
                          f"slimhv seeing reboot {boot}")
        expect_ok(lab, r"slimhv: domain dom0 ended: the guest powered off", 60,
                  "dom0 powering off")
        lab.expect(r"powering off the host", 30)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}"
        check_server(server, 3)
    check_disk_image(disk, 3)


@test("lab")
def lab_passthrough_refusals():
    """A device the machine does not have, then a machine without an IOMMU:
    the domain is refused with the reason, alone; the device-less domain
    boots and powers the host off."""
    with Lab("passthrough-nodevice",
             append="slimhv.config=/etc/slimhv/e2e-passthrough-refusals.dtb") as lab:
        boot_markers(lab)
        expect_domain_refused(
            lab, "ghost",
            r"slimhv: error: ghost: device 0000:00:1f\.7: no such PCI device",
            "slimhv: error: ghost: device 0000:00:1f.7: no such PCI device")
        lab.expect(r"slimhv-guest: init reached", GUEST_DEADLINE,
                   "the good domain's init")
        lab.expect(r"slimhv: domain good ended: the guest powered off", 60)
        lab.expect(r"powering off the host", 30)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}"
        assert not lab.seen(r"assigned as guest"), "a device was assigned"

    with Lab("passthrough-noiommu", iommu="none",
             append="slimhv.config=/etc/slimhv/e2e-passthrough-noiommu.dtb") as lab:
        boot_markers(lab)
        expect_domain_refused(
            lab, "pt",
            rf"slimhv: error: pt: device {BDF}: refused: no IOMMU is enabled\b",
            "slimhv: error: pt: device ADDR: refused: no IOMMU is enabled ...")
        lab.expect(r"slimhv-guest: init reached", GUEST_DEADLINE,
                   "the good domain's init")
        lab.expect(r"slimhv: domain good ended: the guest powered off", 60)
        lab.expect(r"powering off the host", 30)
        rc = lab.wait_exit()
        check_no_panic(lab)
        assert rc == 0, f"QEMU exit status {rc}"
        assert not lab.seen(r"assigned as guest"), "a device was assigned"


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
