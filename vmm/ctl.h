/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure parts of PID 1's consoles and control channel: each domain's
 * console log (a bounded ring), the line assembler that turns a byte
 * stream (the host console at the slimhv prompt, a privileged guest's
 * control port) into command lines, the command parser, and the framing
 * of answers. No ioctls and no file descriptors: unit tests drive it.
 *
 * The control protocol, spoken by slimctl in a privileged guest over its
 * virtio-console port "org.slimhv.control":
 *
 *   request:  one line, "COMMAND [NAME [NUMBER]]\n", at most CTL_LINE_MAX
 *             bytes with the newline
 *   answer:   "ok LENGTH\n" then LENGTH bytes of text (any bytes), or
 *             "error REASON\n"
 */
#ifndef SLIMHV_VMM_CTL_H
#define SLIMHV_VMM_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/compiler.h"
#include "vmm/config.h"

/* ---- console log ---- */

struct conring {
	uint8_t *buf;
	size_t size;		/* a power of two */
	uint64_t head;		/* bytes ever written */
};

/* @size must be a power of two. */
void conring_init(struct conring *r, void *buf, size_t size);
void conring_write(struct conring *r, const void *data, size_t len);
/*
 * Copy up to @len bytes from stream position *@pos to @out and advance
 * *@pos. Bytes that the ring no longer holds are skipped: their count is
 * stored in *@lost (0 if none). Returns the number of bytes copied.
 */
size_t conring_read(const struct conring *r, uint64_t *pos, void *out,
		    size_t len, uint64_t *lost);
/* Stream position of the last @len bytes the ring still holds. */
uint64_t conring_tail(const struct conring *r, size_t len);

/* ---- command lines ---- */

#define CTL_LINE_MAX	128

struct ctl_lineasm {
	char buf[CTL_LINE_MAX];
	size_t len;
	bool overflow;		/* the current line is too long: dropped */
};

enum ctl_feed {
	CTL_FEED_MORE,		/* no complete line yet */
	CTL_FEED_LINE,		/* @line holds a complete line */
	CTL_FEED_TOO_LONG,	/* a line longer than CTL_LINE_MAX ended */
};

/*
 * Take bytes from *@data (advancing it and *@len) until a line ends.
 * Carriage returns end a line too; a NUL byte is refused as part of an
 * over-long line, so a line never holds one. On CTL_FEED_LINE, @line
 * (CTL_LINE_MAX bytes) holds it without the newline.
 */
enum ctl_feed ctl_lineasm_feed(struct ctl_lineasm *a, const uint8_t **data,
			       size_t *len, char *line);

enum ctl_cmd {
	CTL_HELP,
	CTL_LIST,
	CTL_START,
	CTL_STOP,
	CTL_DESTROY,
	CTL_KILL,
	CTL_REBOOT,
	CTL_CONSOLE,	/* the last bytes of a domain's console log */
	CTL_STATS,
	CTL_NET,	/* the networks, their ports and counters */
	CTL_CPUS,	/* the host's CPUs, the domains' and their interrupts */
	CTL_SWITCH,	/* host console only: bring a domain to the front */
	CTL_POWEROFF,	/* host console only: shut the host down */
	CTL_SHELL,	/* host console only: the rescue shell */
	CTL_NR_CMDS,
};

/* Where a command comes from: the slimhv prompt may do more. */
enum ctl_origin {
	CTL_FROM_PROMPT,
	CTL_FROM_GUEST,
};

struct ctl_req {
	enum ctl_cmd cmd;
	char name[CONFIG_NAME_MAX + 1];	/* "" when none was given */
	uint64_t number;		/* CTL_CONSOLE: bytes; 0 = default */
};

/*
 * Parse one request line. Returns 0, or -EINVAL / -EPERM / -ENOENT with a
 * reason in @err: an unknown command, a missing or extra argument, a name
 * that no domain could have, a command not allowed from @origin. An empty
 * line is -ENOENT with an empty @err.
 */
int ctl_parse(const char *line, enum ctl_origin origin, struct ctl_req *req,
	      char *err, size_t errlen);

const char *ctl_cmd_name(enum ctl_cmd cmd);
/* One line of usage per command allowed from @origin, into @out. */
size_t ctl_help(enum ctl_origin origin, char *out, size_t len);

/* ---- answers ---- */

/* "ok LENGTH\n": returns the header's length (< 32). */
size_t ctl_ok_header(char *out, size_t len, size_t body_len);
/* "error REASON\n" with control characters in @reason replaced. */
size_t ctl_error(char *out, size_t len, const char *reason);

/* ---- a growing text answer (bounded) ---- */

struct ctl_text {
	char *buf;
	size_t size;
	size_t len;
	bool truncated;
};

__printf(2, 3) void ctl_printf(struct ctl_text *t, const char *fmt, ...);
void ctl_append(struct ctl_text *t, const void *data, size_t len);

#endif /* SLIMHV_VMM_CTL_H */
