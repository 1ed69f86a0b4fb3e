#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/.

Usage: mkseeds.py DTB_DIR   (`make fuzz-seeds` passes images/dtb)

Each seed is a small input in the harness's own format (see the comment
at the top of tests/fuzz/fuzz_NAME.c): the compiled example and test
configurations for the config parser; for the others, inputs synthesized
here, such as a bzImage that is only a boot header and a few bytes of
"kernel", config spaces shaped like QEMU's nvme and e1000e, and the port
accesses of Linux's 8250 probe. Files are named seed-*; other files in the
corpus folders (inputs merged from fuzzing runs, fixed crashes) are kept.
"""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def out(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def clear_seeds(harness):
    d = os.path.join(CORPUS, harness)
    if os.path.isdir(d):
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.unlink(os.path.join(d, f))


# --- config: the DTBs compiled from configs/*.dts and tests/e2e/*.dts ----

def seeds_config(dtb_dir):
    for f in sorted(os.listdir(dtb_dir)):
        if f.endswith(".dtb"):
            shutil.copyfile(os.path.join(dtb_dir, f),
                            os.path.join(CORPUS, "config", "seed-" + f))
    # regression: a property length near INT_MAX (libfdt's int overflow)
    with open(os.path.join(dtb_dir, "appliance.dtb"), "rb") as f:
        dtb = bytearray(f.read())
    off = struct.unpack_from(">I", dtb, 8)[0] + 8   # the root's 1st property
    assert struct.unpack_from(">I", dtb, off)[0] == 3
    struct.pack_into(">I", dtb, off + 4, 0x7fffffff - 14)
    out("config", "regress-prop-len-overflow", bytes(dtb))


# --- bzimage: struct ctl of fuzz_bzimage.c, then a bzImage --------------

def bz_ctl(mem_pages=0, cmdline_len=20, initrd_len=4096, plan_initrd=1 << 20,
           acpi_len=0x400, flags=0x30):
    return struct.pack("<IIIQIB", mem_pages, cmdline_len, initrd_len,
                       plan_initrd, acpi_len, flags)


def bzimage(setup_sects=1, kernel_len=512, version=0x020f, jump_disp=0x6a,
            relocatable=1, pref_address=0x1000000, init_size=0x100000,
            cmdline_size=2047, initrd_addr_max=0x7fffffff,
            xloadflags=0x3, loadflags=0x1):
    setup = ((setup_sects or 4) + 1) * 512
    img = bytearray(setup + kernel_len)
    img[0x1f1] = setup_sects
    struct.pack_into("<I", img, 0x1f4, kernel_len // 16)      # syssize
    struct.pack_into("<H", img, 0x1fe, 0xaa55)                # boot_flag
    img[0x200] = 0xeb                                         # jmp short
    img[0x201] = jump_disp
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = loadflags                                    # LOADED_HIGH
    struct.pack_into("<I", img, 0x22c, initrd_addr_max)
    struct.pack_into("<I", img, 0x230, 0x200000)              # alignment
    img[0x234] = relocatable
    struct.pack_into("<H", img, 0x236, xloadflags)            # KERNEL_64
    struct.pack_into("<I", img, 0x238, cmdline_size)
    struct.pack_into("<Q", img, 0x258, pref_address)
    struct.pack_into("<I", img, 0x260, init_size)
    for i in range(kernel_len):
        img[setup + i] = (i * 7) & 0xff
    return bytes(img)


def seeds_bzimage():
    out("bzimage", "relocatable", bz_ctl() + bzimage())
    out("bzimage", "fixed-16m", bz_ctl(mem_pages=4096) +
        bzimage(relocatable=0, init_size=0x200000))
    out("bzimage", "proto-2.12-short-header", bz_ctl(initrd_len=0) +
        bzimage(version=0x020c, jump_disp=0x36, setup_sects=0))
    out("bzimage", "high-memory", bz_ctl(mem_pages=0xe0000,
                                         initrd_len=65536,
                                         plan_initrd=1 << 30) + bzimage())
    out("bzimage", "no-cmdline", bz_ctl(cmdline_len=0, flags=0x81) +
        bzimage(cmdline_size=255))
    # regressions: a header that ends before xloadflags; an address that
    # wraps past 2^64 with init_size
    out("bzimage", "regress-short-header", bz_ctl() +
        bzimage(jump_disp=0x236 - 0x202))
    out("bzimage", "regress-pref-address-wraps", bz_ctl() +
        bzimage(relocatable=0, pref_address=0xffffffffffe00000,
                init_size=0x800000))


# --- vdev: see fuzz_vdev.c ------------------------------------------------

V_CFG_READ, V_CFG_WRITE, V_ECAM_READ, V_ECAM_WRITE, V_TABLE_READ, \
    V_TABLE_WRITE, V_PBA_READ, V_PLACE_BAR, V_DEV_POKE, V_PENDING, \
    V_FAULTS, V_VECTOR = range(12)
CFG_LENS = [1, 2, 4, 3, 8, 0]
MMIO_LENS = [4, 8, 1, 2, 16, 3]


def vop(kind, length, off, val, lens=None, devfn_sel=1):
    """One operation; picks the size byte that gives @length."""
    if kind in (V_ECAM_READ, V_ECAM_WRITE):
        for size in range(256):
            n = CFG_LENS[size % 6]
            n = 8 if n == 3 else n
            if n == length and (size >> 4) % 3 == devfn_sel and \
                    not (size >> 3) & 1:
                break
    elif kind in (V_TABLE_READ, V_TABLE_WRITE, V_PBA_READ):
        size = MMIO_LENS.index(length)
    elif kind == V_PLACE_BAR:
        size = length + 1          # the BAR number
    else:
        size = CFG_LENS.index(length) if length in CFG_LENS else 0
    return struct.pack("<BBHI", kind, size, off & 0xffff, val & 0xffffffff)


def bar(size=0, io=False, is64=False, prefetch=False):
    if not size:
        return b"\0\0"
    shift = size.bit_length()
    return bytes([io | is64 << 1 | prefetch << 2, shift])


def cfg_header(vendor, device, class_rev):
    c = bytearray(256 + 64)
    struct.pack_into("<HH", c, 0, vendor, device)
    struct.pack_into("<H", c, 6, 0x10)          # status: capability list
    struct.pack_into("<I", c, 8, class_rev)
    c[0x3d] = 1                                 # INTA
    return c


def cap(c, off, cap_id, nxt):
    c[off] = cap_id
    c[off + 1] = nxt


def linux_probe(bars):
    """What Linux does first: IDs, then size every BAR."""
    ops = vop(V_CFG_READ, 4, 0, 0) + vop(V_CFG_READ, 4, 8, 0)
    for i, b in enumerate(bars):
        reg = 0x10 + 4 * i
        ops += vop(V_CFG_READ, 4, reg, 0)
        ops += vop(V_CFG_WRITE, 4, reg, 0xffffffff)
        ops += vop(V_CFG_READ, 4, reg, 0)
        ops += vop(V_CFG_WRITE, 4, reg, b)
    return ops


def seeds_vdev():
    # QEMU's nvme: BAR0 64-bit 16K, MSI-X (65) at 0x2000, PBA at 0x3000
    c = cfg_header(0x1b36, 0x0010, 0x01080202)
    c[0x34] = 0x40
    cap(c, 0x40, 0x11, 0x50)
    struct.pack_into("<HII", c, 0x42, 64 | 0x4000, 0x2000, 0x3000)
    cap(c, 0x50, 0x09, 0x80)
    c[0x52] = 8
    cap(c, 0x80, 0x10, 0x60)
    struct.pack_into("<H", c, 0x82, 2)
    cap(c, 0x60, 0x01, 0)
    struct.pack_into("<HH", c, 0x62, 3, 8)
    struct.pack_into("<I", c, 0x100, 0x00010001)
    dev = bytes([1]) + bar(0x4000, is64=True) + bar() * 5 + \
        bar(0x40000) + bytes(c)
    ops = linux_probe([0xfebf0000, 0, 0, 0, 0, 0])
    ops += vop(V_CFG_WRITE, 2, 4, 0x0406)        # memory, master, no INTx
    ops += vop(V_CFG_WRITE, 2, 0x42, 0xc000)     # MSI-X on, masked
    for v in range(3):
        ops += vop(V_TABLE_WRITE, 4, 16 * v, 0xfee00000)
        ops += vop(V_TABLE_WRITE, 4, 16 * v + 4, 0)
        ops += vop(V_TABLE_WRITE, 4, 16 * v + 8, 0x4021 + v)
        ops += vop(V_TABLE_WRITE, 4, 16 * v + 12, 0)
    ops += vop(V_CFG_WRITE, 2, 0x42, 0x8000)     # function mask off
    ops += vop(V_TABLE_READ, 8, 16, 0) + vop(V_PBA_READ, 8, 0, 0)
    ops += vop(V_PENDING, 0, 0, 3) + vop(V_VECTOR, 0, 0, 1)
    ops += vop(V_PBA_READ, 4, 0, 0)
    ops += vop(V_CFG_WRITE, 2, 0x64, 3) + vop(V_CFG_WRITE, 2, 0x64, 0)
    ops += vop(V_ECAM_READ, 4, 0x40, 0) + vop(V_ECAM_READ, 8, 0x10, 0)
    ops += vop(V_ECAM_WRITE, 2, 0x4, 0x0007)
    ops += vop(V_ECAM_READ, 4, 0, 0, devfn_sel=0)
    ops += vop(V_ECAM_READ, 4, 0, 0, devfn_sel=2)
    ops += vop(V_CFG_READ, 4, 0x100, 0) + vop(V_CFG_WRITE, 4, 0x100, 1)
    ops += vop(V_PLACE_BAR, 0, 0, 0xfe000000)
    out("vdev", "nvme", dev + ops)

    # QEMU's e1000e: PM -> MSI (64-bit) -> PCIe v1 -> MSI-X in BAR3
    c = cfg_header(0x8086, 0x10d3, 0x02000000)
    c[0x34] = 0xc8
    cap(c, 0xc8, 0x01, 0xd0)
    struct.pack_into("<H", c, 0xca, 0x22)
    cap(c, 0xd0, 0x05, 0xe0)
    struct.pack_into("<H", c, 0xd2, 0x80)
    cap(c, 0xe0, 0x10, 0xa0)
    struct.pack_into("<H", c, 0xe2, 1)
    cap(c, 0xa0, 0x11, 0)
    struct.pack_into("<HII", c, 0xa2, 4, 3, 0x2003)
    dev = bytes([0]) + bar(0x20000) + bar(0x20000) + bar(32, io=True) + \
        bar(0x4000) + bar() * 3 + bytes(c)
    ops = linux_probe([0xfeb80000, 0xfeba0000, 0xc001, 0xfebc0000, 0, 0])
    ops += vop(V_CFG_WRITE, 2, 4, 0x0007)        # I/O, memory, master
    ops += vop(V_CFG_WRITE, 4, 0xd4, 0xfee00000)
    ops += vop(V_CFG_WRITE, 4, 0xd8, 0)
    ops += vop(V_CFG_WRITE, 2, 0xdc, 0x4022)
    ops += vop(V_CFG_WRITE, 2, 0xd2, 0x0001)     # MSI on
    ops += vop(V_CFG_READ, 2, 0xd2, 0)
    ops += vop(V_CFG_WRITE, 2, 0xd2, 0)
    ops += vop(V_CFG_WRITE, 2, 0xa2, 0x8000)     # MSI-X on
    ops += vop(V_TABLE_WRITE, 8, 0, 0xfee00000)
    ops += vop(V_TABLE_WRITE, 4, 12, 0)
    ops += vop(V_CFG_WRITE, 2, 6, 0xffff)        # clear status errors
    ops += vop(V_CFG_WRITE, 2, 0xcc, 0x8003)     # PMCSR: D3, PME status
    ops += vop(V_DEV_POKE, 0, 0xcc, 0)
    ops += vop(V_FAULTS, 0, 0, 3) + vop(V_CFG_WRITE, 2, 4, 0x0403)
    ops += vop(V_FAULTS, 0, 0, 4) + vop(V_CFG_READ, 4, 0, 0)
    out("vdev", "e1000e", dev + ops)

    # A device that lies: a capability loop, overlapping capabilities,
    # a maskable MSI with 32 vectors, 2048 MSI-X vectors
    c = cfg_header(0x1234, 0x5678, 0xff000001)
    c[0x0e] = 0x80
    c[0x3d] = 9
    c[0x34] = 0x41
    cap(c, 0x40, 0x05, 0x58)
    struct.pack_into("<H", c, 0x42, 0x01ae)      # 64-bit, maskable, 32
    cap(c, 0x58, 0x11, 0x68)
    struct.pack_into("<HII", c, 0x5a, 0x7ff, 0x0, 0x8000)
    cap(c, 0x68, 0x01, 0x40)
    dev = bytes([3]) + bar(0x10000, is64=True, prefetch=True) + bar() + \
        bar(0x100000000) + bar(3, io=True) + bar(0x10) + bar(17) + \
        bar(1 << 20) + bytes(c)
    ops = linux_probe([0xffffffff, 0xffffffff, 0x80000000, 0xfffc, 0, 0])
    ops += vop(V_CFG_WRITE, 2, 4, 0xffff)
    ops += vop(V_CFG_WRITE, 4, 0x44, 0xffffffff)
    ops += vop(V_CFG_WRITE, 4, 0x54, 0xffffffff)
    ops += vop(V_CFG_WRITE, 2, 0x42, 0xffff)
    ops += vop(V_TABLE_WRITE, 8, 0x7ff0, 0xffffffff)
    ops += vop(V_PBA_READ, 8, 0xf8, 0)
    out("vdev", "hostile", dev + ops)


# --- uart8250: 3-byte operations, see fuzz_uart8250.c -------------------

U_READ, U_WRITE, U_RX, U_RESET = range(4)
U_LEN_SEL = {1: 0, 2: 4, 4: 5, 8: 6, 0: 7}


def uop(kind, off=0, val=0, length=1, data=b""):
    return bytes([kind, off | U_LEN_SEL[length] << 5, val & 0xff]) + data


def seeds_uart8250():
    W = lambda off, v: uop(U_WRITE, off, v)
    R = lambda off: uop(U_READ, off)
    # Linux's autoconfig(): IER probe, loopback probe, scratch, FIFO size
    probe = R(1) + W(1, 0) + R(1) + W(1, 0x0f) + R(1) + W(1, 0)
    probe += R(4) + W(4, 0x10) + R(6) + W(4, 0x1f) + R(6) + W(4, 0)
    probe += W(3, 0xbf) + R(2) + W(3, 0x80) + W(0, 0x01) + W(1, 0) + \
        R(0) + R(1) + W(3, 0x03)
    probe += W(7, 0xa5) + R(7) + W(7, 0x5a) + R(7)
    probe += W(2, 0x07) + R(2) + W(2, 0xe1) + R(2) + W(2, 0)
    # serial8250_do_startup(): THRE re-assert test, then enable
    probe += W(4, 0x0b) + W(1, 0x02) + R(2) + W(1, 0) + R(2) + \
        W(1, 0x02) + R(2) + R(5) + W(1, 0x05)
    out("uart8250", "linux-probe", probe)
    # console output and host input
    io = W(3, 0x03) + W(4, 0x0b) + W(1, 0x07) + W(2, 0xc7)
    for c in b"slimhv\n":
        io += R(5) + W(0, c) + R(2)
    io += uop(U_RX, 0, 5, data=b"ls -l") + R(2) + R(5)
    for _ in range(6):
        io += R(0) + R(5)
    io += uop(U_RX, 0, 70, data=bytes(range(70))) + R(5) + R(2)
    io += W(2, 0x03) + R(5)
    out("uart8250", "console", io)
    # loopback, overrun, wide and bad accesses, reset
    lb = W(4, 0x1b) + W(1, 0x0f) + W(2, 0x01)
    for i in range(18):
        lb += W(0, 0x30 + i)
    lb += R(5) + R(2) + R(0) + R(0) + R(6) + W(4, 0x08) + R(6)
    lb += uop(U_WRITE, 0, 0x41, 4) + uop(U_READ, 0, 0, 8) + \
        uop(U_READ, 6, 0, 4) + uop(U_WRITE, 9, 0, 1) + uop(U_READ, 0, 0, 0)
    lb += uop(U_RESET) + R(5) + R(7)
    out("uart8250", "loopback", lb)


# --- cmdline: error buffer size, then NUL-separated arguments ------------

def seeds_cmdline():
    def args(errlen, *a):
        return bytes([errlen]) + b"\0".join(x.encode() for x in a)
    out("cmdline", "full", args(
        128, "--kernel", "/guest/bzImage", "--initrd=/guest/initramfs.cpio.gz",
        "--cmdline", "console=ttyS0 slimhv.guest=poweroff", "--cpus", "2",
        "--mem=1G", "--vfio", "0000:00:03.0", "--vfio=8086:10d3",
        "--vfio", "class:nvme", "--vfio", "class:0x020000", "--name", "dom0",
        "--restart", "poweroff-host"))
    out("cmdline", "help", args(64, "-h"))
    out("cmdline", "errors", args(
        20, "--kernel", "k", "--mem", "12Q", "--cpus", "65", "--bogus",
        "--vfio", "00:1f.8", "stray"))
    out("cmdline", "values", args(
        159, "--kernel=", "--cmdline=--x", "--mem", "18446744073709551616",
        "--mem=64m", "--mem=1T", "--mem=4097", "--vfio=class:net",
        "--vfio=class:net", "--name=A"))


# --- pci: a setup, then 8-byte operations, see fuzz_pci.c --------------

P_CONF1_ADDR, P_CONF1_READ, P_CONF1_WRITE, P_ECAM_READ, P_ECAM_WRITE, \
    P_BUS_READ, P_BUS_WRITE, P_ADD = range(8)
P_LENS = {1: 0, 2: 1, 4: 2, 8: 4, 3: 5, 0: 6}


def pop(kind, length=4, off=0, val=0, wbits=0):
    return struct.pack("<BBHI", kind, P_LENS[length] | wbits, off & 0xffff,
                       val & 0xffffffff)


def conf1(devfn, reg):
    return 0x80000000 | devfn << 8 | (reg & 0xfc) | (reg & 0xf00) << 16


def seeds_pci():
    # 00:03.0: a function with MSI and PM capabilities, BAR0 4K, BAR2 1M
    setup = bytes([3 << 4]) + bytes([2]) + \
        struct.pack("<HHIB", 0x1af4, 0x1041, 0x020000, 1)
    setup += bytes([0x05, 14, 0x01, 8])               # capabilities
    setup += bytes([12, 0, 20, 0, 0, 0])              # BAR sizes (log2)
    setup += struct.pack("<HI", 0x0004, 0x0547)       # command: wmask
    setup += struct.pack("<HI", 0x8006, 0xf900)       # status: w1c
    setup += struct.pack("<HI", 0x003c, 0xff)         # interrupt line
    setup += struct.pack("<HI", 0x2044, 0xffffffff)   # MSI address
    ops = b""
    for devfn in (0, 0x18, 0x20):                      # Linux's scan
        ops += pop(P_CONF1_ADDR, val=conf1(devfn, 0))
        ops += pop(P_CONF1_READ, 4, 4)
        ops += pop(P_CONF1_ADDR, val=conf1(devfn, 8))
        ops += pop(P_CONF1_READ, 4, 4)
    ops += pop(P_CONF1_ADDR, val=conf1(0x18, 0x10))
    ops += pop(P_CONF1_WRITE, 4, 4, 0xffffffff) + pop(P_CONF1_READ, 4, 4)
    ops += pop(P_CONF1_WRITE, 4, 4, 0xfebf0000)
    ops += pop(P_CONF1_ADDR, val=conf1(0x18, 4))
    ops += pop(P_CONF1_WRITE, 2, 4, 0x0007) + pop(P_CONF1_READ, 2, 6)
    ops += pop(P_CONF1_WRITE, 2, 6, 0xffff) + pop(P_CONF1_READ, 1, 7)
    ops += pop(P_CONF1_READ, 1, 3) + pop(P_CONF1_WRITE, 1, 3, 1)
    ops += pop(P_CONF1_READ, 4, 0)
    ops += pop(P_CONF1_ADDR, val=conf1(0x18, 0x140))   # AMD extended
    ops += pop(P_CONF1_READ, 4, 4)
    ops += pop(P_ECAM_READ, 4, 0x8000 >> 0 | 0, wbits=0)
    ops += pop(P_ECAM_READ, 8, 0x0010, wbits=3 << 3)   # slot 3
    ops += pop(P_ECAM_WRITE, 4, 0x0010, 0xffffffff, wbits=3 << 3)
    ops += pop(P_ECAM_READ, 4, 0x0010, wbits=3 << 3)
    ops += pop(P_ECAM_READ, 2, 0x0006, wbits=3 << 3)
    ops += pop(P_ECAM_READ, 4, 0x0100, wbits=3 << 3)
    ops += pop(P_ECAM_READ, 4, 0x0002, 0x100000, wbits=0x80)  # bus 1
    ops += pop(P_ECAM_READ, 3, 0x0001, wbits=3 << 3)
    ops += pop(P_BUS_READ, 2, 0x0003, wbits=0x18)
    ops += pop(P_BUS_WRITE, 4, 0x0044, 0xfee00000, wbits=0x18)
    ops += pop(P_ADD, off=-1) + pop(P_ADD, off=0x18) + pop(P_ADD, off=299)
    out("pci", "linux-scan", setup + ops)


# --- acpi: struct acpi_platform field by field, buffer size, PkgLength ---

def acpi_platform(nr_cpus=2, mmio64_base=0x800000000, mmio64_size=32 << 30,
                  uart_port=0x3f8, pm_tmr=0x608, reset_port=0x60c,
                  tables_gpa=0xe0000, ecam=0xe0000000, bus_end=255):
    return struct.pack(
        "<HQQBQBBHHQQQQHHHHBBBHBQ", nr_cpus, 0xfee00000, 0xfec00000, 0, ecam,
        0, bus_end, 0x1000, 0xf000, 0xc0000000, 0x20000000, mmio64_base,
        mmio64_size, 0x600, 0x604, pm_tmr, reset_port, 0x0e, 9, 5,
        uart_port, 4, tables_gpa)


def seeds_acpi():
    out("acpi", "vmm", acpi_platform() + struct.pack("<HI", 0x2000, 60))
    out("acpi", "many-cpus-small-buffer",
        acpi_platform(nr_cpus=255, tables_gpa=0xfffff000) +
        struct.pack("<HI", 0x800, 0x0fffff))
    # regression: tables whose addresses wrap past 2^64
    out("acpi", "regress-tables-wrap",
        acpi_platform(tables_gpa=0xffffffffffffffd0) +
        struct.pack("<HI", 0x2000, 60))
    out("acpi", "minimal", acpi_platform(
        nr_cpus=1, mmio64_size=0, uart_port=0, pm_tmr=0, reset_port=0,
        ecam=0x100000000, bus_end=0) + struct.pack("<HI", 36, 0xffffffc))


# --- virtqueue: the header of fuzz_virtqueue.c, then operations ---------

VQ_WRITE, VQ_AVAIL, VQ_POP, VQ_PUSH, VQ_NOTIFY, VQ_RESET, VQ_DESC = range(7)
DESC_NEXT, DESC_WRITE, DESC_INDIRECT = 1, 2, 4


def vq_header(shift=4, desc=0x1000, avail=0x2000, used=0x3000, features=1):
    return struct.pack("<BIIIBB", shift, desc, avail, used, 0, features)


def vq_desc(i, addr, length, flags=0, nxt=0):
    return struct.pack("<BHHHBB", VQ_DESC, i, addr, length, flags, nxt)


def vq_ram(off, data):
    return struct.pack("<BHB", VQ_WRITE, off, len(data)) + data


def vq_publish(head):
    return struct.pack("<BBB", VQ_AVAIL, head, 0)


def vq_push(which=0, length=16):
    return struct.pack("<BBI", VQ_PUSH, which, length)


def seeds_virtqueue():
    pop = bytes([VQ_POP])
    chain = (vq_desc(0, 0x8000, 16, DESC_NEXT, 1) +
             vq_desc(1, 0x9000, 64, DESC_WRITE) + vq_publish(0) + pop +
             vq_push() + bytes([VQ_NOTIFY]))
    out("virtqueue", "chain", vq_header() + chain + chain)
    table = b"".join(struct.pack("<QIHH", 0x8000 + 0x100 * i, 32,
                                 (DESC_NEXT if i < 2 else DESC_WRITE), i + 1)
                     for i in range(3))
    out("virtqueue", "indirect",
        vq_header() + vq_ram(0x4000, table) +
        vq_desc(0, 0x4000, 48, DESC_INDIRECT) + vq_publish(0) + pop +
        vq_push() + bytes([VQ_NOTIFY]))
    out("virtqueue", "loop",
        vq_header(features=0) + vq_desc(0, 0x8000, 16, DESC_NEXT, 1) +
        vq_desc(1, 0x8000, 16, DESC_NEXT, 0) + vq_publish(0) + pop + pop)
    out("virtqueue", "many",
        vq_header(shift=2) + b"".join(
            vq_desc(i, 0x8000 + 16 * i, 16) + vq_publish(i) + pop
            for i in range(6)) + vq_push(1) + vq_push(0) + pop)


# --- virtio_pci: operations of fuzz_virtio_pci.c, Linux's handshake ------

(VP_CFG_READ, VP_CFG_WRITE, VP_BAR_READ, VP_BAR_WRITE, VP_RAM, VP_DELIVER,
 VP_DRIVER, VP_NOTIFY) = range(8)


def vp_cfg_write(off, val, length=4):
    return struct.pack("<BHI", VP_CFG_WRITE,
                       {1: 0, 2: 1, 4: 2}[length] << 14 | off, val)


def vp_ram(off, data):
    out_ = b""
    for i in range(0, len(data), 63):
        part = data[i:i + 63]
        out_ += struct.pack("<BHI", VP_RAM, len(part), off + i) + part
    return out_


def vq_base(q):
    return 0x1000 * (q + 1)


def vp_driver():
    features = (1 << 32) | (1 << 1) | (1 << 28) | (1 << 29)
    d = struct.pack("<BHQB", VP_DRIVER, 0, features, 0xaa)   # size 16
    for q in range(4):
        base = vq_base(q)
        d += struct.pack("<HHH", base // 16, (base + 0x100) // 2,
                         (base + 0x200) // 4)
    return d


def vp_post(q, n, idx, addr, length, writable):
    """The driver's n-th buffer on queue q, and avail->idx = idx."""
    base = vq_base(q)
    desc = struct.pack("<QIHH", addr, length, 2 if writable else 0, 0)
    return (vp_ram(base + 16 * n, desc) +
            vp_ram(base + 0x100 + 4 + 2 * n, struct.pack("<H", n)) +
            vp_ram(base + 0x100 + 2, struct.pack("<H", idx)))


def vp_notify(q):
    return struct.pack("<BH", VP_NOTIFY, q)


def vp_ctrl(n, event, value, port=0):
    msg = struct.pack("<IHH", port, event, value)
    return (vp_ram(0x9000 + 16 * n, msg) +
            vp_post(3, n, n + 1, 0x9000 + 16 * n, 8, False) + vp_notify(3))


def vp_bar(op, off, val, length):
    """A BAR0 access: its length, the offset's low 14 bits, the upper half
    (the MSI-X table and PBA) as a byte of its own, then the value."""
    return (struct.pack("<BHB", op, {1: 0, 2: 1, 4: 2, 8: 3}[length] << 14 |
                        (off & 0x3fff), off >> 14) +
            val.to_bytes(length, "little"))


VP_MSIX_CAP = 0x98      # the last capability: common, ISR, device, notify, PCI_CFG


def seeds_virtio_pci():
    up = vp_cfg_write(4, 2, 2) + vp_driver()
    ready = (b"".join(vp_post(2, i, i + 1, 0xa000 + 0x100 * i, 0x100, True)
                      for i in range(4)) +
             vp_ctrl(0, 0, 1, 0xffffffff))
    out("virtio_pci", "device-ready", up + ready)
    port = (b"".join(vp_post(0, i, i + 1, 0xc000 + 0x100 * i, 0x100, True)
                     for i in range(2)) +
            vp_ctrl(1, 3, 1) + vp_ctrl(2, 6, 1) +
            struct.pack("<BHH", VP_DELIVER, 0, 300) +
            vp_ram(0xe000, b"ping") +
            vp_post(1, 0, 1, 0xe000, 4, False) + vp_notify(1) +
            vp_bar(VP_BAR_READ, 0x1000, 0, 1) +
            vp_cfg_write(4, 0, 2))
    out("virtio_pci", "linux-handshake", up + ready + port)
    # MSI-X as Linux sets it up: the table, then enable, then a vector for
    # config changes and one per queue; then traffic, a mask and an unmask.
    table = b"".join(vp_bar(VP_BAR_WRITE, 0x4000 + 16 * v, 0xfee00000, 4) +
                     vp_bar(VP_BAR_WRITE, 0x4008 + 16 * v, 0x30 + v, 4) +
                     vp_bar(VP_BAR_WRITE, 0x400c + 16 * v, 0, 4)
                     for v in range(5))
    vectors = vp_bar(VP_BAR_WRITE, 0x10, 0, 2) + b"".join(
        vp_bar(VP_BAR_WRITE, 0x16, q, 2) + vp_bar(VP_BAR_WRITE, 0x1a, q + 1, 2)
        for q in range(4))
    msix = (vp_cfg_write(VP_MSIX_CAP + 2, 0x8000, 2) + table + vp_driver() +
            vectors + ready +
            vp_bar(VP_BAR_WRITE, 0x400c + 16 * 3, 1, 4) + vp_ctrl(1, 3, 1) +
            vp_bar(VP_BAR_READ, 0x6000, 0, 8) +
            vp_bar(VP_BAR_WRITE, 0x400c + 16 * 3, 0, 4))
    out("virtio_pci", "msix", up + msix)


# --- ctl: chunk size, origin and error buffer, then the byte stream -------

def seeds_ctl():
    def stream(chunk, sel, text):
        return bytes([chunk, sel]) + text
    out("ctl", "requests", stream(7, 200, b"list\nstats\nstats dom0\n"
                                  b"console net 4096\nstop net\n"
                                  b"start net\nreboot net\nhelp\n"))
    out("ctl", "prompt", stream(63, 201, b"switch dom0\rpoweroff\nshell\n"
                                b"kill net\ndestroy net\n"))
    out("ctl", "refusals", stream(1, 16, b"poweroff\nstop ../x\nstop\n"
                                  b"console dom0 -1\na b c d e\n"
                                  b"list\x1b[2J\n" + b"x" * 300 + b"\n"
                                  b"st\x00op net\n\n"))


# --- netoffload: caps, a virtio-net header, a frame ----------------------

def off_input(caps, flags, gso_type, gso_size, csum_start, csum_offset,
              frame):
    return struct.pack("<BBBHHHH", caps, flags, gso_type, gso_size,
                       csum_start, csum_offset, len(frame)) + frame


def tcp_frame(v6, vlan, payload):
    eth = b"\x02" * 12
    if vlan:
        eth += b"\x81\x00\x00\x05"
    eth += b"\x86\xdd" if v6 else b"\x08\x00"
    tcp = struct.pack(">HHIIBBHHH", 12345, 80, 0xfffff000, 0, 0x80,
                      0x10 | 0x08 | 0x01 | 0x80, 0xffff, 0, 0) + bytes(12)
    data = bytes((i * 7) & 0xff for i in range(payload))
    if v6:
        ip = struct.pack(">IHBB", 0x60000000, 0, 6, 64) + \
            bytes(range(0x20, 0x40))
    else:
        ip = struct.pack(">BBHHHBBH", 0x45, 0, 0, 0x1234, 0x4000, 64, 6,
                         0) + b"\x0a\x00\x00\x01\x0a\x00\x00\x02"
    return eth + ip + tcp + data, len(eth) + len(ip)


def seeds_netoffload():
    all_caps = 0xf
    for name, v6, vlan, payload, mss in (
            ("tso4", False, False, 6000, 1448),
            ("tso4-vlan", False, True, 3000, 1000),
            ("tso6", True, False, 5000, 1428),
            ("tso4-no-payload", False, False, 0, 1448)):
        frame, l4 = tcp_frame(v6, vlan, payload)
        out("netoffload", name, off_input(0, 1, 4 if v6 else 1, mss, l4, 16,
                                          frame))
    frame, l4 = tcp_frame(False, False, 100)
    out("netoffload", "csum-only", off_input(0, 1, 0, 0, l4, 16, frame))
    out("netoffload", "passes", off_input(all_caps, 1, 1, 1448, l4, 16,
                                          frame))
    # regression: an odd csum_offset (fuzz_netoffload)
    out("netoffload", "regress-odd-csum-offset",
        off_input(8, 0x2c, 1, 0x1000, 16, 0x3f25, b"?" * 0x3f3f))


# --- netring: 1-byte operations of fuzz_netring.c ------------------------

def seeds_netring():
    (SEND, PUBLISH, RECV, DONE, WAIT_DATA, WAIT_SPACE, TX_ATTACH, RX_ATTACH,
     EVIL_TX, EVIL_RX, EVIL_DATA) = range(11)

    def send(n, fill, big=0):
        return struct.pack("<BHBB", SEND, n, big, fill)

    flow = b""
    for i in range(40):
        flow += send(60 + 97 * i, i) + send(1514, i + 1)
        flow += bytes([PUBLISH, RECV, RECV, DONE])
    out("netring", "flow", flow)
    out("netring", "full", send(0xffff, 1, 1) * 5 +
        bytes([PUBLISH]) + struct.pack("<BH", WAIT_SPACE, 0xffff) +
        bytes([RECV, DONE, WAIT_DATA]) + send(100, 2) + bytes([PUBLISH]))
    out("netring", "hostile", send(100, 1) + bytes([PUBLISH]) +
        struct.pack("<BBI", EVIL_TX, 0, 0x7fffffff) + bytes([RECV]) +
        bytes([TX_ATTACH, RECV]) + send(50, 3) + bytes([PUBLISH]) +
        struct.pack("<BII", EVIL_DATA, 0, 0xffffffff) + bytes([RECV]) +
        struct.pack("<BBI", EVIL_RX, 0, 12345) + send(10, 4) +
        bytes([RX_ATTACH]) + send(10, 5) + bytes([PUBLISH, RECV, DONE]))


# --- virtio_net: features, then 1-byte operations of fuzz_virtio_net.c ---

def seeds_virtio_net():
    RAM, RX_CHAIN, TX_CHAIN, RECEIVE, TSO, LINK, RESET = range(7)

    def chain(op, n, head, bufs):
        b = struct.pack("<BBB", op, n - 1, head)
        for addr, length, fl in bufs:
            b += struct.pack("<BIH", fl, addr - 0x2000, length)
        return b

    frame = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + \
        bytes(100)
    ram = struct.pack("<BIB", RAM, 0x8000 - 0x2000 + 12, len(frame)) + frame
    tx = chain(TX_CHAIN, 2, 0, [(0x8000, 12, 0), (0x800c, len(frame), 0)])
    rx = b"".join(chain(RX_CHAIN, 1, i, [(0x10000 + 0x800 * i, 2048, 1)])
                  for i in range(4))
    rcv = struct.pack("<BHBBHHH", RECEIVE, 1514, 0, 0, 0, 0, 0) + bytes(1514)
    tso = struct.pack("<BH", TSO, 6000) + bytes(12) + \
        struct.pack("<H", 1448) + bytes(6000)
    for name, feats in (("all-offloads", 0xffffffff), ("no-offloads", 0)):
        out("virtio_net", name, struct.pack("<I", feats) + ram + tx + rx +
            rcv + tso + bytes([LINK, 0]) + rcv + bytes([LINK, 1, RESET]) +
            rx + rcv)


# --- netswitch: ports, self, bridges; then operations of fuzz_netswitch.c --

NS_SEND, NS_ARRIVE, NS_LINK, NS_TIME = range(4)


def ns_frame(op, port, dst, src, length=60):
    """dst and src pick MACs: 2 * N is port N's, odd ones the others
    (1 unicast, 3 another, 5 broadcast, 7 multicast)."""
    return bytes([op, port, dst, src, length])


def seeds_netswitch():
    # Three ports, this one 0, port 1 a bridge: ARP-like broadcasts, replies,
    # a bridge's learned MAC, then a storm and time passing.
    learn = (ns_frame(NS_SEND, 0, 5, 0) + ns_frame(NS_ARRIVE, 1, 0, 1) +
             ns_frame(NS_SEND, 0, 1, 0) + ns_frame(NS_ARRIVE, 2, 0, 4) +
             ns_frame(NS_ARRIVE, 2, 0, 2) + ns_frame(NS_SEND, 0, 4, 0))
    out("netswitch", "learn", bytes([1, 0]) + struct.pack("<H", 0b010) + learn)
    storm = ns_frame(NS_SEND, 0, 5, 0) * 300 + bytes([NS_TIME]) + \
        struct.pack("<HB", 500, 0) + ns_frame(NS_SEND, 0, 7, 0) * 50
    out("netswitch", "storm", bytes([1, 0]) + struct.pack("<H", 0) + storm)
    links = (bytes([NS_LINK, 0x01, NS_LINK, 0x02]) + ns_frame(NS_SEND, 0, 2, 0) +
             bytes([NS_LINK, 0x81]) + ns_frame(NS_SEND, 0, 2, 0) +
             bytes([NS_TIME]) + struct.pack("<HB", 400, 1) + learn)
    out("netswitch", "links", bytes([3, 0]) + struct.pack("<H", 0b110) + links)
    # This port a bridge: sending from others' MACs and from learned ones.
    bridge = (ns_frame(NS_SEND, 0, 5, 1) + ns_frame(NS_SEND, 0, 2, 2) +
              ns_frame(NS_SEND, 0, 2, 3) + ns_frame(NS_SEND, 0, 2, 7))
    out("netswitch", "self-bridge", bytes([1, 0]) + struct.pack("<H", 0b001) + bridge)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: mkseeds.py DTB_DIR")
    for h in ("config", "bzimage", "vdev", "uart8250", "cmdline", "pci",
              "acpi", "virtqueue", "virtio_pci", "ctl", "netoffload", "netring", "virtio_net",
              "netswitch"):
        clear_seeds(h)
        os.makedirs(os.path.join(CORPUS, h), exist_ok=True)
    seeds_config(sys.argv[1])
    seeds_bzimage()
    seeds_vdev()
    seeds_uart8250()
    seeds_cmdline()
    seeds_pci()
    seeds_acpi()
    seeds_virtqueue()
    seeds_virtio_pci()
    seeds_ctl()
    seeds_netoffload()
    seeds_netring()
    seeds_virtio_net()
    seeds_netswitch()


if __name__ == "__main__":
    main()
