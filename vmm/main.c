// SPDX-License-Identifier: GPL-2.0
/*
 * slimhv: /init of the host appliance when it runs as PID 1, and
 * `slimhv run ...` to run one guest from a shell.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/cmdline.h"
#include "vmm/config.h"
#include "vmm/configfile.h"
#include "vmm/hostcpus.h"
#include "vmm/init.h"
#include "vmm/log.h"
#include "vmm/run.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"

static const char usage[] =
	"usage: slimhv run --kernel BZIMAGE [options]   run one guest\n"
	"       slimhv check CONFIG.dtb                  check a domain configuration\n"
	"       slimhv seccomp-check                    prove the VMM's seccomp filter on this kernel\n"
	"       slimhv jail-check                       prove the VMM's jail on this kernel, with\n"
	"                                               this user's rights\n"
	"       slimhv help                             this text\n"
	"As PID 1 (the appliance's /init), slimhv boots the domains of\n"
	SLIMHV_DEFAULT_CONFIG " (kernel parameter slimhv.config=PATH).\n";

static int cmd_run(int argc, char **argv, uint64_t start_ns)
{
	static struct domain_config cfg;
	static struct host_assignment assign;
	char err[512];
	uid_t jail_id;
	int ret;

	ret = cmdline_parse_run(argc, argv, &cfg, err, sizeof(err));
	if (ret == 1) {
		fputs(cmdline_run_usage, stdout);
		return 0;
	}
	if (ret) {
		pr_err("%s", err);
		return DOMAIN_EXIT_CONFIG;
	}
	signal(SIGPIPE, SIG_IGN);
	ret = hostcpus_read(&hostcpus_plan.online);
	if (ret) {
		pr_err("%s: cannot read the CPUs slimhv may use: %s", cfg.name,
		       strerror(-ret));
		return DOMAIN_EXIT_CONFIG;
	}
	ret = host_prepare(&cfg, &assign, err, sizeof(err));
	if (ret) {
		pr_err("%s: %s", cfg.name, err);
		return DOMAIN_EXIT_CONFIG;
	}
	/* The jail's uid is this process's: unique while it runs. */
	jail_id = jail_run_id(getpid());
	/* The VMM goes on in a PID namespace of its own where it can. */
	sandbox_enter_pid_ns();
	return run_domain(&cfg, &assign, &(struct domain_io){
				.console_in = STDIN_FILENO,
				.console_out = STDOUT_FILENO,
				.escape = true,
				.control_in = -1,
				.control_out = -1,
			  }, jail_id, start_ns);
}

/* Parse a configuration as PID 1 would, and show what it describes. */
static int cmd_check(int argc, char **argv)
{
	static struct slimhv_config cfg;
	char err[512];

	if (argc != 2) {
		pr_err("usage: slimhv check CONFIG.dtb");
		return DOMAIN_EXIT_CONFIG;
	}
	if (config_load_file(argv[1], &cfg, err, sizeof(err))) {
		pr_err("%s", err);
		return DOMAIN_EXIT_CONFIG;
	}
	printf("%s: %u domain%s\n", argv[1], cfg.nr_domains,
	       cfg.nr_domains == 1 ? "" : "s");
	config_print(stdout, &cfg);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t start_ns = now_ns();

	if (getpid() == 1)
		init_main(start_ns);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1, start_ns);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (argc == 2 && !strcmp(argv[1], "seccomp-check"))
		return sandbox_check();
	if (argc == 2 && !strcmp(argv[1], "jail-check"))
		return sandbox_jail_check();
	if (argc >= 2 && (!strcmp(argv[1], "help") ||
			  !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc >= 2)
		pr_err("unknown command '%s'", argv[1]);
	fputs(usage, stderr);
	return DOMAIN_EXIT_CONFIG;
}
