// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --metrics-addr: "IP:PORT", ":PORT" or "[IPv6]:PORT", numeric only (the
 * static binary has no NSS for name lookups), turned into a listening
 * TCP socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "metrics/metrics_int.h"

#define LISTEN_BACKLOG 16

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool any; /* ":PORT": IPv6 dual-stack, IPv4 where IPv6 is off */
};

static int parse_port(const char *s, unsigned short *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

/* la's address: numeric, inet_pton's text for family, and port; -1: numeric is not one. */
static int set_ip(struct listen_addr *la, int family, const char *numeric, unsigned short port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&la->ss;
	bool v6 = family == AF_INET6;

	if (inet_pton(family, numeric, v6 ? (void *)&in6->sin6_addr : (void *)&in4->sin_addr) != 1)
		return -1;
	la->ss.ss_family = (sa_family_t)family;
	if (v6)
		in6->sin6_port = htons(port);
	else
		in4->sin_port = htons(port);
	la->len = v6 ? sizeof(*in6) : sizeof(*in4);
	return 0;
}

static int set_host(struct listen_addr *la, const char *host, unsigned short port)
{
	size_t n = strlen(host);
	char v6[INET6_ADDRSTRLEN];

	memset(la, 0, sizeof(*la));
	if (n == 0) {
		la->any = true;
		return set_ip(la, AF_INET6, "::", port);
	}
	if (host[0] != '[')
		return set_ip(la, AF_INET, host, port);
	/* Brackets are required around IPv6, as in URLs. */
	if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof(v6))
		return -1;
	memcpy(v6, host + 1, n - 2);
	v6[n - 2] = '\0';
	return set_ip(la, AF_INET6, v6, port);
}

static int parse_addr(const char *addr, struct listen_addr *la)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	char host[INET6_ADDRSTRLEN + 2];
	unsigned short port;
	size_t n;

	if (!colon || parse_port(colon + 1, &port) != 0)
		return -1;
	n = (size_t)(colon - addr);
	if (n >= sizeof(host))
		return -1;
	memcpy(host, addr, n);
	host[n] = '\0';
	return set_host(la, host, port);
}

/* Falls back to IPv4 for ":PORT" on hosts booted without IPv6. */
static int open_socket(struct listen_addr *la)
{
	const int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
	unsigned short port;
	int fd, off = 0;

	fd = socket(la->ss.ss_family, type, 0);
	if (fd >= 0 || !la->any || errno != EAFNOSUPPORT) {
		if (fd >= 0 && la->any)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		return fd;
	}
	port = ntohs(((struct sockaddr_in6 *)&la->ss)->sin6_port);
	memset(&la->ss, 0, sizeof(la->ss));
	set_ip(la, AF_INET, "0.0.0.0", port);
	return socket(AF_INET, type, 0);
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* addr as it may appear in a one-line message: bounded, control bytes as '?'. */
static void printable(char *dst, size_t n, const char *addr)
{
	snprintf(dst, n, "%s", addr ? addr : "");
	for (; *dst; dst++)
		if ((unsigned char)*dst < 0x20 || *dst == 0x7f)
			*dst = '?';
}

int nsg_metrics_listen(const char *addr, int *port, char *err, size_t errlen)
{
	struct listen_addr la;
	char shown[64];
	int fd, one = 1;

	printable(shown, sizeof(shown), addr);
	if (parse_addr(addr, &la) != 0) {
		snprintf(err, errlen,
			 "metrics address '%s': expected IP:PORT, e.g. 127.0.0.1:9500, :9500 or "
			 "[::1]:9500",
			 shown);
		return -1;
	}
	fd = open_socket(&la);
	if (fd < 0) {
		snprintf(err, errlen, "metrics address '%s': socket: %s", shown, strerror(errno));
		return -1;
	}
	/* A restarted agent rebinds while old connections sit in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&la.ss, la.len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
		snprintf(err, errlen, "metrics address '%s': %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	*port = bound_port(fd);
	return fd;
}
