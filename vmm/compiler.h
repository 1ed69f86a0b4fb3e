/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's short names for the compiler attributes we use, so that the
 * rest of the tree reads like kernel code (and checkpatch asks for them).
 */
#ifndef SLIMHV_VMM_COMPILER_H
#define SLIMHV_VMM_COMPILER_H

#define __slimhv_attribute(x)	__attribute__(x)
#define __printf(a, b)		__slimhv_attribute((__format__(printf, a, b)))
#define __noreturn		__slimhv_attribute((__noreturn__))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif /* SLIMHV_VMM_COMPILER_H */
