// SPDX-License-Identifier: GPL-2.0
/*
 * The control protocol as a privileged guest (or a hostile one that got
 * hold of a port) speaks it to PID 1 (vmm/ctl.c): the line assembler fed
 * in chunks, the request parser, the error framing, and the console log.
 *
 * Input: one byte that sizes the chunks, one that picks the origin and
 * sizes the error buffer, then the byte stream.
 *
 * Checks: a line never holds a NUL or a newline and is shorter than
 * CTL_LINE_MAX; a parsed request names a command allowed from its origin
 * and, if any, a valid name; an error is "error ...\n" on one line that
 * fits its buffer; the console log gives back exactly the bytes it was
 * fed last, and never more than its size.
 */
#include <errno.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/ctl.h"

#define RING_SIZE	256

static void check_line(const char *line, enum ctl_origin origin,
		       size_t errlen)
{
	char err[CTL_LINE_MAX + 64], framed[CTL_LINE_MAX + 80];
	struct ctl_req req;
	size_t len = strlen(line), n;
	int ret;

	FUZZ_CHECK(len < CTL_LINE_MAX);
	FUZZ_CHECK(!strchr(line, '\n') && !strchr(line, '\r'));
	if (errlen > sizeof(err))
		errlen = sizeof(err);
	ret = ctl_parse(line, origin, &req, err, errlen);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EPERM ||
		   ret == -ENOENT);
	if (errlen)
		FUZZ_CHECK(strnlen(err, errlen) < errlen);
	if (ret) {
		n = ctl_error(framed, sizeof(framed), err);
		FUZZ_CHECK(n >= 7 && n <= sizeof(framed));
		FUZZ_CHECK(!memcmp(framed, "error ", 6));
		FUZZ_CHECK(framed[n - 1] == '\n');
		FUZZ_CHECK(memchr(framed, '\n', n - 1) == NULL);
		return;
	}
	FUZZ_CHECK(req.cmd < CTL_NR_CMDS);
	if (origin == CTL_FROM_GUEST)
		FUZZ_CHECK(req.cmd != CTL_SWITCH && req.cmd != CTL_POWEROFF &&
			   req.cmd != CTL_SHELL);
	if (req.name[0])
		FUZZ_CHECK(config_name_valid(req.name) &&
			   strlen(req.name) <= CONFIG_NAME_MAX);
	/* What parses names its command first. */
	FUZZ_CHECK(strstr(line, ctl_cmd_name(req.cmd)));
}

/* The ring against a plain copy of everything fed to it. */
static void check_ring(const uint8_t *data, size_t size)
{
	static uint8_t ring_buf[RING_SIZE];
	uint8_t out[RING_SIZE + 16];
	struct conring r;
	uint64_t pos, lost;
	size_t n, keep;

	conring_init(&r, ring_buf, sizeof(ring_buf));
	for (size_t off = 0; off < size; off += 97)
		conring_write(&r, data + off, size - off < 97 ? size - off : 97);
	FUZZ_CHECK_EQ(r.head, size);
	keep = size < RING_SIZE ? size : RING_SIZE;
	pos = 0;
	n = conring_read(&r, &pos, out, sizeof(out), &lost);
	FUZZ_CHECK_EQ(n, keep);
	FUZZ_CHECK_EQ(lost, size - keep);
	FUZZ_CHECK(!memcmp(out, data + size - keep, keep));
	FUZZ_CHECK_EQ(pos, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in;
	struct ctl_lineasm a = { 0 };
	char line[CTL_LINE_MAX];
	size_t chunk, errlen;
	enum ctl_origin origin;
	uint8_t sel;

	fuzz_in_init(&in, data, size);
	chunk = fuzz_u8(&in) % 64 + 1;
	sel = fuzz_u8(&in);
	origin = sel & 1 ? CTL_FROM_PROMPT : CTL_FROM_GUEST;
	errlen = sel >> 1;
	check_ring(in.p, in.left);
	while (in.left) {
		size_t n = in.left < chunk ? in.left : chunk;
		const uint8_t *p = in.p;
		size_t left = n;

		/* A chunk of its own, so ASan sees a read past it. */
		uint8_t *copy = malloc(n);

		FUZZ_CHECK(copy);
		memcpy(copy, p, n);
		p = copy;
		while (left) {
			switch (ctl_lineasm_feed(&a, &p, &left, line)) {
			case CTL_FEED_LINE:
				check_line(line, origin, errlen);
				break;
			case CTL_FEED_TOO_LONG:
			case CTL_FEED_MORE:
				break;
			}
		}
		free(copy);
		in.p += n;
		in.left -= n;
	}
	return 0;
}
