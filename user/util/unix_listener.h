/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A listening unix stream socket at a path in the file system, for local
 * consumers (the feed's --output-socket, the OCI hook's socket). The
 * socket is mode 0600 from its first moment, optionally in a parent
 * directory created with a mode of its own. Only a stale socket that
 * nobody listens on is replaced; a file that is not a socket and a socket
 * another process listens on are refused and left alone. At close the
 * socket file is removed only while it is still the one we made.
 *
 * Errors come back as a reason, not a message: each caller words them as
 * its users have always read them.
 */
#ifndef NSGUARD_UNIX_LISTENER_H
#define NSGUARD_UNIX_LISTENER_H

#include <stdbool.h>
#include <sys/types.h>

/* The longest path a listener takes: sockaddr_un's sun_path less its NUL. */
#define NSG_UNIX_PATH_MAX 107

/* The socket file bind() made, told apart from one that replaced it later. */
struct nsg_unix_socket_file {
	dev_t dev;
	ino_t ino;
};

enum nsg_unix_listen_failure {
	NSG_UNIX_LISTEN_BAD_PATH = 1, /* empty, or longer than NSG_UNIX_PATH_MAX */
	NSG_UNIX_LISTEN_DIR_FAILED,   /* the parent directory could not be made: errnum */
	NSG_UNIX_LISTEN_DIR_NOT_DIR,  /* the parent is not a directory (a symlink to one is not) */
	NSG_UNIX_LISTEN_NOT_SOCKET,   /* the path exists and is not a socket */
	NSG_UNIX_LISTEN_IN_USE,       /* another process listens on the path */
	NSG_UNIX_LISTEN_SYSTEM,       /* a system call failed: errnum */
};

struct nsg_unix_listen_error {
	enum nsg_unix_listen_failure why;
	int errnum;
	char dir[NSG_UNIX_PATH_MAX + 1]; /* the parent directory, for the DIR_ reasons */
};

/*
 * Listens on path; returns the non-blocking, close-on-exec socket, or -1
 * with the reason in e (nothing is left behind then). dir_mode 0 leaves
 * the parent directory alone; otherwise it is created with that mode
 * where missing.
 */
int nsg_unix_listen(const char *path, mode_t dir_mode, struct nsg_unix_socket_file *made,
		    struct nsg_unix_listen_error *e);
/*
 * The next waiting connection, close-on-exec and, with nonblock, non-blocking;
 * -1 when none is waiting (or accepting fails for now: try again later).
 */
int nsg_unix_accept(int listen_fd, bool nonblock);
/* Closes listen_fd and removes path, unless someone has replaced the file since. */
void nsg_unix_unlisten(int listen_fd, const char *path, const struct nsg_unix_socket_file *made);

#endif
