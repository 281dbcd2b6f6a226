/* The guest memory fixture every walker test uses: a fresh sparse memory
 * per test (setup/teardown as Check fixtures), one result buffer, and
 * 64-bit word access that asserts success. */
#ifndef IREF_WALK_FIXTURE_H
#define IREF_WALK_FIXTURE_H

#include <check.h>

#include "iommu-ref/mem.h"
#include "iommu-ref/walk.h"

static struct iref_sparse_mem *sm;
static struct iref_mem mem;
/* Unused by the tests that only need the memory. */
static struct iref_walk_result res __attribute__((unused));

static void setup(void)
{
	sm = iref_sparse_mem_create(NULL);
	ck_assert_ptr_nonnull(sm);
	mem = iref_sparse_mem_as_mem(sm);
}

static void teardown(void)
{
	iref_sparse_mem_destroy(sm);
	sm = NULL;
}

static inline void w64(uint64_t addr, uint64_t v)
{
	ck_assert_int_eq(iref_mem_write64(mem, addr, v), IREF_OK);
}

static inline uint64_t r64(uint64_t addr)
{
	uint64_t v = 0;
	ck_assert_int_eq(iref_mem_read64(mem, addr, &v), IREF_OK);
	return v;
}

#endif
