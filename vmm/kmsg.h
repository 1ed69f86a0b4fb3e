/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host kernel's messages through PID 1. Once slimhv runs, the kernel
 * prints only emergencies on the console itself (and all of it when it
 * oopses or panics); PID 1 reads the rest from /dev/kmsg and writes each
 * message as a whole line of its console, so that no kernel line cuts
 * into a guest's or into slimhv's own.
 */
#ifndef SLIMHV_VMM_KMSG_H
#define SLIMHV_VMM_KMSG_H

#include <stddef.h>
#include <sys/types.h>

/* The kernel's levels: 0 (KERN_EMERG) to 7 (KERN_DEBUG). */
#define KMSG_LEVEL_INFO		6
#define KMSG_LEVEL_DEBUG	7

/*
 * One /dev/kmsg record, "PRI,SEQ,USEC,FLAGS[,...];TEXT\n" with optional
 * continuation lines (" KEY=VALUE\n"), as the console shows it:
 * "[SSSSS.UUUUUU] TEXT\n" in @out (cut to fit). Returns its length, 0
 * when its level is above @max_level, or -EINVAL for what is not a
 * record.
 */
ssize_t kmsg_format(const char *rec, size_t len, int max_level, char *out,
		    size_t outlen);

/*
 * /dev/kmsg, open and past what the kernel has printed so far, with the
 * console left to emergencies: the descriptor, or -errno (the console
 * untouched then).
 */
int kmsg_take_console(void);

#endif /* SLIMHV_VMM_KMSG_H */
