// SPDX-License-Identifier: GPL-2.0
/*
 * Console logs, command lines and answers for PID 1 (see vmm/ctl.h). Every
 * byte here may come from a guest: lengths are checked, nothing is trusted
 * to be terminated.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/ctl.h"

void conring_init(struct conring *r, void *buf, size_t size)
{
	r->buf = buf;
	r->size = size;
	r->head = 0;
}

void conring_write(struct conring *r, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t off, n;

	if (!r->size)
		return;
	/* Only the last r->size bytes can survive. */
	if (len > r->size) {
		r->head += len - r->size;
		p += len - r->size;
		len = r->size;
	}
	while (len) {
		off = r->head & (r->size - 1);
		n = r->size - off < len ? r->size - off : len;
		memcpy(r->buf + off, p, n);
		r->head += n;
		p += n;
		len -= n;
	}
}

uint64_t conring_tail(const struct conring *r, size_t len)
{
	if (len > r->size)
		len = r->size;
	return r->head > len ? r->head - len : 0;
}

size_t conring_read(const struct conring *r, uint64_t *pos, void *out,
		    size_t len, uint64_t *lost)
{
	uint8_t *o = out;
	uint64_t oldest = conring_tail(r, r->size);
	size_t done = 0, off, n;

	*lost = 0;
	if (*pos > r->head)
		*pos = r->head;
	if (*pos < oldest) {
		*lost = oldest - *pos;
		*pos = oldest;
	}
	while (done < len && *pos < r->head) {
		off = *pos & (r->size - 1);
		n = r->size - off;
		if (n > r->head - *pos)
			n = r->head - *pos;
		if (n > len - done)
			n = len - done;
		memcpy(o + done, r->buf + off, n);
		done += n;
		*pos += n;
	}
	return done;
}

enum ctl_feed ctl_lineasm_feed(struct ctl_lineasm *a, const uint8_t **data,
			       size_t *len, char *line)
{
	while (*len) {
		uint8_t c = **data;

		(*data)++;
		(*len)--;
		if (c == '\n' || c == '\r') {
			bool too_long = a->overflow;
			size_t n = a->len;

			a->len = 0;
			a->overflow = false;
			if (too_long)
				return CTL_FEED_TOO_LONG;
			memcpy(line, a->buf, n);
			line[n] = '\0';
			return CTL_FEED_LINE;
		}
		if (c == '\0' || a->len >= CTL_LINE_MAX - 1) {
			a->overflow = true;
			continue;
		}
		if (!a->overflow)
			a->buf[a->len++] = c;
	}
	return CTL_FEED_MORE;
}

struct ctl_cmd_desc {
	const char *name;
	const char *usage;
	unsigned char min_args, max_args;
	bool prompt_only;
};

static const struct ctl_cmd_desc cmds[CTL_NR_CMDS] = {
	[CTL_HELP] = { "help", "help: this list", 0, 0, false },
	[CTL_LIST] = { "list", "list: the domains and their state", 0, 0,
		       false },
	[CTL_START] = { "start", "start NAME: boot a domain that is down",
			1, 1, false },
	[CTL_STOP] = { "stop", "stop NAME: the power button, then a deadline; the domain stays down",
		       1, 1, false },
	[CTL_DESTROY] = { "destroy", "destroy NAME: end it now; the domain stays down",
			  1, 1, false },
	[CTL_KILL] = { "kill", "kill NAME: SIGKILL its VMM, as a crash; its restart policy applies",
		       1, 1, false },
	[CTL_REBOOT] = { "reboot", "reboot NAME: the power button, then boot it again",
			 1, 1, false },
	[CTL_CONSOLE] = { "console", "console NAME [BYTES]: the end of its console log",
			  1, 2, false },
	[CTL_STATS] = { "stats", "stats [NAME]: uptime, vCPU exits, memory, device interrupts",
			0, 1, false },
	[CTL_NET] = { "net", "net: each network, its ports, MACs, links, frames and drops",
		      0, 0, false },
	[CTL_CPUS] = { "cpus", "cpus [NAME]: the CPUs each domain owns, where its threads and device interrupts run",
		       0, 1, false },
	[CTL_SWITCH] = { "switch", "switch NAME: its console to the front (or Ctrl-] and its number)",
			 1, 1, true },
	[CTL_POWEROFF] = { "poweroff", "poweroff: power every domain off, then the host",
			   0, 0, true },
	[CTL_SHELL] = { "shell", "shell: a rescue shell on this console (exit it to come back)",
			0, 0, true },
};

const char *ctl_cmd_name(enum ctl_cmd cmd)
{
	return cmd < CTL_NR_CMDS ? cmds[cmd].name : "?";
}

size_t ctl_help(enum ctl_origin origin, char *out, size_t len)
{
	struct ctl_text t = { .buf = out, .size = len };

	for (unsigned int i = 0; i < CTL_NR_CMDS; i++)
		if (origin == CTL_FROM_PROMPT || !cmds[i].prompt_only)
			ctl_printf(&t, "  %s\n", cmds[i].usage);
	return t.len;
}

#define CTL_MAX_WORDS	4

static unsigned int split_words(char *s, char **words)
{
	unsigned int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == CTL_MAX_WORDS)
			return n + 1;
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

int ctl_parse(const char *line, enum ctl_origin origin, struct ctl_req *req,
	      char *err, size_t errlen)
{
	char copy[CTL_LINE_MAX], *words[CTL_MAX_WORDS], *end;
	const struct ctl_cmd_desc *d = NULL;
	unsigned int n, args, i;

	memset(req, 0, sizeof(*req));
	if (errlen)
		err[0] = '\0';
	if (strlen(line) >= sizeof(copy)) {
		snprintf(err, errlen, "request too long (at most %d bytes)",
			 CTL_LINE_MAX - 1);
		return -EINVAL;
	}
	if (!printable(line)) {
		snprintf(err, errlen, "control characters in the request");
		return -EINVAL;
	}
	memcpy(copy, line, strlen(line) + 1);
	n = split_words(copy, words);
	if (!n)
		return -ENOENT;
	if (n > CTL_MAX_WORDS) {
		snprintf(err, errlen, "too many words");
		return -EINVAL;
	}
	for (i = 0; i < CTL_NR_CMDS; i++) {
		if (!strcmp(words[0], cmds[i].name)) {
			d = &cmds[i];
			break;
		}
	}
	if (!d || (d->prompt_only && origin != CTL_FROM_PROMPT)) {
		snprintf(err, errlen, "unknown command \"%.32s\" (try help)",
			 words[0]);
		return d ? -EPERM : -EINVAL;
	}
	req->cmd = i;
	args = n - 1;
	if (args < d->min_args || args > d->max_args) {
		snprintf(err, errlen, "usage: %s", d->usage);
		return -EINVAL;
	}
	if (args >= 1) {
		if (!config_name_valid(words[1]) ||
		    strlen(words[1]) > CONFIG_NAME_MAX) {
			snprintf(err, errlen, "no domain \"%.32s\"", words[1]);
			return -ENOENT;
		}
		memcpy(req->name, words[1], strlen(words[1]) + 1);
	}
	if (args == 2) {
		errno = 0;
		req->number = strtoull(words[2], &end, 10);
		if (errno || end == words[2] || *end || words[2][0] == '-') {
			snprintf(err, errlen, "\"%.32s\": not a number",
				 words[2]);
			return -EINVAL;
		}
	}
	return 0;
}

size_t ctl_ok_header(char *out, size_t len, size_t body_len)
{
	int n = snprintf(out, len, "ok %zu\n", body_len);

	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

size_t ctl_error(char *out, size_t len, const char *reason)
{
	struct ctl_text t = { .buf = out, .size = len };

	ctl_append(&t, "error ", 6);
	for (; *reason; reason++) {
		char c = (unsigned char)*reason < 0x20 ? ' ' : *reason;

		ctl_append(&t, &c, 1);
	}
	ctl_append(&t, "\n", 1);
	/* Cut short, the answer must still end its line. */
	if (t.truncated && t.len)
		out[t.len - 1] = '\n';
	return t.len;
}

void ctl_append(struct ctl_text *t, const void *data, size_t len)
{
	size_t room = t->size > t->len ? t->size - t->len : 0;

	if (len > room) {
		len = room;
		t->truncated = true;
	}
	memcpy(t->buf + t->len, data, len);
	t->len += len;
}

void ctl_printf(struct ctl_text *t, const char *fmt, ...)
{
	size_t room = t->size > t->len ? t->size - t->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room) {
		t->truncated = true;
		n = room ? room - 1 : 0;	/* vsnprintf's NUL is not text */
	}
	t->len += n;
}
