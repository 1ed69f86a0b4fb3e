/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's short names for the compiler attributes we use. */
#ifndef SLIMHV_VMM_COMPILER_H
#define SLIMHV_VMM_COMPILER_H

#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define __noreturn	__attribute__((noreturn))

#endif /* SLIMHV_VMM_COMPILER_H */
