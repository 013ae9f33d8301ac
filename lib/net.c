/* net.c - the net workload's protocol and blocking client (see net.h). */
#define _GNU_SOURCE
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

int net_parse_addr(const char *text, bool allow_zero, struct sockaddr_in *out)
{
	const char *colon = text ? strrchr(text, ':') : NULL;
	char host[INET_ADDRSTRLEN];
	long long port;
	size_t len;

	if (colon == NULL)
		return -1;
	len = (size_t)(colon - text);
	if (len == 0 || len >= sizeof host)
		return -1;
	memcpy(host, text, len);
	host[len] = '\0';
	if (strcmp(host, "localhost") == 0)
		strcpy(host, "127.0.0.1");
	if (cli_number(colon + 1, allow_zero ? 0 : 1, 65535, &port) != 0)
		return -1;
	memset(out, 0, sizeof *out);
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &out->sin_addr) == 1 ? 0 : -1;
}

char *net_addr_str(const struct sockaddr_in *a, char *buf)
{
	char host[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
	snprintf(buf, NET_LINE_MAX, "%s:%u", host, ntohs(a->sin_port));
	return buf;
}

long net_raise_nofile(void)
{
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
		return -errno;
	if (lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
			return -errno;
	}
	return (long)lim.rlim_cur;
}

size_t net_request_text(char *buf, long i)
{
	return (size_t)snprintf(buf, NET_LINE_MAX, "task %ld\n", i);
}

size_t net_answer_text(char *buf, long i, long ms)
{
	return (size_t)snprintf(buf, NET_LINE_MAX, "done %ld %ld\n", i, ms);
}

long net_parse_request(const char *buf, size_t len)
{
	char line[NET_LINE_MAX];
	long long i;

	if (len < 7 || len >= sizeof line || memcmp(buf, "task ", 5) != 0 ||
	    buf[len - 1] != '\n')
		return -1;
	memcpy(line, buf + 5, len - 6);
	line[len - 6] = '\0';
	if (cli_number(line, 0, CLI_MAX_TASKS, &i) != 0)
		return -1;
	return (long)i;
}

bool net_answer_ok(const char *got, size_t len, long i, long ms)
{
	char want[NET_LINE_MAX];

	return len == net_answer_text(want, i, ms) && memcmp(got, want, len) == 0;
}

int net_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read until end of file into buf; the length, or -errno (-EPROTO: too long). */
static ssize_t read_to_eof(int fd, char *buf, size_t cap)
{
	size_t got = 0;

	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got);
		if (r == 0)
			return (ssize_t)got;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
		if (got == cap)
			return -EPROTO;
	}
}

int net_exchange(int fd, const struct sockaddr_in *to, long i, long ms)
{
	char req[NET_LINE_MAX], got[NET_LINE_MAX];
	size_t len = net_request_text(req, i);
	ssize_t n;
	int err;

	while (connect(fd, (const struct sockaddr *)to, sizeof *to) != 0) {
		if (errno != EINTR) {
			err = -errno;
			net_report("connect", i, to, -err);
			return err;
		}
	}
	if ((err = write_all(fd, req, len)) != 0) {
		net_report("send", i, to, -err);
		return err;
	}
	n = read_to_eof(fd, got, sizeof got);
	if (n < 0) {
		net_report("read", i, to, (int)-n);
		return (int)n;
	}
	if (!net_answer_ok(got, (size_t)n, i, ms)) {
		net_report("answer (does the server's --ms match?)", i, to, EPROTO);
		return -EPROTO;
	}
	return 0;
}

int net_request(const struct sockaddr_in *to, long i, long ms)
{
	int fd = net_socket(), err;

	if (fd < 0) {
		net_report("socket", i, to, -fd);
		return fd;
	}
	err = net_exchange(fd, to, i, ms);
	close(fd);
	return err;
}

int net_probe(const struct sockaddr_in *to)
{
	int fd = net_socket(), err = 0;

	if (fd < 0) {
		net_report("socket", -1, to, -fd);
		return fd;
	}
	while (connect(fd, (const struct sockaddr *)to, sizeof *to) != 0) {
		if (errno != EINTR) {
			err = -errno;
			net_report("connect", -1, to, -err);
			break;
		}
	}
	close(fd);
	return err;
}

void net_report(const char *call, long task, const struct sockaddr_in *to, int err)
{
	static atomic_flag said = ATOMIC_FLAG_INIT;
	char addr[NET_LINE_MAX], who[32] = "";

	if (atomic_flag_test_and_set(&said))
		return;
	if (task >= 0)
		snprintf(who, sizeof who, "task %ld: ", task);
	fprintf(stderr, "%s: net: %s%s %s: %s\n", program_invocation_short_name, who, call,
		net_addr_str(to, addr), strerror(err));
}

bool net_exhausted(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM ||
	       err == EADDRNOTAVAIL;
}
