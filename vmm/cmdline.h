/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command line of `slimhv run`: one ad-hoc guest, described by options
 * instead of a config file. Pure logic.
 */
#ifndef SLIMHV_VMM_CMDLINE_H
#define SLIMHV_VMM_CMDLINE_H

#include "vmm/config.h"

#define CMDLINE_DEFAULT_NAME	"guest"
#define CMDLINE_DEFAULT_MEM	(512ULL << 20)

/*
 * Parses `slimhv run` arguments (argv[0] is "run"): --kernel K (required),
 * --initrd I, --cmdline C, --cpus N (1..64), --mem SIZE (default 512M),
 * --vfio DEV (repeatable, the syntax of "devices" in config.h), --name NAME
 * (default "guest"), --restart POLICY, --help (or -h).
 *
 * Both "--opt value" and "--opt=value" work; a separate value may not
 * start with "--" (write --cmdline=--foo for that). Each option but --vfio
 * may be given once. Fills @d; on error writes one line to @err and
 * returns -EINVAL. Returns 1 when --help was given (before any error).
 */
int cmdline_parse_run(int argc, char **argv, struct domain_config *d,
		      char *err, size_t errlen);

extern const char cmdline_run_usage[];

#endif /* SLIMHV_VMM_CMDLINE_H */
