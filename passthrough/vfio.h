/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's VFIO interface for one VM: iommufd with the VFIO device
 * cdev (/dev/iommu, /dev/vfio/devices/vfioN), or the legacy type1
 * container and groups (/dev/vfio/vfio, /dev/vfio/N) where the host kernel
 * has no iommufd. One IOMMU address space per VM: guest RAM, IOVA = GPA.
 */
#ifndef SLIMHV_PASSTHROUGH_VFIO_H
#define SLIMHV_PASSTHROUGH_VFIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vfio.h>

#define VFIO_MAX_GROUPS		16
#define VFIO_MAX_SPARSE		8

/*
 * Use the legacy group/container (type1) API even where /dev/iommu exists:
 * PID 1 sets it from the kernel parameter slimhv.vfio=container.
 */
extern bool vfio_use_container;

struct vfio_ctx {
	bool legacy;
	int iommufd;		/* iommufd mode */
	uint32_t ioas;
	int container;		/* legacy mode */
	bool iommu_set;
	int groups[VFIO_MAX_GROUPS];	/* group fds, by index */
	int group_ids[VFIO_MAX_GROUPS];
	unsigned int nr_groups;
};

struct vfio_area {
	uint64_t off;		/* within the region */
	uint64_t size;
};

struct vfio_region {
	uint32_t index;
	uint32_t flags;
	uint64_t size;
	uint64_t offset;	/* of the region in the device fd */
	unsigned int nr_mmap;	/* areas that may be mmapped */
	struct vfio_area mmap[VFIO_MAX_SPARSE];
};

struct vfio_device {
	char bdf[16];
	int fd;
	uint32_t flags;
	uint32_t num_irqs[VFIO_PCI_NUM_IRQS];
	struct vfio_region regions[VFIO_PCI_NUM_REGIONS];
};

int vfio_ctx_open(struct vfio_ctx *ctx, char *err, size_t errlen);
void vfio_ctx_close(struct vfio_ctx *ctx);

/* Open @bdf (already bound to vfio-pci), read its regions and IRQs. */
int vfio_device_open(struct vfio_ctx *ctx, const char *bdf,
		     struct vfio_device *dev, char *err, size_t errlen);
void vfio_device_close(struct vfio_device *dev);
int vfio_device_reset(struct vfio_device *dev);

/* Map [@hva, @hva + @size) for DMA at @iova, readable and writable. */
int vfio_dma_map(struct vfio_ctx *ctx, uint64_t iova, void *hva,
		 uint64_t size);
/* Every mapping of @ctx gone (the pages it pinned unpinned). */
int vfio_dma_unmap_all(struct vfio_ctx *ctx);

int vfio_region_read(struct vfio_device *dev, unsigned int index,
		     uint64_t off, void *buf, uint32_t len);
int vfio_region_write(struct vfio_device *dev, unsigned int index,
		      uint64_t off, const void *buf, uint32_t len);

/*
 * VFIO_DEVICE_SET_IRQS with eventfds (-1 for none) for vectors
 * @start .. @start + @count - 1 of @irq_index; @count 0 disables.
 */
int vfio_set_irqs(struct vfio_device *dev, uint32_t irq_index,
		  uint32_t action, uint32_t start, uint32_t count,
		  const int *fds);

#endif /* SLIMHV_PASSTHROUGH_VFIO_H */
