/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small unit-test harness: TEST(name) defines a case that registers
 * itself; CHECK* record a failure and go on, REQUIRE* end the case. The
 * runner (tests/unit/main.c) prints one line per case and ends with
 * "N passed, N failed".
 */
#ifndef SLIMHV_TESTS_UNIT_TEST_H
#define SLIMHV_TESTS_UNIT_TEST_H

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	const char *file;
	void (*fn)(int *failures);
	struct test_case *next;
};

void test_register(struct test_case *tc);
/* REQUIRE jumps back to the runner, which set this before the case. */
extern jmp_buf test_abort;

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define TEST(tname)							\
	static void test_##tname(int *__failures);			\
	static struct test_case __tc_##tname = {			\
		.name = #tname, .file = __FILE__, .fn = test_##tname,	\
	};								\
	__attribute__((constructor)) static void __reg_##tname(void)	\
	{								\
		test_register(&__tc_##tname);				\
	}								\
	static void test_##tname(int *__failures)

#define __FAIL(fmt, ...)						\
	do {								\
		(*__failures)++;					\
		fprintf(stderr, "    %s:%d: " fmt "\n", __FILE__,	\
			__LINE__, ##__VA_ARGS__);			\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			__FAIL("CHECK(%s) failed", #cond);		\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long __a = (long long)(a), __b = (long long)(b);	\
		if (__a != __b)						\
			__FAIL("CHECK_EQ(%s, %s): %lld != %lld (0x%llx != 0x%llx)", \
			       #a, #b, __a, __b, __a, __b);		\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *__a = (a), *__b = (b);			\
		if (!__a || !__b || strcmp(__a, __b))			\
			__FAIL("CHECK_STR(%s, %s): \"%s\" != \"%s\"",	\
			       #a, #b, __a ? __a : "(null)",		\
			       __b ? __b : "(null)");			\
	} while (0)

#define REQUIRE(cond)							\
	do {								\
		if (!(cond)) {						\
			__FAIL("REQUIRE(%s) failed", #cond);		\
			longjmp(test_abort, 1);				\
		}							\
	} while (0)

#endif /* SLIMHV_TESTS_UNIT_TEST_H */
