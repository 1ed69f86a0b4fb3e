/* SPDX-License-Identifier: GPL-2.0 */
/* slimhv as PID 1 of the host: bring-up, pre-flight, supervision. */
#ifndef SLIMHV_VMM_INIT_H
#define SLIMHV_VMM_INIT_H

#include <stdint.h>

#include "vmm/compiler.h"

#define SLIMHV_DEFAULT_CONFIG	"/etc/slimhv/appliance.dtb"

/* Never returns. */
__noreturn void init_main(uint64_t start_ns);

#endif /* SLIMHV_VMM_INIT_H */
