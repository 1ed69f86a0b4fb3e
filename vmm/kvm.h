/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin ioctl wrappers in the style of the kernel's KVM selftests: each
 * returns 0 (or the ioctl's non-negative result) or -errno, and the pointer
 * variant checks at compile time that the argument's size matches the size
 * the ioctl number encodes.
 */
#ifndef SLIMHV_VMM_KVM_H
#define SLIMHV_VMM_KVM_H

#include <errno.h>
#include <sys/ioctl.h>
#include <linux/kvm.h>

static inline int __sys_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

#define kvm_ioctl_ptr(fd, cmd, ptr) ({					\
	_Static_assert(_IOC_SIZE(cmd) == sizeof(*(ptr)),		\
		       "argument size does not match " #cmd);		\
	__sys_ioctl((fd), (cmd), (unsigned long)(ptr));			\
})

/* For ioctls that take a value, or a variable-sized struct. */
#define kvm_ioctl_val(fd, cmd, val)					\
	__sys_ioctl((fd), (cmd), (unsigned long)(val))

#endif /* SLIMHV_VMM_KVM_H */
