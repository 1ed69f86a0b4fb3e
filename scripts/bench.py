#!/usr/bin/env python3
"""make bench: slimhv's size and boot-time figures, as a table.

Sizes are read off images/. Boot times come from 5 boots of the appliance in
the lab machine (the e2e boot configuration), each figure the median:
  host kernel start -> slimhv ready   slimhv's own "ready" line, which reads
                                      CLOCK_MONOTONIC (0 at kernel start)
  slimhv start -> guest /init         slimhv's boot timer: the guest's init
                                      writes to a page slimhv traps
The lab is emulated (TCG), so times are the lab's, not a server's: compare
them with each other, not with hardware figures."""

import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
from lab import GUEST_DEADLINE, HOST_DEADLINE, IMAGES, Lab  # noqa: E402

BOOTS = int(os.environ.get("BENCH_BOOTS", "5"))
KiB = 1024
MiB = 1024 * 1024


def size(path):
    return os.path.getsize(os.path.join(IMAGES, path))


def row(name, value, target, ok):
    verdict = "" if ok is None else ("meets" if ok else "MISSES")
    print(f"  {name:<42} {value:>14}   {target:<16} {verdict}")


def boot_once(i):
    with Lab(f"bench-{i}", append="slimhv.config=/etc/slimhv/e2e-boot.dtb") as lab:
        ready = lab.expect(r"slimhv: ready: .* ([\d.]+) s after kernel start",
                           HOST_DEADLINE)
        guest = lab.expect(r"boot timer: guest init \d+ reached ([\d.]+) ms after slimhv start",
                           GUEST_DEADLINE)
        lab.wait_exit()
        return float(ready.group(1)), float(guest.group(1)) / 1000


def main():
    kernel = size("bzImage")
    initrd = size("initramfs-base.cpio.gz")
    binary = size("slimhv")
    print("slimhv benchmarks (sizes from images/, times from the QEMU lab)")
    print()
    print(f"  {'figure':<42} {'value':>14}   {'target':<16}")
    row("host bzImage", f"{kernel / MiB:.2f} MiB", "<= 2.5 MiB",
        kernel <= 2.5 * MiB)
    row("host initramfs without guest payloads", f"{initrd / MiB:.2f} MiB",
        "", None)
    row("host bzImage + initramfs (no guests)",
        f"{(kernel + initrd) / MiB:.2f} MiB", "<= 3 MiB",
        kernel + initrd <= 3 * MiB)
    row("slimhv binary (static, musl)", f"{binary / KiB:.0f} KiB",
        "<= 512 KiB", binary <= 512 * KiB)
    sys.stdout.flush()

    host, guest = [], []
    for i in range(BOOTS):
        h, g = boot_once(i)
        host.append(h)
        guest.append(g)
        print(f"  boot {i + 1}/{BOOTS}: slimhv ready {h:.3f} s, guest /init {g:.3f} s",
              file=sys.stderr)
    row(f"host kernel start -> slimhv ready (median of {BOOTS})",
        f"{statistics.median(host):.3f} s", "", None)
    row(f"slimhv start -> guest /init (median of {BOOTS})",
        f"{statistics.median(guest):.3f} s", "", None)
    print(f"  (spread: ready {min(host):.3f}-{max(host):.3f} s, "
          f"guest {min(guest):.3f}-{max(guest):.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
