// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X table and pending bits (see msix.h).
 */
#include <errno.h>
#include <string.h>

#include "devices/msix.h"

int msix_table_init(struct msix_table *t, struct msix_entry *entries,
		    uint64_t *pending, unsigned int nr)
{
	if (!nr || nr > MSIX_MAX_VECTORS)
		return -EINVAL;
	t->nr = nr;
	t->enabled = false;
	t->fmask = false;
	t->entries = entries;
	t->pending = pending;
	memset(entries, 0, nr * sizeof(*entries));
	for (unsigned int i = 0; i < nr; i++)
		entries[i].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	memset(pending, 0, MSIX_PBA_SIZE(nr));
	return 0;
}

static bool access_ok(uint64_t off, uint32_t len, uint64_t size)
{
	return (len == 4 || len == 8) && !(off & (len - 1)) && off < size &&
	       len <= size - off;
}

/* An entry as its four dwords. */
static void entry_words(const struct msix_entry *e, uint32_t w[4])
{
	w[0] = e->addr;
	w[1] = e->addr >> 32;
	w[2] = e->data;
	w[3] = e->ctrl;
}

int msix_table_read(const struct msix_table *t, uint64_t off, void *data,
		    uint32_t len)
{
	uint8_t *p = data;
	uint32_t w[4];

	if (!access_ok(off, len, MSIX_TABLE_SIZE(t->nr))) {
		memset(data, 0, len);
		return -EINVAL;
	}
	entry_words(&t->entries[off / PCI_MSIX_ENTRY_SIZE], w);
	off %= PCI_MSIX_ENTRY_SIZE;
	for (uint32_t i = 0; i < len / 4; i++)
		le_put(p + 4 * i, 4, w[off / 4 + i]);
	return 0;
}

int msix_table_write(struct msix_table *t, uint64_t off, const void *data,
		     uint32_t len, bool *changed)
{
	const uint8_t *p = data;
	struct msix_entry *e, ne;
	uint32_t w[4];

	*changed = false;
	if (!access_ok(off, len, MSIX_TABLE_SIZE(t->nr)))
		return -EINVAL;
	e = &t->entries[off / PCI_MSIX_ENTRY_SIZE];
	entry_words(e, w);
	off %= PCI_MSIX_ENTRY_SIZE;
	for (uint32_t i = 0; i < len / 4; i++)
		w[off / 4 + i] = le_get(p + 4 * i, 4);
	ne.addr = w[0] | (uint64_t)w[1] << 32;
	ne.data = w[2];
	ne.ctrl = w[3] & PCI_MSIX_ENTRY_CTRL_MASKBIT;
	if (ne.addr == e->addr && ne.data == e->data && ne.ctrl == e->ctrl)
		return 0;
	*e = ne;
	*changed = true;
	return 0;
}

int msix_pba_read(const struct msix_table *t, uint64_t off, void *data,
		  uint32_t len)
{
	uint8_t *p = data;

	if (!access_ok(off, len, MSIX_PBA_SIZE(t->nr))) {
		memset(data, 0, len);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < len; i++) {
		uint64_t b = off + i;

		p[i] = t->pending[b / 8] >> (8 * (b % 8));
	}
	return 0;
}

bool msix_set_control(struct msix_table *t, uint16_t flags)
{
	bool en = flags & PCI_MSIX_FLAGS_ENABLE;
	bool fm = flags & PCI_MSIX_FLAGS_MASKALL;

	if (en == t->enabled && fm == t->fmask)
		return false;
	t->enabled = en;
	t->fmask = fm;
	return true;
}

bool msix_vector(const struct msix_table *t, unsigned int v, uint64_t *addr,
		 uint32_t *data)
{
	const struct msix_entry *e;

	if (v >= t->nr)
		return false;
	e = &t->entries[v];
	if (addr)
		*addr = e->addr;
	if (data)
		*data = e->data;
	return t->enabled && !t->fmask &&
	       !(e->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

void msix_set_pending(struct msix_table *t, unsigned int v)
{
	if (v < t->nr)
		t->pending[v / 64] |= 1ULL << (v % 64);
}

bool msix_take_pending(struct msix_table *t, unsigned int v)
{
	uint64_t bit = 1ULL << (v % 64);
	bool was;

	if (v >= t->nr)
		return false;
	was = t->pending[v / 64] & bit;
	t->pending[v / 64] &= ~bit;
	return was;
}

int msix_add_cap(struct pci_cfg *cfg, unsigned int nr, uint8_t bar,
		 uint32_t table_off, uint32_t pba_off)
{
	int pos;

	if (!nr || nr > MSIX_MAX_VECTORS || bar > 5 || (table_off & 7) ||
	    (pba_off & 7))
		return -EINVAL;
	pos = pci_cfg_add_cap(cfg, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
	if (pos < 0)
		return pos;
	pci_cfg_set16(cfg, pos + PCI_MSIX_FLAGS, nr - 1);
	pci_cfg_set_wmask(cfg, pos + PCI_MSIX_FLAGS,
			  PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 2);
	pci_cfg_set32(cfg, pos + PCI_MSIX_TABLE, table_off | bar);
	pci_cfg_set32(cfg, pos + PCI_MSIX_PBA, pba_off | bar);
	return pos;
}
