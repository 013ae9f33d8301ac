/* netserver.c - the slow server and a model's private copy (see netserver.h). */
#define _GNU_SOURCE
#include "netserver.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net.h"
#include "workload.h"

int netserver_listen(struct sockaddr_in *addr)
{
	char text[NET_LINE_MAX];
	socklen_t len = sizeof *addr;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", program_invocation_short_name, strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* The kernel silently caps the backlog at net.core.somaxconn. */
	if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0 || listen(fd, 65535) != 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) != 0) {
		int err = errno;
		fprintf(stderr, "%s: listen on %s: %s\n", program_invocation_short_name,
			net_addr_str(addr, text), strerror(err));
		close(fd);
		return -err;
	}
	return fd;
}

struct conn {
	int fd;
	long ms;
};

/* Read one request line; the task index, or -1 (bad request or hang-up). */
static long read_request(int fd)
{
	char buf[NET_LINE_MAX];
	size_t got = 0;

	while (got < sizeof buf) {
		ssize_t r = read(fd, buf + got, sizeof buf - got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)r;
		if (buf[got - 1] == '\n')
			return net_parse_request(buf, got);
	}
	return -1;
}

static void *serve_one(void *arg)
{
	struct conn *c = arg;
	char answer[NET_LINE_MAX];
	long i = read_request(c->fd);

	if (i >= 0) {
		size_t len = net_answer_text(answer, i, c->ms);
		wl_sleep_ms(c->ms);
		if (send(c->fd, answer, len, MSG_NOSIGNAL) < 0)
			i = -1;
	}
	close(c->fd);
	free(c);
	return NULL;
}

int netserver_serve(int lfd, long ms)
{
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;
		struct conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == EINTR) {
				wl_sleep_ms(1);
				continue;
			}
			fprintf(stderr, "%s: accept: %s\n", program_invocation_short_name,
				strerror(errno));
			return -errno;
		}
		c = malloc(sizeof *c);
		if (c)
			*c = (struct conn){ fd, ms };
		if (c == NULL || pthread_create(&t, &attr, serve_one, c) != 0) {
			free(c);
			close(fd);
		}
	}
}

/* In the forked child: die with the model, keep its stdout, serve forever. */
static void child_main(pid_t parent, int lfd, long ms)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	/* Hold no copy of the model's stdin or stdout: a reader of the model's
	 * output must see its end of file when the model exits. */
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	_exit(netserver_serve(lfd, ms) == 0 ? 0 : 1);
}

static int start_private(struct cli *cli, struct netserver *s)
{
	struct sockaddr_in *addr = &cli->wl.server;
	pid_t parent = getpid();
	int lfd;

	memset(addr, 0, sizeof *addr);
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = netserver_listen(addr);
	if (lfd < 0)
		return 3;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		fprintf(stderr, "%s: fork for the net server: %s\n", cli->model, strerror(errno));
		s->pid = 0;
		close(lfd);
		return 3;
	}
	if (s->pid == 0)
		child_main(parent, lfd, cli->wl.ms);
	close(lfd);
	return 0;
}

int netserver_open(struct cli *cli, struct netserver *s)
{
	long lim;

	s->pid = 0;
	if (cli->wl.kind != WL_NET)
		return 0;
	lim = net_raise_nofile();
	if (lim < 0)
		fprintf(stderr, "%s: raising RLIMIT_NOFILE: %s (going on)\n", cli->model,
			strerror((int)-lim));
	if (cli->connect)
		return net_probe(&cli->wl.server) == 0 ? 0 : 3;
	return start_private(cli, s);
}

void netserver_close(struct netserver *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	s->pid = 0;
}
