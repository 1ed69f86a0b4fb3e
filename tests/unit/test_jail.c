// SPDX-License-Identifier: GPL-2.0
/* The jail's plan: ids, limits and the order of its steps (vmm/jail.c). */
#include <errno.h>

#include "vmm/jail.h"
#include "tests/unit/test.h"

TEST(jail_ids_are_distinct_and_never_root)
{
	CHECK_EQ(jail_domain_id(0), JAIL_ID_BASE + 1);
	CHECK(jail_domain_id(1) != jail_domain_id(0));
	CHECK(jail_domain_id(CONFIG_MAX_DOMAINS - 1) < JAIL_RUN_ID_BASE);
	for (unsigned int i = 0; i < CONFIG_MAX_DOMAINS; i++) {
		CHECK(jail_domain_id(i) != 0);
		CHECK(jail_id_is_jails(jail_domain_id(i)));
	}
	/* slimhv run: by process id, apart from the domains' range. */
	CHECK_EQ(jail_run_id(1), JAIL_RUN_ID_BASE + 1);
	CHECK(jail_run_id(100) != jail_run_id(101));
	CHECK(jail_id_is_jails(jail_run_id(JAIL_PID_MAX - 1)));
	CHECK(jail_run_id(JAIL_PID_MAX - 1) < 0x80000000u);
	CHECK(jail_run_id(12345) > jail_domain_id(CONFIG_MAX_DOMAINS - 1));
	CHECK(!jail_id_is_jails(0));
	CHECK(!jail_id_is_jails(65534));
	CHECK(!jail_id_is_jails(JAIL_ID_BASE));
	CHECK(!jail_id_is_jails((uid_t)-1));
}

TEST(jail_limits_follow_the_domain)
{
	struct domain_config cfg = { .cpus = 4, .mem_bytes = 1ULL << 30 };
	struct jail_limits l;

	jail_size_limits(&cfg, 12, 70, &l);
	/* What is open, what each VM makes, a vCPU each, an eventfd a vector. */
	CHECK_EQ(l.nofile, 12 + JAIL_FDS_PER_VM + 4 + 70);
	CHECK_EQ(l.memlock, (1ULL << 30) + JAIL_MEMLOCK_SLACK);
	/* The VMM, its vCPUs, KVM's worker: no room for a process more. */
	CHECK_EQ(l.nproc, 6);
	cfg.cpus = 1;
	cfg.mem_bytes = 64ULL << 20;
	jail_size_limits(&cfg, 9, 0, &l);
	CHECK_EQ(l.nofile, 9 + JAIL_FDS_PER_VM + 1);
	CHECK_EQ(l.memlock, (64ULL << 20) + JAIL_MEMLOCK_SLACK);
	CHECK_EQ(l.nproc, 3);
}

TEST(jail_steps_in_an_order_that_works)
{
	struct jail_step s[JAIL_NR_STEPS];
	unsigned int bad = 99;

	CHECK_EQ(jail_check_order(jail_steps, JAIL_NR_STEPS, &bad), 0);
	for (unsigned int i = 0; i < JAIL_NR_STEPS; i++)
		CHECK_EQ(jail_steps[i].id, i);
	/* The filter last: nothing can follow it. */
	CHECK_EQ(jail_steps[JAIL_NR_STEPS - 1].id, JAIL_STEP_SECCOMP);

	/* The uid before the mounts: they would need what it took. */
	memcpy(s, jail_steps, sizeof(s));
	s[JAIL_STEP_NAMESPACES] = jail_steps[JAIL_STEP_IDS];
	s[JAIL_STEP_IDS] = jail_steps[JAIL_STEP_NAMESPACES];
	CHECK_EQ(jail_check_order(s, JAIL_NR_STEPS, &bad), -EINVAL);
	CHECK_EQ(bad, JAIL_STEP_ROOT);

	/* The limits last but the filter: memlock could not be raised. */
	memcpy(s, jail_steps, sizeof(s));
	memmove(&s[JAIL_STEP_LIMITS], &s[JAIL_STEP_LIMITS + 1],
		(JAIL_STEP_SECCOMP - JAIL_STEP_LIMITS - 1) * sizeof(s[0]));
	s[JAIL_STEP_SECCOMP - 1] = jail_steps[JAIL_STEP_LIMITS];
	CHECK_EQ(jail_check_order(s, JAIL_NR_STEPS, &bad), -EINVAL);
	CHECK_EQ(bad, JAIL_STEP_SECCOMP - 1);

	/* Landlock before no_new_privs: an unprivileged VMM cannot. */
	memcpy(s, jail_steps, sizeof(s));
	s[JAIL_STEP_NO_NEW_PRIVS] = jail_steps[JAIL_STEP_LANDLOCK];
	s[JAIL_STEP_LANDLOCK] = jail_steps[JAIL_STEP_NO_NEW_PRIVS];
	CHECK_EQ(jail_check_order(s, JAIL_NR_STEPS, &bad), -EINVAL);
	CHECK_EQ(bad, JAIL_STEP_NO_NEW_PRIVS);

	/* The bounding set after the uid: CAP_SETPCAP is gone. */
	memcpy(s, jail_steps, sizeof(s));
	s[JAIL_STEP_BOUNDING_SET] = jail_steps[JAIL_STEP_IDS];
	s[JAIL_STEP_IDS] = jail_steps[JAIL_STEP_BOUNDING_SET];
	CHECK_EQ(jail_check_order(s, JAIL_NR_STEPS, &bad), -EINVAL);
	CHECK_EQ(bad, JAIL_STEP_IDS);

	/* Anything after the filter. */
	memcpy(s, jail_steps, sizeof(s));
	s[JAIL_NR_STEPS - 2] = jail_steps[JAIL_STEP_SECCOMP];
	s[JAIL_NR_STEPS - 1] = jail_steps[JAIL_STEP_NOT_DUMPABLE];
	CHECK_EQ(jail_check_order(s, JAIL_NR_STEPS, &bad), -EINVAL);
	CHECK_EQ(bad, JAIL_NR_STEPS - 1);

	/* Mounts after Landlock. */
	memcpy(s, jail_steps, sizeof(s));
	CHECK_EQ(jail_check_order(s + JAIL_STEP_NO_NEW_PRIVS, 2, &bad), 0);
	s[0] = jail_steps[JAIL_STEP_NO_NEW_PRIVS];
	s[1] = jail_steps[JAIL_STEP_LANDLOCK];
	s[2] = jail_steps[JAIL_STEP_ROOT];
	CHECK_EQ(jail_check_order(s, 3, &bad), -EINVAL);
	CHECK_EQ(bad, 2);
}
