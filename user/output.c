// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "event_format.h"
#include "output.h"

int nsg_sink_open(struct nsg_sink *s, const char *path, enum nsg_format format, char *err,
		  size_t errlen)
{
	int fd;

	memset(s, 0, sizeof(*s));
	s->format = format;
	if (!path) {
		s->f = stdout;
		return 0;
	}
	/* The feed names containers and processes: not for other users' eyes. */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || !(s->f = fdopen(fd, "a"))) {
		snprintf(err, errlen, "--output %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	s->owned = true;
	return 0;
}

void nsg_sink_emit(struct nsg_sink *s, json_t *obj)
{
	int rc;

	if (!obj) {
		s->write_errors++;
		return;
	}
	rc = s->format == NSG_FMT_TEXT ? nsg_write_text_line(s->f, obj)
				       : nsg_write_json_line(s->f, obj);
	if (rc)
		s->write_errors++;
	json_decref(obj);
}

void nsg_sink_flush(struct nsg_sink *s)
{
	if (fflush(s->f) != 0)
		s->write_errors++;
}

void nsg_sink_close(struct nsg_sink *s)
{
	nsg_sink_flush(s);
	if (s->owned)
		fclose(s->f);
	s->f = NULL;
}
