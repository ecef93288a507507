// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Growable arrays (user/util/grow.c): room for what is asked, doubling from
 * the first size, and on a size that cannot be had nothing touched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "util/grow.h"

static void test_first_then_doubling(void **state)
{
	size_t cap = 0;
	int *items = NULL, *p;

	(void)state;
	p = nsg_grow(items, &cap, 1, sizeof(*items), 16);
	assert_non_null(p);
	assert_int_equal(cap, 16);
	items = p;
	items[15] = 7;
	assert_ptr_equal(nsg_grow(items, &cap, 16, sizeof(*items), 16), items);
	assert_int_equal(cap, 16);
	p = nsg_grow(items, &cap, 17, sizeof(*items), 16);
	assert_non_null(p);
	assert_int_equal(cap, 32);
	assert_int_equal(p[15], 7); /* what was there stays */
	items = p;
	p = nsg_grow(items, &cap, 100, sizeof(*items), 16);
	assert_non_null(p);
	assert_int_equal(cap, 128);
	free(p);
}

static void test_impossible_size_leaves_all(void **state)
{
	size_t cap = 4;
	char *items = malloc(4);

	(void)state;
	assert_non_null(items);
	assert_null(nsg_grow(items, &cap, SIZE_MAX / 2 + 2, 1, 4));
	assert_int_equal(cap, 4);
	assert_null(nsg_grow(items, &cap, 5, SIZE_MAX / 4, 4));
	assert_int_equal(cap, 4);
	assert_null(nsg_grow(items, &cap, 5, 0, 4));
	assert_int_equal(cap, 4);
	items[3] = 'x'; /* still ours: ASan would object otherwise */
	free(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_then_doubling),
		cmocka_unit_test(test_impossible_size_leaves_all),
	};

	return cmocka_run_group_tests_name("grow", tests, NULL, NULL);
}
