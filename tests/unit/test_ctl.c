// SPDX-License-Identifier: GPL-2.0
/* PID 1's console logs, command lines and answers (vmm/ctl.c). */
#include <errno.h>

#include "tests/unit/test.h"
#include "vmm/ctl.h"

TEST(conring_keeps_the_last_bytes)
{
	uint8_t buf[16], out[32];
	struct conring r;
	uint64_t pos = 0, lost;
	size_t n;

	conring_init(&r, buf, sizeof(buf));
	conring_write(&r, "hello ", 6);
	n = conring_read(&r, &pos, out, sizeof(out), &lost);
	CHECK_EQ(n, 6);
	CHECK_EQ(lost, 0);
	CHECK(!memcmp(out, "hello ", 6));
	CHECK_EQ(pos, 6);
	/* Wrap: 6 + 14 = 20 bytes written, the ring holds the last 16. */
	conring_write(&r, "world, again!!", 14);
	n = conring_read(&r, &pos, out, sizeof(out), &lost);
	CHECK_EQ(lost, 0);
	CHECK_EQ(n, 14);
	CHECK(!memcmp(out, "world, again!!", 14));
	pos = 0;
	n = conring_read(&r, &pos, out, sizeof(out), &lost);
	CHECK_EQ(lost, 4);
	CHECK_EQ(n, 16);
	CHECK(!memcmp(out, "o world, again!!", 16));
	CHECK_EQ(conring_tail(&r, 3), 17);
	CHECK_EQ(conring_tail(&r, 100), 4);
}

TEST(conring_write_larger_than_the_ring)
{
	uint8_t buf[8], out[8];
	struct conring r;
	uint64_t pos, lost;

	conring_init(&r, buf, sizeof(buf));
	conring_write(&r, "0123456789abcdefXYZ", 19);
	CHECK_EQ(r.head, 19);
	pos = conring_tail(&r, 8);
	CHECK_EQ(conring_read(&r, &pos, out, 8, &lost), 8);
	CHECK(!memcmp(out, "bcdefXYZ", 8));
	/* A position past the head is clamped, not trusted. */
	pos = 1000;
	CHECK_EQ(conring_read(&r, &pos, out, 8, &lost), 0);
	CHECK_EQ(pos, 19);
	/* A short read stops where asked. */
	pos = 11;
	CHECK_EQ(conring_read(&r, &pos, out, 3, &lost), 3);
	CHECK(!memcmp(out, "bcd", 3));
	CHECK_EQ(pos, 14);
}

static enum ctl_feed feed_str(struct ctl_lineasm *a, const char **s,
			      char *line)
{
	const uint8_t *p = (const uint8_t *)*s;
	size_t len = strlen(*s);
	enum ctl_feed f = ctl_lineasm_feed(a, &p, &len, line);

	*s = (const char *)p;
	return f;
}

TEST(lineasm_splits_lines)
{
	struct ctl_lineasm a = { 0 };
	char line[CTL_LINE_MAX];
	const char *s = "list\nstop ne";

	CHECK_EQ(feed_str(&a, &s, line), CTL_FEED_LINE);
	CHECK(!strcmp(line, "list"));
	CHECK_EQ(feed_str(&a, &s, line), CTL_FEED_MORE);
	s = "t\r";
	CHECK_EQ(feed_str(&a, &s, line), CTL_FEED_LINE);
	CHECK(!strcmp(line, "stop net"));
	CHECK_EQ(*s, '\0');
}

TEST(lineasm_drops_overlong_lines_and_nuls)
{
	struct ctl_lineasm a = { 0 };
	char line[CTL_LINE_MAX], big[3 * CTL_LINE_MAX];
	const char *s;
	uint8_t nul[] = { 'l', 0, 's', '\n' };
	const uint8_t *p = nul;
	size_t len = sizeof(nul);

	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	s = big;
	CHECK_EQ(feed_str(&a, &s, line), CTL_FEED_TOO_LONG);
	/* The next line is whole again. */
	s = "help\n";
	CHECK_EQ(feed_str(&a, &s, line), CTL_FEED_LINE);
	CHECK(!strcmp(line, "help"));
	CHECK_EQ(ctl_lineasm_feed(&a, &p, &len, line), CTL_FEED_TOO_LONG);
	/* The longest line that fits. */
	memset(big, 'y', CTL_LINE_MAX - 1);
	big[CTL_LINE_MAX - 1] = '\n';
	big[CTL_LINE_MAX] = '\0';
	s = big;
	CHECK_EQ(feed_str(&a, &s, line), CTL_FEED_LINE);
	CHECK_EQ(strlen(line), CTL_LINE_MAX - 1);
}

TEST(parse_commands)
{
	struct ctl_req r;
	char err[128];

	CHECK_EQ(ctl_parse("list", CTL_FROM_GUEST, &r, err, sizeof(err)), 0);
	CHECK_EQ(r.cmd, CTL_LIST);
	CHECK_EQ(ctl_parse("  stop   net  ", CTL_FROM_GUEST, &r, err,
			   sizeof(err)), 0);
	CHECK_EQ(r.cmd, CTL_STOP);
	CHECK(!strcmp(r.name, "net"));
	CHECK_EQ(ctl_parse("console dom0 4096", CTL_FROM_GUEST, &r, err,
			   sizeof(err)), 0);
	CHECK_EQ(r.cmd, CTL_CONSOLE);
	CHECK_EQ(r.number, 4096);
	CHECK_EQ(ctl_parse("stats", CTL_FROM_GUEST, &r, err, sizeof(err)), 0);
	CHECK_EQ(r.name[0], '\0');
	/* The networks: from a guest's slimctl too, and no argument. */
	CHECK_EQ(ctl_parse("net", CTL_FROM_GUEST, &r, err, sizeof(err)), 0);
	CHECK_EQ(r.cmd, CTL_NET);
	CHECK(ctl_parse("net lan", CTL_FROM_GUEST, &r, err, sizeof(err)) < 0);
	CHECK_EQ(ctl_parse("kill net", CTL_FROM_PROMPT, &r, err, sizeof(err)),
		 0);
	CHECK_EQ(r.cmd, CTL_KILL);
	CHECK_EQ(ctl_parse("", CTL_FROM_GUEST, &r, err, sizeof(err)), -ENOENT);
	CHECK_EQ(err[0], '\0');
}

TEST(parse_refusals)
{
	struct ctl_req r;
	char err[128];

	CHECK_EQ(ctl_parse("format c:", CTL_FROM_GUEST, &r, err, sizeof(err)),
		 -EINVAL);
	CHECK(strstr(err, "unknown command"));
	/* The host's own commands are not a guest's. */
	CHECK_EQ(ctl_parse("poweroff", CTL_FROM_GUEST, &r, err, sizeof(err)),
		 -EPERM);
	CHECK_EQ(ctl_parse("shell", CTL_FROM_GUEST, &r, err, sizeof(err)),
		 -EPERM);
	CHECK_EQ(ctl_parse("switch dom0", CTL_FROM_GUEST, &r, err,
			   sizeof(err)), -EPERM);
	CHECK_EQ(ctl_parse("shell", CTL_FROM_PROMPT, &r, err, sizeof(err)), 0);
	CHECK_EQ(ctl_parse("stop", CTL_FROM_GUEST, &r, err, sizeof(err)),
		 -EINVAL);
	CHECK(strstr(err, "usage: stop NAME"));
	CHECK_EQ(ctl_parse("list all", CTL_FROM_GUEST, &r, err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(ctl_parse("stop ../etc", CTL_FROM_GUEST, &r, err,
			   sizeof(err)), -ENOENT);
	CHECK_EQ(ctl_parse("console dom0 -1", CTL_FROM_GUEST, &r, err,
			   sizeof(err)), -EINVAL);
	CHECK_EQ(ctl_parse("console dom0 99999999999999999999999",
			   CTL_FROM_GUEST, &r, err, sizeof(err)), -EINVAL);
	CHECK_EQ(ctl_parse("console dom0 12x", CTL_FROM_GUEST, &r, err,
			   sizeof(err)), -EINVAL);
	CHECK_EQ(ctl_parse("a b c d e", CTL_FROM_GUEST, &r, err, sizeof(err)),
		 -EINVAL);
	CHECK_EQ(ctl_parse("list\x1b[2J", CTL_FROM_GUEST, &r, err,
			   sizeof(err)), -EINVAL);
	CHECK_EQ(ctl_parse("stop aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			   CTL_FROM_GUEST, &r, err, sizeof(err)), -ENOENT);
}

TEST(answers_are_framed)
{
	char out[64];
	size_t n;

	n = ctl_ok_header(out, sizeof(out), 1234);
	CHECK_EQ(n, 8);
	CHECK(!memcmp(out, "ok 1234\n", 8));
	n = ctl_error(out, sizeof(out), "bad\nthing\r!");
	CHECK_EQ(n, 18);
	CHECK(!memcmp(out, "error bad thing !\n", 18));
	/* Cut short, it still ends its line. */
	n = ctl_error(out, 10, "a very long reason");
	CHECK_EQ(n, 10);
	CHECK_EQ(out[9], '\n');
}

TEST(help_differs_by_origin)
{
	char guest[2048], prompt[2048];
	size_t g = ctl_help(CTL_FROM_GUEST, guest, sizeof(guest) - 1);
	size_t p = ctl_help(CTL_FROM_PROMPT, prompt, sizeof(prompt) - 1);

	guest[g] = prompt[p] = '\0';
	CHECK(strstr(guest, "stop NAME"));
	CHECK(!strstr(guest, "poweroff"));
	CHECK(strstr(prompt, "poweroff"));
	CHECK(p > g);
}

TEST(text_is_bounded)
{
	char buf[8];
	struct ctl_text t = { .buf = buf, .size = sizeof(buf) };

	ctl_printf(&t, "%s", "abc");
	CHECK_EQ(t.len, 3);
	ctl_printf(&t, "%s", "defghijk");
	CHECK(t.truncated);
	CHECK(t.len <= sizeof(buf));
	ctl_append(&t, "zz", 2);
	CHECK(t.len <= sizeof(buf));
}
