/*
 * servers/coro - the event loop as a server (asyncio's start_server): every
 * connection a coroutine on one thread's epoll loop, a /sleep parked on the
 * loop's timers, so one thread holds ten thousand waiting clients. A /cpu
 * request runs on that same thread: while it runs, no other connection is
 * served. The loop itself is lib/netserver.c, the net workload's slow server.
 */
#include "netserver.h"
#include "server.h"

static int serve(int lfd, const struct server_opts *o)
{
	return netserver_serve(lfd, o->ms, o->idle_ms, CO_BACKEND_EPOLL, 0);
}

int main(int argc, char **argv)
{
	return server_main(argc, argv, "coro", false, serve);
}
