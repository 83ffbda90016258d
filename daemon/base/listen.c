/* SPDX-License-Identifier: ISC */
/*
 * listen.c: resolve and bind a listener's "HOST:PORT" (listen.h).
 */
#include "base/listen.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/str.h"

#define BACKLOG	128

static void
say(char *why, size_t cap, const char *msg)
{
	if (why != NULL && cap > 0)
		snprintf(why, cap, "%s", msg);
}

/* Splits "host:port" / "[v6]:port" into host[] and port[]. */
static bool
split(const char *s, char *host, size_t hostcap, char *port, size_t portcap)
{
	const char *h = s, *he, *p;
	uint64_t n;

	if (s[0] == '[') {
		h = s + 1;
		he = strchr(h, ']');
		if (he == NULL || he[1] != ':')
			return false;
		p = he + 2;
	} else {
		he = strrchr(s, ':');
		if (he == NULL)
			return false;
		p = he + 1;
	}
	if (he == h || (size_t)(he - h) >= hostcap || strlen(p) >= portcap ||
	    !str_to_u64(p, 65535, &n))
		return false;
	/* A bare v6 literal needs its brackets: "::1:80" is ambiguous. */
	if (s[0] != '[' && memchr(h, ':', (size_t)(he - h)) != NULL)
		return false;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	snprintf(port, portcap, "%u", (unsigned)n);
	return true;
}

static int
bind_one(const struct addrinfo *ai, int *err)
{
	int fd, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, BACKLOG) != 0) {
		*err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

static void
format_bound(struct listen_sock *ls)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (getsockname(ls->fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
			port = ntohs(a->sin6_port);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
			port = ntohs(a->sin_port);
		}
	}
	ls->v6 = ss.ss_family == AF_INET6;
	snprintf(ls->address, sizeof(ls->address), ls->v6 ? "[%s]:%u" :
	    "%s:%u", ip, port);
}

enum err
listen_open(const char *s, struct listen_sock *ret, char *why, size_t whycap)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[8];
	int rc, err = 0;

	memset(ret, 0, sizeof(*ret));
	ret->fd = -1;
	say(why, whycap, "");
	if (s == NULL || !split(s, host, sizeof(host), port, sizeof(port))) {
		say(why, whycap, "not HOST:PORT");
		return ERR_INVALID_ARGUMENT;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if (s[0] == '[') {
		hints.ai_family = AF_INET6;
		hints.ai_flags |= AI_NUMERICHOST;
	}
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 && s[0] == '[') {
		say(why, whycap, "not an IPv6 address");
		return ERR_INVALID_ARGUMENT;
	}
	if (rc != 0) {
		say(why, whycap, rc == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(rc));
		return ERR_NOT_FOUND;
	}
	for (const struct addrinfo *ai = res; ai != NULL && ret->fd < 0;
	    ai = ai->ai_next)
		if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
			ret->fd = bind_one(ai, &err);
	freeaddrinfo(res);
	if (ret->fd < 0) {
		say(why, whycap, err != 0 ? strerror(err) :
		    "no IPv4 or IPv6 address");
		return ERR_IO;
	}
	format_bound(ret);
	return ERR_OK;
}

void
listen_close(struct listen_sock *ls)
{
	if (ls != NULL && ls->fd >= 0) {
		close(ls->fd);
		ls->fd = -1;
	}
}
