/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel strings (comm, exe, cgroup names) are bytes, not text. JSON needs
 * valid UTF-8: the feed's writer (jsonw.h) replaces invalid sequences with
 * U+FFFD and keeps the exact bytes beside them as hex in "<key>_raw", so
 * nothing is lost and nothing breaks a consumer's parser. This is the one
 * definition of "valid" it uses (RFC 3629).
 */
#ifndef NSGUARD_UTF8_H
#define NSGUARD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if invalid. */
size_t nsg_utf8_seq_len(const unsigned char *s, size_t len);
bool nsg_utf8_valid(const char *s, size_t len);

#endif
