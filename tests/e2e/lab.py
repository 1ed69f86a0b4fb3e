"""Drive the slimhv appliance in the QEMU lab machine: boot it, wait for
markers on its serial console with deadlines, type into it, and check how
QEMU exits. Every boot's console is saved under images/logs/."""

import os
import re
import socket
import subprocess
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGES = os.environ.get("IMAGES", os.path.join(ROOT, "images"))
LOGS = os.path.join(IMAGES, "logs")

# The lab is shared and noisy: deadlines are several times the typical
# time (host boot < 2 s, a nested guest's init 4-6 s).
HOST_DEADLINE = 120
GUEST_DEADLINE = 240
EXIT_DEADLINE = 90
# Firmware boots (OVMF, SeaBIOS with iPXE) before the kernel: 10 to 40 s
# under TCG.
FIRMWARE_DEADLINE = 240


# Signals that mean QEMU itself crashed (the harness's own kill is SIGKILL).
CRASH_SIGNALS = (4, 6, 7, 8, 11)

# QEMU 7.2 loses interrupts of the lab machine's CPUs (README, Status): a
# vector waits in a CPU's local APIC, above its priority, while the CPU
# runs with interrupts on and never takes it. A watchdog thread reads each
# lab CPU's local APIC every WATCH_EVERY seconds once the lab's kernel
# runs, and its registers while a vector waits. A vector still waiting
# after STUCK_AFTER seconds, on a CPU read with interrupts on in that time,
# proves the lab machine broken: expect() fails at once, saying so, and
# run.py runs the test again. A CPU that waits with interrupts off (a
# deadlock in the lab's kernel, say) proves nothing: that failure stands.
WATCH_EVERY = 2.5
STUCK_AFTER = 10
# The other way QEMU 7.2 breaks: a lab CPU runs VMRUN and an immediate
# #VMEXIT for the nested guest's interrupt window (exit code 0x64, VINTR)
# again and again, and the nested guest never runs; on a real CPU that
# exit comes only when the guest can take the interrupt, which KVM then
# injects. After PROBE_AFTER seconds without console output, every
# PROBE_EVERY seconds (a nested guest whose console is not in front may
# stall while the test talks to another), and when a check fails, the
# watchdog has QEMU log one second of #VMEXITs (-d in_asm): LOOP_EXITS of
# them or more for the interrupt window, and four in five of all, prove
# the lab machine broken as above.
PROBE_AFTER = 20
PROBE_EVERY = 30
LOOP_EXITS = 5000
# The lab's kernel is up (before it, firmware runs).
KERNEL_UP = re.compile(r"Freeing unused kernel")


class LabError(AssertionError):
    pass


class Lab:
    # The names of the labs started since the caller last emptied it: a
    # test's logs are NAME.* for each (run.py keeps a failed run's).
    started = []

    def __init__(self, name, append="", iommu="intel", qemu_args=(),
                 native=False, disk=None, net_opts=None, uefi=None,
                 pxe=None, initrd=None, kernel=None):
        """@native boots the guest kernel directly (no slimhv); @disk is
        the NVMe's backing file; @net_opts is appended to the lab's
        "-netdev user" (e.g. "bootfile=slimhv-port=N"); @initrd replaces
        the appliance's initramfs (the QEMU twin's), @kernel its host
        kernel (make bench's kernel without mitigations). Through firmware
        instead of QEMU's own kernel loading: @uefi is a disk image that
        OVMF boots as a USB stick, @pxe a directory with slimhv.ipxe that
        SeaBIOS and iPXE boot from over the network."""
        os.makedirs(LOGS, exist_ok=True)
        self.name = name
        Lab.started.append(name)
        self.log_path = os.path.join(LOGS, name + ".log")
        self.diag_path = os.path.join(LOGS, name + ".diag")
        self.monitor = os.path.join(LOGS, name + ".monitor")
        self.qemu_log = os.path.join(LOGS, name + ".qemu")
        if os.path.exists(self.monitor):
            os.unlink(self.monitor)
        if os.path.exists(self.diag_path):
            os.unlink(self.diag_path)
        self.log = open(self.log_path, "wb")
        self.text = ""
        self.pos = 0
        self.last_output = time.monotonic()
        self.broken = None      # why the lab machine is proven broken
        self.waiting = {}       # (cpu, vector) -> since when, IF seen on
        self.probed = time.monotonic()
        self.monitor_lock = threading.Lock()
        self.stop_watch = threading.Event()
        self.cond = threading.Condition()
        self.eof = False
        cmd = [os.path.join(ROOT, "scripts", "lab.sh"), "--iommu", iommu,
               "--append", append]
        if native:
            cmd.append("--native")
        if disk:
            cmd += ["--disk", disk]
        if net_opts:
            cmd += ["--net-opts", net_opts]
        if uefi:
            cmd += ["--uefi", uefi]
        if pxe:
            cmd += ["--pxe", pxe]
        if initrd:
            cmd += ["--initrd", initrd]
        if kernel:
            cmd += ["--kernel", kernel]
        # A second monitor, on a socket, for cpu_state(); -serial mon:stdio
        # keeps the first where -nographic puts it (Ctrl-A c).
        cmd += ["--", "-serial", "mon:stdio",
                "-monitor", f"unix:{self.monitor},server=on,wait=off",
                "-d", "cpu_reset", "-D", self.qemu_log, *qemu_args]
        self.start = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.watchdog = threading.Thread(target=self._watch, daemon=True)
        self.watchdog.start()

    def _read(self):
        while True:
            data = self.proc.stdout.read1(4096)
            if not data:
                break
            self.log.write(data)
            self.log.flush()
            with self.cond:
                self.text += data.decode("utf-8", "replace").replace("\r", "")
                self.last_output = time.monotonic()
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def _fail(self, what):
        tail = "\n".join(self.text.splitlines()[-25:])
        raise LabError(f"{what}\n--- last console lines ({self.log_path}) ---\n{tail}")

    def _watch(self):
        """The lost-interrupt watchdog (see STUCK_AFTER)."""
        while not self.stop_watch.wait(WATCH_EVERY):
            if self.broken or not KERNEL_UP.search(self.text):
                continue
            now = time.monotonic()
            if (now - self.last_output >= PROBE_AFTER
                    and self.probed < self.last_output
                    or now - self.probed >= PROBE_EVERY):
                self.probed = now
                self._probe_exits()
                continue
            apics = self.lapics(self.ncpus())
            now = time.monotonic()
            waiting = {}
            for cpu, (irr, ppr) in enumerate(re.findall(
                    r"^IRR\t ([^\n]*)\n.*?PPR 0x([0-9a-f]+)", apics,
                    re.M | re.S)):
                for v in irr.split():
                    if v.isdigit() and int(v) >> 4 > int(ppr, 16) >> 4:
                        waiting[cpu, int(v)] = self.waiting.get(
                            (cpu, int(v)), (now, False))
            if any(t < now for t, _ in waiting.values()):
                regs = self.hmp("info registers -a")
                flags = re.findall(r"RFL=([0-9a-f]+)", regs)
                for (cpu, v), (t, seen_on) in waiting.items():
                    on = cpu < len(flags) and int(flags[cpu], 16) & 0x200
                    waiting[cpu, v] = (t, seen_on or (t < now and bool(on)))
            self.waiting = waiting
            stuck = [(now - t, cpu, v) for (cpu, v), (t, seen_on)
                     in waiting.items() if seen_on and now - t >= STUCK_AFTER]
            if stuck:
                held, cpu, v = max(stuck)
                self._prove(f"lab CPU {cpu} kept vector {v} pending in its "
                            f"local APIC for {held:.0f} s with interrupts on")

    def _probe_exits(self):
        """One second of the lab CPUs' #VMEXITs, from QEMU's log: proof
        when they are the interrupt-window loop (see LOOP_EXITS)."""
        try:
            start = os.path.getsize(self.qemu_log)
        except OSError:
            return
        self.hmp("log in_asm,cpu_reset")
        time.sleep(1)
        self.hmp("log cpu_reset")
        with open(self.qemu_log, errors="replace") as f:
            f.seek(start)
            codes = re.findall(r"^vmexit\(([0-9a-f]+),", f.read(), re.M)
        vintr = sum(int(c, 16) == 0x64 for c in codes)
        if vintr >= LOOP_EXITS and 5 * vintr >= 4 * len(codes):
            self._prove(f"a lab CPU left its nested guest {vintr} times in "
                        f"1 s for the interrupt window ({len(codes)} exits "
                        f"in all) and the guest never ran")

    def _prove(self, why):
        """The lab machine is broken: say so, keep its state in the .diag
        file (registers, local APICs, the top of each CPU's stack), and
        wake expect()."""
        print(f"    {self.name}: the lab machine broke: {why}; lab CPUs: "
              f"{self.cpu_state('proof')}", flush=True)
        self.dump_stacks()
        with self.cond:
            self.broken = why
            self.cond.notify_all()

    def dump_stacks(self):
        """The top of each lab CPU's stack, into the .diag file."""
        regs = self.hmp("info registers -a")
        stacks = self.hmp(*(cmd for i, rsp in enumerate(
            re.findall(r"RSP=([0-9a-f]+)", regs))
            for cmd in (f"cpu {i}", f"x/32gx 0x{rsp}")))
        with open(self.diag_path, "a") as f:
            f.write(f"=== stacks\n{stacks}\n")

    def lapics(self, ncpus):
        """The local APICs of lab CPUs 0 to @ncpus - 1, as QEMU's monitor
        prints them."""
        return self.hmp(*(cmd for i in range(ncpus)
                          for cmd in (f"cpu {i}", "info lapic")))

    def ncpus(self):
        """The lab machine's CPU count, as QEMU reports it (0 until its
        monitor answers)."""
        if not getattr(self, "_ncpus", 0):
            self._ncpus = self.hmp("info cpus").count("CPU #")
        return self._ncpus

    def emulator_fault(self):
        """Proof that the lab machine itself, not what runs in it, broke:
        QEMU crashed, the lab machine triple-faulted, or the watchdog
        proved an interrupt lost (see STUCK_AFTER) or a CPU in the
        interrupt-window loop (LOOP_EXITS).
        When a check fails while a vector waits, the proof is awaited;
        else one second of #VMEXITs is looked at. The reason as a phrase,
        or None."""
        sig = self.crash_signal(wait=5 if self.eof else 0)
        if sig:
            self.stop_watchdog()
            return f"QEMU crashed (signal {sig})"
        if self.proc.poll() is not None and self.triple_faulted():
            # Its kernel is stock Linux; slimhv runs in its user space.
            self.stop_watchdog()
            return "the lab machine triple-faulted"
        if self.proc.poll() is None and self.waiting:
            deadline = (min(t for t, _ in self.waiting.values())
                        + STUCK_AFTER + 2 * WATCH_EVERY)
            with self.cond:
                while not self.broken and time.monotonic() < deadline:
                    self.cond.wait(deadline - time.monotonic())
        self.stop_watchdog()
        if not self.broken and self.proc.poll() is None:
            self._probe_exits()
        return self.broken

    def expect(self, pattern, timeout, what=None):
        """Wait for @pattern (a regex) after the previous match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.M)
        with self.cond:
            while True:
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = deadline - time.monotonic()
                if left <= 0 or self.eof or self.broken:
                    break
                self.cond.wait(min(left, 1.0))
        if self.broken:
            why = f"the lab machine broke: {self.broken}"
        elif self.eof:
            why = f"QEMU exited{self.exit_reason()}"
        else:
            why = f"no match within {timeout} s"
        self._fail(f"{self.name}: waiting for {what or pattern!r}: {why}")

    def exit_reason(self):
        """Why QEMU ended, where the console does not say: killed by a
        signal (QEMU 7.2 itself crashes now and then, see README, Status),
        or the lab machine triple-faulted (-d cpu_reset logs it;
        -no-reboot turns the reset into an exit)."""
        sig = self.crash_signal(wait=5)
        if sig:
            return f": QEMU was killed by signal {sig} (a crash of QEMU itself)"
        if self.triple_faulted():
            return f": the lab machine triple-faulted, see {self.qemu_log}"
        rc = self.proc.poll()
        return f" (exit status {rc})" if rc else ""

    def triple_faulted(self):
        try:
            with open(self.qemu_log, errors="replace") as f:
                return "Triple fault" in f.read()
        except OSError:
            return False

    def crash_signal(self, wait=0):
        """The signal QEMU died of if it crashed (CRASH_SIGNALS), else 0;
        waits up to @wait seconds for it to end."""
        try:
            rc = self.proc.wait(wait) if wait else self.proc.poll()
        except subprocess.TimeoutExpired:
            return 0
        return -rc if rc is not None and -rc in CRASH_SIGNALS else 0

    def hmp(self, *commands, timeout=5):
        """@commands on QEMU's human monitor, in one session; what it
        answered, or '' if it did not."""
        out = b""
        try:
            with self.monitor_lock, socket.socket(socket.AF_UNIX) as s:
                s.settimeout(timeout)
                s.connect(self.monitor)
                for cmd in (None, *commands):
                    if cmd:
                        s.sendall(cmd.encode() + b"\n")
                    answer = b""
                    while not answer.endswith(b"(qemu) "):
                        data = s.recv(65536)
                        if not data:
                            break
                        answer += data
                    if cmd:
                        out += answer
        except OSError:
            pass
        return out.decode("utf-8", "replace").replace("\r", "")

    def cpu_state(self, when):
        """Each lab CPU's halted flag and RIP in one line; the full
        registers and local APICs go to the .diag file."""
        regs = self.hmp("info registers -a")
        apics = self.lapics(regs.count("CPU#"))
        with open(self.diag_path, "a") as f:
            f.write(f"=== {when} at "
                    f"{self.elapsed():.1f} s\n"
                    f"{regs}\n{apics}\n")
        cpus = re.findall(r"RIP=([0-9a-f]+).*?HLT=(\d)", regs, re.S)
        if not cpus:
            return "monitor gave no answer"
        return ", ".join(f"{i}: rip {rip} halted {hlt}"
                         for i, (rip, hlt) in enumerate(cpus))

    def seen(self, pattern):
        return re.search(pattern, self.text, re.M) is not None

    def send(self, text):
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except OSError as e:
            # QEMU is gone: a failed check like any other, so that
            # __exit__ asks why (a crash of QEMU is proof, see
            # emulator_fault).
            self._fail(f"{self.name}: sending {text[:40]!r}: {e.strerror}: "
                       f"QEMU exited{self.exit_reason()}")

    def wait_exit(self, timeout=EXIT_DEADLINE):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self._fail(f"{self.name}: QEMU did not exit within {timeout} s")
        self.reader.join(5)
        return rc

    def stop_watchdog(self):
        self.stop_watch.set()
        self.watchdog.join(10)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.stop_watchdog()
        self.kill()
        # What QEMU wrote last is still in the pipe: the reader logs it.
        self.reader.join(5)
        self.log.close()
        if os.path.exists(self.monitor):
            os.unlink(self.monitor)

    def elapsed(self):
        return time.monotonic() - self.start

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # A check failed while the lab ran: before QEMU goes, say whether
        # the lab machine itself was seen to break. A diagnosis only: the
        # test fails all the same (run.py runs it once more).
        if isinstance(exc, AssertionError):
            try:
                exc.diagnosis = self.emulator_fault()
                if exc.diagnosis:
                    print(f"    {self.name}: diagnosis: the lab machine "
                          f"broke: {exc.diagnosis}")
                elif self.proc.poll() is None:
                    print(f"    {self.name}: diagnosis: no sign of the lab "
                          f"machine breaking; lab CPUs: "
                          f"{self.cpu_state('failure')} (registers, APICs, "
                          f"stacks: {self.diag_path})")
                    self.dump_stacks()
            except Exception as e:  # noqa: BLE001 - never hide the failure
                print(f"    {self.name}: could not read the lab machine: {e!r}")
        self.close()


def check_no_panic(lab):
    for bad in (r"Kernel panic", r"Attempted to kill init", r"BUG: ",
                r"general protection fault"):
        if lab.seen(bad):
            lab._fail(f"{lab.name}: the host or guest printed {bad!r}")
