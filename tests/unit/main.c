// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test.h"

static struct test_case *cases, **cases_tail = &cases;
jmp_buf test_abort;
/* Not a local: it must survive the longjmp of a failed REQUIRE. */
static int failures;

void test_register(struct test_case *tc)
{
	/* Keep the order of definition. */
	tc->next = NULL;
	*cases_tail = tc;
	cases_tail = &tc->next;
}

static int run_case(struct test_case *const tc)
{
	failures = 0;
	/* A REQUIRE that failed lands here with failures > 0. */
	if (!setjmp(test_abort))
		tc->fn(&failures);
	return failures;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;

	/*
	 * One line at a time: the code under test warns on stderr, and a
	 * block-buffered stdout in a pipe would split our lines among those.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct test_case *tc = cases; tc; tc = tc->next) {
		if (filter && !strstr(tc->name, filter))
			continue;
		int n = run_case(tc);

		printf("%s %s (%s)\n", n ? "FAIL" : "pass", tc->name, tc->file);
		if (n)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
