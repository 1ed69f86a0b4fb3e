/* SPDX-License-Identifier: GPL-2.0 */
/* Reading a domain configuration file (a DTB) from disk. */
#ifndef SLIMHV_VMM_CONFIGFILE_H
#define SLIMHV_VMM_CONFIGFILE_H

#include <stddef.h>
#include <stdio.h>

#include "vmm/config.h"

/*
 * Reads the DTB at @path and parses it into @cfg (config_parse()). Returns
 * 0, or a negative errno with the reason, naming the file, in @err.
 */
int config_load_file(const char *path, struct slimhv_config *cfg,
		     char *err, size_t errlen);

/*
 * Writes @cfg as text, one domain after another: a line with the name,
 * vCPUs, memory, privilege and restart policy, then "  kernel PATH",
 * "  initrd PATH", "  cmdline ...", "  devices ..." as they are set.
 */
void config_print(FILE *f, const struct slimhv_config *cfg);

#endif /* SLIMHV_VMM_CONFIGFILE_H */
