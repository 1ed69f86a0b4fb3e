// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/iommufd.h>

#include "passthrough/host.h"
#include "passthrough/vfio.h"
#include "vmm/kvm.h"
#include "vmm/log.h"

#define errf(...)	snprintf(err, errlen, __VA_ARGS__)

bool vfio_use_container;

int vfio_ctx_open(struct vfio_ctx *ctx, char *err, size_t errlen)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	ctx->iommufd = -1;
	ctx->container = -1;
	if (!vfio_use_container)
		ctx->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (ctx->iommufd >= 0) {
		ret = kvm_ioctl_val(ctx->iommufd, IOMMU_IOAS_ALLOC, &alloc);
		if (ret) {
			errf("iommufd: IOMMU_IOAS_ALLOC: %s", strerror(-ret));
			vfio_ctx_close(ctx);
			return ret;
		}
		ctx->ioas = alloc.out_ioas_id;
		return 0;
	}
	/* No iommufd (or not wanted): the legacy container. */
	ctx->legacy = true;
	ctx->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (ctx->container < 0) {
		ret = -errno;
		errf("neither /dev/iommu nor /dev/vfio/vfio can be opened: %s (is VFIO in the host kernel?)",
		     strerror(errno));
		return ret;
	}
	ret = kvm_ioctl_val(ctx->container, VFIO_GET_API_VERSION, 0);
	if (ret != VFIO_API_VERSION ||
	    kvm_ioctl_val(ctx->container, VFIO_CHECK_EXTENSION,
			  VFIO_TYPE1v2_IOMMU) <= 0) {
		errf("the VFIO container has no type1v2 IOMMU");
		vfio_ctx_close(ctx);
		return -ENOTSUP;
	}
	return 0;
}

void vfio_ctx_close(struct vfio_ctx *ctx)
{
	for (unsigned int i = 0; i < ctx->nr_groups; i++)
		close(ctx->groups[i]);
	ctx->nr_groups = 0;
	if (ctx->iommufd >= 0)
		close(ctx->iommufd);
	if (ctx->container >= 0)
		close(ctx->container);
	ctx->iommufd = -1;
	ctx->container = -1;
}

/* /sys/bus/pci/devices/BDF/vfio-dev/vfioN -> /dev/vfio/devices/vfioN */
static int open_cdev(const char *bdf)
{
	char path[PATH_MAX];
	struct dirent *e;
	int fd = -ENOENT;
	DIR *d;

	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/vfio-dev",
		 host_root, bdf);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "vfio", 4))
			continue;
		snprintf(path, sizeof(path), "/dev/vfio/devices/%s",
			 e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		break;
	}
	closedir(d);
	return fd;
}

static int open_iommufd_device(struct vfio_ctx *ctx, const char *bdf,
			       char *err, size_t errlen)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = ctx->iommufd,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach), .pt_id = ctx->ioas,
	};
	int fd, ret;

	fd = open_cdev(bdf);
	if (fd < 0) {
		errf("device %s: cannot open its VFIO cdev: %s", bdf,
		     strerror(-fd));
		return fd;
	}
	ret = kvm_ioctl_val(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
	if (ret) {
		errf("device %s: VFIO_DEVICE_BIND_IOMMUFD: %s%s", bdf,
		     strerror(-ret), ret == -EPERM ?
		     " (no interrupt remapping?)" : "");
		goto err_close;
	}
	ret = kvm_ioctl_val(fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
	if (ret) {
		errf("device %s: VFIO_DEVICE_ATTACH_IOMMUFD_PT: %s", bdf,
		     strerror(-ret));
		goto err_close;
	}
	return fd;
err_close:
	close(fd);
	return ret;
}

static int open_group_device(struct vfio_ctx *ctx, const char *bdf,
			     char *err, size_t errlen)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[64], link[PATH_MAX], target[PATH_MAX];
	const char *slash;
	int gfd = -1, ret, fd, group;
	unsigned int i;
	ssize_t n;

	snprintf(link, sizeof(link), "%s/sys/bus/pci/devices/%s/iommu_group",
		 host_root, bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0) {
		errf("device %s: no IOMMU group", bdf);
		return -ENODEV;
	}
	target[n] = 0;
	slash = strrchr(target, '/');
	group = atoi(slash ? slash + 1 : target);
	for (i = 0; i < ctx->nr_groups; i++)
		if (ctx->group_ids[i] == group)
			gfd = ctx->groups[i];
	if (gfd < 0) {
		if (ctx->nr_groups == VFIO_MAX_GROUPS) {
			errf("too many IOMMU groups");
			return -ENOSPC;
		}
		snprintf(path, sizeof(path), "/dev/vfio/%d", group);
		gfd = open(path, O_RDWR | O_CLOEXEC);
		if (gfd < 0) {
			ret = -errno;
			errf("device %s: cannot open %s: %s", bdf, path,
			     strerror(errno));
			return ret;
		}
		ret = kvm_ioctl_val(gfd, VFIO_GROUP_GET_STATUS, &status);
		if (ret || !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
			errf("device %s: IOMMU group %d is not viable (bind every device in it to vfio-pci)",
			     bdf, group);
			close(gfd);
			return -EBUSY;
		}
		ret = kvm_ioctl_val(gfd, VFIO_GROUP_SET_CONTAINER,
				    &ctx->container);
		if (!ret && !ctx->iommu_set)
			ret = kvm_ioctl_val(ctx->container, VFIO_SET_IOMMU,
					    VFIO_TYPE1v2_IOMMU);
		if (ret) {
			errf("device %s: cannot attach group %d to the container: %s",
			     bdf, group, strerror(-ret));
			close(gfd);
			return ret;
		}
		ctx->iommu_set = true;
		ctx->groups[ctx->nr_groups] = gfd;
		ctx->group_ids[ctx->nr_groups++] = group;
	}
	fd = kvm_ioctl_val(gfd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (fd < 0)
		errf("device %s: VFIO_GROUP_GET_DEVICE_FD: %s", bdf,
		     strerror(-fd));
	return fd;
}

static void region_sparse_areas(struct vfio_region *r,
				const struct vfio_region_info *info)
{
	const uint8_t *base = (const uint8_t *)info;
	uint32_t off = info->cap_offset;
	unsigned int hops = 0;

	r->nr_mmap = 0;
	if (!(r->flags & VFIO_REGION_INFO_FLAG_MMAP))
		return;
	/* Without a sparse layout, the whole region may be mapped. */
	r->mmap[0] = (struct vfio_area) { .off = 0, .size = r->size };
	r->nr_mmap = 1;
	if (!(info->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return;
	while (off && off + sizeof(struct vfio_info_cap_header) <=
	       info->argsz && hops++ < 16) {
		const struct vfio_info_cap_header *h = (const void *)(base + off);

		if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			const struct vfio_region_info_cap_sparse_mmap *s =
				(const void *)h;
			uint32_t n = s->nr_areas;

			if (n > VFIO_MAX_SPARSE)
				n = VFIO_MAX_SPARSE;
			if (off + sizeof(*s) + n * sizeof(s->areas[0]) >
			    info->argsz)
				break;
			for (uint32_t i = 0; i < n; i++) {
				r->mmap[i].off = s->areas[i].offset;
				r->mmap[i].size = s->areas[i].size;
			}
			r->nr_mmap = n;
		}
		off = h->next;
	}
}

static int read_region(struct vfio_device *dev, uint32_t index)
{
	union {
		struct vfio_region_info info;
		uint8_t buf[1024];
	} u;
	struct vfio_region *r = &dev->regions[index];
	int ret;

	memset(&u, 0, sizeof(u));
	u.info.argsz = sizeof(u);
	u.info.index = index;
	ret = kvm_ioctl_val(dev->fd, VFIO_DEVICE_GET_REGION_INFO, &u.info);
	if (ret)
		return ret;
	if (u.info.argsz > sizeof(u))
		u.info.flags &= ~VFIO_REGION_INFO_FLAG_CAPS;
	r->index = index;
	r->flags = u.info.flags;
	r->size = u.info.size;
	r->offset = u.info.offset;
	region_sparse_areas(r, &u.info);
	return 0;
}

int vfio_device_open(struct vfio_ctx *ctx, const char *bdf,
		     struct vfio_device *dev, char *err, size_t errlen)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int ret;

	memset(dev, 0, sizeof(*dev));
	snprintf(dev->bdf, sizeof(dev->bdf), "%s", bdf);
	dev->fd = ctx->legacy ? open_group_device(ctx, bdf, err, errlen) :
				open_iommufd_device(ctx, bdf, err, errlen);
	if (dev->fd < 0)
		return dev->fd;
	ret = kvm_ioctl_val(dev->fd, VFIO_DEVICE_GET_INFO, &info);
	if (ret || !(info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    info.num_regions < VFIO_PCI_CONFIG_REGION_INDEX + 1) {
		errf("device %s: not a VFIO PCI device", bdf);
		ret = ret ? ret : -ENODEV;
		goto err_close;
	}
	dev->flags = info.flags;
	/* The BARs, the ROM and config space; not the VGA region. */
	for (uint32_t i = 0; i <= VFIO_PCI_CONFIG_REGION_INDEX; i++) {
		ret = read_region(dev, i);
		if (ret) {
			errf("device %s: region %u: %s", bdf, i, strerror(-ret));
			goto err_close;
		}
	}
	for (uint32_t i = 0; i < VFIO_PCI_NUM_IRQS && i < info.num_irqs; i++) {
		struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = i };

		if (kvm_ioctl_val(dev->fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) == 0)
			dev->num_irqs[i] = irq.count;
	}
	return 0;
err_close:
	close(dev->fd);
	dev->fd = -1;
	return ret;
}

int vfio_device_reset(struct vfio_device *dev)
{
	if (!(dev->flags & VFIO_DEVICE_FLAGS_RESET))
		return -ENOTSUP;
	return kvm_ioctl_val(dev->fd, VFIO_DEVICE_RESET, 0);
}

void vfio_device_close(struct vfio_device *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}

int vfio_dma_map(struct vfio_ctx *ctx, uint64_t iova, void *hva,
		 uint64_t size)
{
	if (ctx->legacy) {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)hva, .iova = iova, .size = size,
		};

		return kvm_ioctl_val(ctx->container, VFIO_IOMMU_MAP_DMA, &map);
	}
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ctx->ioas,
		.user_va = (uintptr_t)hva, .length = size, .iova = iova,
	};

	return kvm_ioctl_val(ctx->iommufd, IOMMU_IOAS_MAP, &map);
}

int vfio_dma_unmap_all(struct vfio_ctx *ctx)
{
	if (ctx->legacy) {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap),
			.flags = VFIO_DMA_UNMAP_FLAG_ALL,
		};

		return kvm_ioctl_val(ctx->container, VFIO_IOMMU_UNMAP_DMA,
				     &unmap);
	}
	/* iova 0 and length U64_MAX: the whole IOAS. */
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .ioas_id = ctx->ioas,
		.iova = 0, .length = UINT64_MAX,
	};

	return kvm_ioctl_val(ctx->iommufd, IOMMU_IOAS_UNMAP, &unmap);
}

static int region_check(struct vfio_device *dev, unsigned int index,
			uint64_t off, uint32_t len)
{
	if (index >= VFIO_PCI_NUM_REGIONS || !dev->regions[index].size ||
	    off > dev->regions[index].size ||
	    len > dev->regions[index].size - off)
		return -EINVAL;
	return 0;
}

int vfio_region_read(struct vfio_device *dev, unsigned int index,
		     uint64_t off, void *buf, uint32_t len)
{
	ssize_t n;

	if (region_check(dev, index, off, len))
		return -EINVAL;
	n = pread(dev->fd, buf, len, dev->regions[index].offset + off);
	if (n < 0)
		return -errno;
	return (uint32_t)n == len ? 0 : -EIO;
}

int vfio_region_write(struct vfio_device *dev, unsigned int index,
		      uint64_t off, const void *buf, uint32_t len)
{
	ssize_t n;

	if (region_check(dev, index, off, len))
		return -EINVAL;
	n = pwrite(dev->fd, buf, len, dev->regions[index].offset + off);
	if (n < 0)
		return -errno;
	return (uint32_t)n == len ? 0 : -EIO;
}

int vfio_set_irqs(struct vfio_device *dev, uint32_t irq_index,
		  uint32_t action, uint32_t start, uint32_t count,
		  const int *fds)
{
	size_t sz = sizeof(struct vfio_irq_set) + count * sizeof(int32_t);
	struct vfio_irq_set *set = calloc(1, sz);
	int ret;

	if (!set)
		return -ENOMEM;
	set->argsz = sz;
	set->flags = action | (count ? VFIO_IRQ_SET_DATA_EVENTFD :
				       VFIO_IRQ_SET_DATA_NONE);
	set->index = irq_index;
	set->start = start;
	set->count = count;
	if (count)
		memcpy(set->data, fds, count * sizeof(int32_t));
	ret = kvm_ioctl_val(dev->fd, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	return ret;
}
