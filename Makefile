# slimhv: the slim Linux hypervisor appliance. `make help` lists targets.

SHELL := /bin/bash
.DEFAULT_GOAL := all

IMG      := images
OBJ      := $(IMG)/obj
SYSROOT  := $(CURDIR)/$(IMG)/sysroot
LIBFDT   := $(SYSROOT)/libfdt-src

MUSL_CC  ?= musl-gcc
HOST_CC  ?= gcc
WARN     := -Wall -Wextra -Werror
CFLAGS_COMMON := -std=gnu11 -D_GNU_SOURCE $(WARN) -I. -I$(LIBFDT) \
	-isystem $(SYSROOT)/include
SLIMHV_CFLAGS := $(CFLAGS_COMMON) -Os -ffunction-sections -fdata-sections
SLIMHV_LDFLAGS := -static -Wl,--gc-sections -s -pthread
# Unit tests run on the build machine's libc, with the sanitizers on.
UNIT_CFLAGS := $(CFLAGS_COMMON) -O1 -g -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=undefined

# Pure logic: no ioctls, covered by the unit tests.
PURE_SRCS := \
	vmm/log.c \
	vmm/memmap.c \
	vmm/bootparams.c \
	vmm/acpi.c \
	vmm/config.c \
	vmm/configfile.c \
	vmm/cmdline.c \
	vmm/ctl.c \
	vmm/kmsg.c \
	vmm/seccomp.c \
	vmm/jail.c \
	vmm/reboot.c \
	vmm/netfiles.c \
	vmm/cpulist.c \
	vmm/cpuplan.c \
	devices/bus.c \
	devices/uart8250.c \
	devices/pci.c \
	devices/msix.c \
	devices/pm.c \
	devices/virtio.c \
	devices/virtio_pci.c \
	devices/virtio_console.c \
	devices/netring.c \
	devices/netswitch.c \
	devices/netoffload.c \
	devices/virtio_net.c \
	devices/netport.c \
	passthrough/vdev.c \
	passthrough/host.c

# The parts that talk to KVM and the host.
SYS_SRCS := \
	passthrough/vfio.c \
	passthrough/assign.c \
	vmm/vm.c \
	vmm/vcpu.c \
	vmm/probe.c \
	vmm/sandbox.c \
	vmm/jailtest.c \
	vmm/net.c \
	vmm/hostcpus.c \
	vmm/run.c \
	vmm/init.c \
	vmm/supervisor.c \
	vmm/main.c

LIBFDT_SRCS := fdt.c fdt_ro.c fdt_wip.c fdt_sw.c fdt_rw.c fdt_strerror.c \
	fdt_empty_tree.c fdt_addresses.c

UNIT_SRCS := $(wildcard tests/unit/*.c)
HEADERS := $(wildcard vmm/*.h devices/*.h passthrough/*.h tests/unit/*.h \
	tests/fuzz/*.h)

# libFuzzer harnesses (tests/fuzz/fuzz_NAME.c) over the pure sources, built
# with clang and its libFuzzer (Debian: clang-14, libclang-rt-14-dev),
# AddressSanitizer and UBSan; a sanitizer report or a broken invariant
# aborts, and the fuzzer keeps the input.
FUZZ_CC  ?= clang-14
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS := $(CFLAGS_COMMON) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZERS := $(addprefix $(IMG)/fuzz/fuzz_,$(FUZZ_NAMES))
FUZZ_LIB_OBJS := $(patsubst %.c,$(OBJ)/fuzz/%.o,$(PURE_SRCS)) \
	$(patsubst %.c,$(OBJ)/fuzz/libfdt/%.o,$(LIBFDT_SRCS))
# Reached through a pattern rule only: keep them between builds.
.SECONDARY: $(FUZZ_LIB_OBJS) \
	$(patsubst %,$(OBJ)/fuzz/tests/fuzz/fuzz_%.o,$(FUZZ_NAMES))

SLIMHV_OBJS := $(patsubst %.c,$(OBJ)/musl/%.o,$(PURE_SRCS) $(SYS_SRCS)) \
	$(patsubst %.c,$(OBJ)/musl/libfdt/%.o,$(LIBFDT_SRCS))
UNIT_OBJS := $(patsubst %.c,$(OBJ)/host/%.o,$(PURE_SRCS) $(UNIT_SRCS)) \
	$(patsubst %.c,$(OBJ)/host/libfdt/%.o,$(LIBFDT_SRCS))

SYSROOT_STAMP := $(SYSROOT)/.done

DTS      := $(wildcard configs/*.dts tests/e2e/*.dts)
DTBS     := $(addprefix $(IMG)/dtb/,$(notdir $(DTS:.dts=.dtb)))

.PHONY: all help deps slimhv kernels initramfs image run check unit e2e soak bench lab-flakes \
	clean distclean checkpatch fuzzers fuzz fuzz-replay fuzz-seeds

help:
	@echo "make            build images/: host bzImage and initramfs, guest kernel and initramfs,"
	@echo "                and the boot media (make image)"
	@echo "make image      images/slimhv.efi (UEFI), images/slimhv-usb.img (dd to a USB stick),"
	@echo "                images/slimhv.ipxe with bzImage and initramfs.img (PXE)"
	@echo "                DOMAINS=FILE.dts: the domain configuration to boot (default configs/appliance.dts)"
	@echo "                PAYLOADS=DIR: its files become /guest/... (default: the guest this tree builds)"
	@echo "                CMDLINE=\"...\": the host kernel's command line"
	@echo "                SIGN_KEY=KEY SIGN_CERT=CERT: sign slimhv.efi for Secure Boot (sbsign)"
	@echo "make run        install what is missing, build, boot the appliance in the QEMU lab"
	@echo "make check      install what is missing, build, run every test tier that can run here"
	@echo "make bench      sizes, lab boot times and passthrough I/O, with and without the walls"
	@echo "make unit       unit tests only (no /dev/kvm, no lab)"
	@echo "make e2e        the lab tests only"
	@echo "make soak       the reboot and triple-fault soaks at 200 each (make check runs 20)"
	@echo "make lab-flakes N=10 [TESTS=\"passthrough flood\"]: each lab test N times, and"
	@echo "                its twin with QEMU as the nested VMM; a table of the failures"
	@echo "make checkpatch the kernel's checkpatch.pl over our C sources"
	@echo "make fuzz       every libFuzzer harness for FUZZ_TIME seconds (default 300) each"
	@echo "make fuzz-replay every file of the fuzz corpora once"
	@echo "make fuzz-seeds regenerate the seed corpora in tests/fuzz/corpus/"
	@echo "Variables: LINUX_VERSION=6.12|6.1 (Debian's linux-source-\$$V), SLIMHV_CACHE=DIR"
	@echo "  FUZZ_TIME=S, FUZZ_TARGETS=\"config vdev ...\", FUZZ_MERGE=1 (keep new inputs in the tree)"

deps:
	@scripts/deps.sh

$(SYSROOT_STAMP):
	@scripts/headers.sh $(SYSROOT)

$(OBJ)/musl/libfdt/%.o: $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      libfdt/$*.c"
	@$(MUSL_CC) -Os -I$(LIBFDT) -ffunction-sections -fdata-sections \
		-c $(LIBFDT)/$*.c -o $@

$(OBJ)/host/libfdt/%.o: $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@$(HOST_CC) -O1 -g -I$(LIBFDT) -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined -c $(LIBFDT)/$*.c -o $@

$(OBJ)/musl/%.o: %.c $(HEADERS) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(MUSL_CC) $(SLIMHV_CFLAGS) -c $< -o $@

$(OBJ)/host/%.o: %.c $(HEADERS) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOST_CC) $(UNIT_CFLAGS) -c $< -o $@

$(OBJ)/fuzz/libfdt/%.o: $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) -O1 -g -I$(LIBFDT) $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		-c $(LIBFDT)/$*.c -o $@

$(OBJ)/fuzz/%.o: %.c $(HEADERS) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# The harnesses themselves: sanitized, but their invariant checks are not
# coverage-instrumented (that would cost most of the run time and guide
# the fuzzer by the checks instead of by the code under test).
$(OBJ)/fuzz/tests/fuzz/%.o: tests/fuzz/%.c $(HEADERS) $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(CFLAGS_COMMON) -O1 -g $(FUZZ_SAN) -c $< -o $@

$(IMG)/fuzz/fuzz_%: $(OBJ)/fuzz/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -pthread -o $@ $^

$(IMG)/slimhv: $(SLIMHV_OBJS)
	@echo "  LD      $@"
	@$(MUSL_CC) $(SLIMHV_LDFLAGS) -o $@ $^

$(OBJ)/unit-tests: $(UNIT_OBJS)
	@echo "  LD      $@"
	@$(HOST_CC) -fsanitize=address,undefined -pthread -o $@ $^

slimhv: $(IMG)/slimhv

# --- images ---------------------------------------------------------------
KSCRIPTS := scripts/build-kernel.sh scripts/check-config.sh scripts/common.sh
MKCPIO   := scripts/mkinitramfs.sh

$(IMG)/bzImage: configs/host.config $(KSCRIPTS)
	@scripts/build-kernel.sh host $@

$(IMG)/guest/bzImage: configs/guest.config $(KSCRIPTS)
	@scripts/build-kernel.sh guest $@

$(IMG)/dtb/%.dtb: configs/%.dts
	@mkdir -p $(dir $@)
	@echo "  DTC     $<"
	@dtc -q -I dts -O dtb -o $@ $<

$(IMG)/dtb/%.dtb: tests/e2e/%.dts
	@mkdir -p $(dir $@)
	@echo "  DTC     $<"
	@dtc -q -I dts -O dtb -o $@ $<

# slimctl, the control client of a privileged guest: static, on musl.
$(IMG)/guest/slimctl: initramfs/guest/slimctl.c $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(MUSL_CC) $(SLIMHV_CFLAGS) -static -s -o $@ $<

# slimhv-attack, a malicious driver's accesses from a privileged guest
# (slimhv.guest=attack): static, on musl.
ATTACK_SRCS := initramfs/guest/slimhv-attack.c initramfs/guest/slimhv-attack-pt.c
$(IMG)/guest/slimhv-attack: $(ATTACK_SRCS) initramfs/guest/slimhv-attack.h $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(MUSL_CC) $(SLIMHV_CFLAGS) -static -s -o $@ $(ATTACK_SRCS)

# slimhv-flood, a broadcast storm from a guest (the network test): static,
# on musl.
$(IMG)/guest/slimhv-flood: initramfs/guest/slimhv-flood.c $(SYSROOT_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(MUSL_CC) $(SLIMHV_CFLAGS) -static -s -o $@ $<

$(IMG)/guest/initramfs.cpio.gz: initramfs/guest.list $(wildcard initramfs/guest/*) $(MKCPIO) $(SYSROOT_STAMP) $(IMG)/guest/slimctl $(IMG)/guest/slimhv-attack $(IMG)/guest/slimhv-flood
	@echo "  CPIO    $@"
	@$(MKCPIO) initramfs/guest.list $@

# The host initramfs (images/initramfs.img, written by `make image`) is
# archives concatenated: slimhv, busybox and the stock configurations (xz);
# the guest payloads (a plain cpio: they are compressed already); and, with
# DOMAINS=, the domain configuration to boot. The first alone is what the
# size target counts.
$(IMG)/initramfs-base.cpio.xz: initramfs/host.list initramfs/host-profile $(MKCPIO) $(IMG)/slimhv $(DTBS)
	@echo "  CPIO    $@"
	@DTBS="$(DTBS)" $(MKCPIO) initramfs/host.list $@ busybox-links

# A guest that triple-faults at once (tests/guest/triple-fault.S): a flat
# bzImage, assembled with the host's compiler.
# The same for a guest that halts at once (tests/guest/halt.S).
$(IMG)/guest/%: tests/guest/%.S tests/guest/bzimage-header.S
	@mkdir -p $(OBJ)/guest $(dir $@)
	@echo "  AS      $<"
	@$(HOST_CC) -c $< -o $(OBJ)/guest/$*.o
	@objcopy -O binary -j .text $(OBJ)/guest/$*.o $@

$(IMG)/initramfs-guests.cpio: initramfs/guests.list $(MKCPIO) $(IMG)/guest/bzImage $(IMG)/guest/initramfs.cpio.gz $(IMG)/guest/triple-fault $(IMG)/guest/halt
	@echo "  CPIO    $@"
	@$(MKCPIO) initramfs/guests.list $@

IMAGES := $(IMG)/bzImage $(IMG)/initramfs-base.cpio.xz \
	$(IMG)/initramfs-guests.cpio $(IMG)/guest/bzImage \
	$(IMG)/guest/initramfs.cpio.gz $(IMG)/guest/triple-fault \
	$(IMG)/guest/halt

# The boot media: seconds, no kernel build (scripts/mkimage.sh).
DOMAINS  ?=
PAYLOADS ?=
CMDLINE  ?=
SIGN_KEY ?=
SIGN_CERT ?=
image: $(IMAGES) $(IMG)/slimhv
	@scripts/mkimage.sh $(if $(DOMAINS),--domains "$(DOMAINS)") \
		$(if $(PAYLOADS),--payloads "$(PAYLOADS)") \
		$(if $(CMDLINE),--cmdline "$(CMDLINE)") \
		$(if $(SIGN_KEY),--sign-key "$(SIGN_KEY)") \
		$(if $(SIGN_CERT),--sign-cert "$(SIGN_CERT)") $(IMG)

all: image
	@ls -l $(IMAGES) $(IMG)/initramfs.img $(IMG)/slimhv | \
		awk '{printf "  %-32s %9d bytes\n", $$9, $$5}'

unit: $(OBJ)/unit-tests $(DTBS)
	@SLIMHV_TEST_DTB_DIR=$(CURDIR)/$(IMG)/dtb $(OBJ)/unit-tests

run: deps
	@$(MAKE) --no-print-directory all
	@echo "Booting the appliance in the lab machine (QEMU TCG, q35, intel-iommu, e1000e, nvme)."
	@echo "In the guest shell 'poweroff -f' powers the appliance off; Ctrl-A x quits QEMU."
	@scripts/lab.sh

check: deps
	@$(MAKE) --no-print-directory all $(OBJ)/unit-tests fuzzers
	@scripts/check.sh

fuzzers: $(FUZZERS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzzers
	@scripts/fuzz.sh run $(FUZZ_TARGETS)

fuzz-replay: fuzzers
	@scripts/fuzz.sh replay $(FUZZ_TARGETS)

fuzz-seeds: $(DTBS)
	@python3 tests/fuzz/mkseeds.py $(IMG)/dtb

e2e: all
	@python3 tests/e2e/run.py cli image lab firmware

# The flake meter: each lab test N times, and its twin under QEMU as the
# nested VMM where it has one (tests/e2e/flakes.py).
N ?= 10
TESTS ?=
lab-flakes: deps
	@$(MAKE) --no-print-directory all
	@python3 tests/e2e/flakes.py -n $(N) $(TESTS)

soak: deps
	@$(MAKE) --no-print-directory all
	@python3 tests/e2e/run.py soak

bench: deps
	@$(MAKE) --no-print-directory all $(IMG)/bench/bzImage-nomitigations
	@python3 scripts/bench.py

# make bench's "before": the host kernel without its mitigations.
$(IMG)/bench/bzImage-nomitigations: configs/host.config $(KSCRIPTS)
	@scripts/build-kernel.sh host-nomitigations $@

checkpatch:
	@scripts/checkpatch.sh

clean:
	rm -rf $(OBJ) $(IMG)/slimhv $(FUZZERS)

distclean:
	rm -rf $(IMG)/*
