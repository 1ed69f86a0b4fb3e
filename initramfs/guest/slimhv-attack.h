/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two halves of slimhv-attack share: the report line, MMIO
 * accesses that survive a fault, and sysfs access to PCI functions.
 */
#ifndef SLIMHV_GUEST_ATTACK_H
#define SLIMHV_GUEST_ATTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/compiler.h"

#define PCI_DIR		"/sys/bus/pci/devices"
#define PAGE		4096UL

/* "slimhv-guest: attack NAME: RESULT", counted. */
__printf(2, 3) void report(const char *name, const char *fmt, ...);
/* One access of exactly @w bytes; false (reads all-ones) on SIGBUS/SEGV. */
bool safe_rd(void *p, int w, uint64_t *v);
bool safe_wr(void *p, int w, uint64_t v);

int sysfs_write(const char *path, const char *s);
/* The first PCI function with @vendor and @device ("0x...") into @bdf. */
bool find_pci(const char *vendor, const char *device, char *bdf);
/* Unbind @bdf's driver; its name goes to @drv ("" if it had none). */
void unbind_driver(const char *bdf, char *drv, size_t len);
/* @bdf's config space file, and accesses of @w bytes to it. */
int cfg_fd(const char *bdf);
uint32_t cfg_rd(int fd, int off, int w);
void cfg_wr(int fd, int off, int w, uint32_t v);
/* BAR @bar of @bdf mapped whole (its size in @len), or NULL. */
uint8_t *map_resource(const char *bdf, int bar, size_t *len);

/* Attacks on an assigned device: -ENODEV when there is none. */
int pt_attacks(const char *vendor, const char *device, const char *what);
/* MMIO holes and unused I/O ports. */
void hole_attacks(void);

#endif /* SLIMHV_GUEST_ATTACK_H */
