// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "vmm/memmap.h"

int guest_mem_layout(struct guest_mem *m, uint64_t size)
{
	if (size < GUEST_MEM_MIN || size > GUEST_MEM_MAX)
		return -EINVAL;
	m->size = size;
	m->low_size = size < MEM_LOW_RAM_MAX ? size : MEM_LOW_RAM_MAX;
	m->high_size = size - m->low_size;
	return 0;
}

void *gpa_to_hva(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (!m->host || gpa + len < gpa)
		return NULL;
	if (gpa + len <= m->low_size)
		return m->host + gpa;
	if (gpa >= MEM_4G && gpa - MEM_4G + len <= m->high_size)
		return m->host + m->low_size + (gpa - MEM_4G);
	return NULL;
}

uint64_t guest_mmio64_base(const struct guest_mem *m)
{
	uint64_t top = MEM_4G + m->high_size;

	return (top + PCI_MMIO64_SIZE - 1) & ~(PCI_MMIO64_SIZE - 1);
}
