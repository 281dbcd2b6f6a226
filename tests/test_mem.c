/* Unit tests of the guest memory module: sparse memory and image loader. */
#define _POSIX_C_SOURCE 200809L

#include "iommu-ref/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommu-ref/walk.h"
#include "testutil.h"

static struct iref_sparse_mem *sm;
static struct iref_mem m;

static void make(const struct iref_sparse_mem_config *cfg)
{
	sm = iref_sparse_mem_create(cfg);
	ck_assert_ptr_nonnull(sm);
	m = iref_sparse_mem_as_mem(sm);
}

static void setup(void)
{
	make(NULL);
}

static void teardown(void)
{
	iref_sparse_mem_destroy(sm);
	sm = NULL;
}

static uint64_t rd64(uint64_t addr)
{
	uint64_t v = 0;
	ck_assert_int_eq(iref_mem_read64(m, addr, &v), IREF_OK);
	return v;
}

/* ---- Sparse memory ---- */

START_TEST(test_unwritten_reads_zero)
{
	uint8_t buf[32];
	memset(buf, 0xaa, sizeof buf);
	ck_assert_int_eq(iref_mem_read(m, 0x12345678, buf, sizeof buf),
			 IREF_OK);
	for (size_t i = 0; i < sizeof buf; i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert_uint_eq(rd64(UINT64_MAX - 7), 0);
	/* Reads allocate nothing. */
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 0);
}
END_TEST

START_TEST(test_cross_page)
{
	uint8_t pat[16], buf[32];
	for (size_t i = 0; i < sizeof pat; i++)
		pat[i] = (uint8_t)(0x10 + i);
	ck_assert_int_eq(iref_mem_write(m, 0x1ff8, pat, sizeof pat), IREF_OK);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 2);
	memset(buf, 0xaa, sizeof buf);
	ck_assert_int_eq(iref_mem_read(m, 0x1ff0, buf, sizeof buf), IREF_OK);
	for (size_t i = 0; i < 8; i++) {
		ck_assert_uint_eq(buf[i], 0);
		ck_assert_uint_eq(buf[24 + i], 0);
	}
	ck_assert_mem_eq(buf + 8, pat, sizeof pat);
	/* An unaligned word straddling the boundary. */
	ck_assert_uint_eq(rd64(0x1ffc), UINT64_C(0x1b1a191817161514));
}
END_TEST

START_TEST(test_long_access)
{
	/* Spans five pages, starting and ending mid-page. */
	size_t len = 4 * 4096 + 100;
	uint8_t *pat = malloc(len), *buf = malloc(len);
	ck_assert_ptr_nonnull(pat);
	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < len; i++)
		pat[i] = (uint8_t)(i * 7 + 1);
	ck_assert_int_eq(iref_mem_write(m, 0x40f00, pat, len), IREF_OK);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 5);
	ck_assert_int_eq(iref_mem_read(m, 0x40f00, buf, len), IREF_OK);
	ck_assert_mem_eq(buf, pat, len);
	free(pat);
	free(buf);
}
END_TEST

START_TEST(test_partial_page_reads_zero)
{
	uint8_t one = 0x5a, buf[16];
	ck_assert_int_eq(iref_mem_write(m, 0x3005, &one, 1), IREF_OK);
	memset(buf, 0xaa, sizeof buf);
	ck_assert_int_eq(iref_mem_read(m, 0x3000, buf, sizeof buf), IREF_OK);
	for (size_t i = 0; i < sizeof buf; i++)
		ck_assert_uint_eq(buf[i], i == 5 ? 0x5a : 0);
}
END_TEST

START_TEST(test_le_helpers)
{
	static const uint8_t le[8] = { 0x08, 0x07, 0x06, 0x05,
				       0x04, 0x03, 0x02, 0x01 };
	uint8_t buf[8];
	ck_assert_int_eq(iref_mem_write64(m, 0x100, UINT64_C(0x0102030405060708)),
			 IREF_OK);
	ck_assert_int_eq(iref_mem_read(m, 0x100, buf, sizeof buf), IREF_OK);
	ck_assert_mem_eq(buf, le, sizeof le);

	static const uint8_t raw[8] = { 0xef, 0xcd, 0xab, 0x89,
					0x67, 0x45, 0x23, 0x01 };
	ck_assert_int_eq(iref_mem_write(m, 0x203, raw, sizeof raw), IREF_OK);
	ck_assert_uint_eq(rd64(0x203), UINT64_C(0x0123456789abcdef));
}
END_TEST

START_TEST(test_read64_error_keeps_val)
{
	struct iref_sparse_mem_config cfg = { .limit = 0x1000 };
	make(&cfg);
	uint64_t v = 42;
	ck_assert_int_eq(iref_mem_read64(m, 0xff9, &v), IREF_E_BUS);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(iref_mem_write64(m, 0xff9, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read64(m, 0xff8, &v), IREF_OK);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(test_unwritten_is_bus_error)
{
	struct iref_sparse_mem_config cfg = { .unwritten_is_bus_error = true };
	make(&cfg);
	uint8_t buf[8];
	ck_assert_int_eq(iref_mem_write(m, 0x1000, "abcd", 4), IREF_OK);
	ck_assert_int_eq(iref_mem_read(m, 0x1000, buf, 4), IREF_OK);
	ck_assert_mem_eq(buf, "abcd", 4);

	memset(buf, 0xaa, sizeof buf);
	ck_assert_int_eq(iref_mem_read(m, 0x1000, buf, 5), IREF_E_BUS);
	for (size_t i = 0; i < sizeof buf; i++)
		ck_assert_uint_eq(buf[i], 0xaa);
	ck_assert_int_eq(iref_mem_read(m, 0xfff, buf, 2), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read(m, 0x5000, buf, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read(m, 0x5000, buf, 0), IREF_OK);

	/* Bytes of an allocated page stay unwritten until written. */
	ck_assert_int_eq(iref_mem_write(m, 0x1ffe, "wxyz", 4), IREF_OK);
	ck_assert_int_eq(iref_mem_read(m, 0x1ffe, buf, 4), IREF_OK);
	ck_assert_mem_eq(buf, "wxyz", 4);
	ck_assert_int_eq(iref_mem_read(m, 0x1ffd, buf, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read(m, 0x2002, buf, 1), IREF_E_BUS);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 2);
}
END_TEST

START_TEST(test_limit)
{
	struct iref_sparse_mem_config cfg = { .limit = 0x10000 };
	make(&cfg);
	uint8_t buf[9] = { 0 };
	ck_assert_int_eq(iref_mem_write64(m, 0xfff8, 0x1122334455667788),
			 IREF_OK);
	ck_assert_int_eq(iref_mem_write(m, 0xfff8, "ABCDEFGHI", 9),
			 IREF_E_BUS);
	ck_assert_uint_eq(rd64(0xfff8), 0x1122334455667788);
	ck_assert_int_eq(iref_mem_read(m, 0xfff8, buf, 9), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read(m, 0x10000, buf, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write(m, 0x10000, buf, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write(m, UINT64_MAX, buf, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write(m, 0xffff, "z", 1), IREF_OK);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 1);
}
END_TEST

START_TEST(test_wrap)
{
	uint8_t buf[5];
	ck_assert_int_eq(iref_mem_write(m, UINT64_MAX - 3, "abcd", 4), IREF_OK);
	ck_assert_int_eq(iref_mem_read(m, UINT64_MAX - 3, buf, 4), IREF_OK);
	ck_assert_mem_eq(buf, "abcd", 4);
	ck_assert_uint_eq(rd64(UINT64_MAX - 7), UINT64_C(0x6463626100000000));

	ck_assert_int_eq(iref_mem_write(m, UINT64_MAX - 3, "ABCDE", 5),
			 IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read(m, UINT64_MAX - 3, buf, 5), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write64(m, UINT64_MAX, 1), IREF_E_BUS);
	/* Nothing landed at either end. */
	ck_assert_uint_eq(rd64(0), 0);
	ck_assert_uint_eq(rd64(UINT64_MAX - 7), UINT64_C(0x6463626100000000));
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 1);
}
END_TEST

START_TEST(test_zero_length)
{
	struct iref_sparse_mem_config cfg = { .limit = 0x1000 };
	make(&cfg);
	uint8_t b = 0;
	ck_assert_int_eq(iref_mem_write(m, 0x1000, &b, 0), IREF_OK);
	ck_assert_int_eq(iref_mem_write(m, UINT64_MAX, &b, 0), IREF_OK);
	ck_assert_int_eq(iref_mem_read(m, UINT64_MAX, &b, 0), IREF_OK);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 0);
}
END_TEST

START_TEST(test_fault_write)
{
	uint8_t buf[8];
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x3000, 0x3007,
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	ck_assert_int_eq(iref_mem_write64(m, 0x2ffc, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write64(m, 0x3007, 1), IREF_E_BUS);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 0);
	ck_assert_int_eq(iref_mem_read(m, 0x3000, buf, 8), IREF_OK);
	ck_assert_int_eq(iref_mem_write64(m, 0x2ff8, 2), IREF_OK);
	ck_assert_int_eq(iref_mem_write64(m, 0x3008, 3), IREF_OK);
	ck_assert_uint_eq(rd64(0x2ff8), 2);
	ck_assert_uint_eq(rd64(0x3008), 3);
}
END_TEST

START_TEST(test_fault_read)
{
	uint8_t buf[2] = { 0x11, 0x22 };
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x5000, 0x5fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	ck_assert_int_eq(iref_mem_write(m, 0x4fff, "ab", 2), IREF_OK);
	ck_assert_int_eq(iref_mem_read(m, 0x4fff, buf, 2), IREF_E_BUS);
	ck_assert_uint_eq(buf[0], 0x11);
	ck_assert_int_eq(iref_mem_read(m, 0x5fff, buf, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read(m, 0x4fff, buf, 1), IREF_OK);
	ck_assert_uint_eq(buf[0], 'a');
	ck_assert_int_eq(iref_mem_read(m, 0x6000, buf, 1), IREF_OK);
}
END_TEST

START_TEST(test_fault_both_and_many)
{
	uint64_t v;
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x7000, 0x7000,
						   IREF_MEM_FAULT_READ |
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	/* More ranges than the list starts with, to exercise its growth. */
	for (uint64_t i = 0; i < 20; i++)
		ck_assert_int_eq(iref_sparse_mem_add_fault(sm,
				0x100000 * (i + 1), 0x100000 * (i + 1),
				IREF_MEM_FAULT_READ),
				 IREF_OK);
	ck_assert_int_eq(iref_mem_read64(m, 0x6ff9, &v), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write64(m, 0x7000, 1), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write64(m, 0x6ff8, 1), IREF_OK);
	ck_assert_int_eq(iref_mem_write64(m, 0x7001, 1), IREF_OK);
	ck_assert_int_eq(iref_mem_read64(m, 0x1400000, &v), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read64(m, 0x1400001, &v), IREF_OK);
}
END_TEST

START_TEST(test_fault_whole_space)
{
	uint64_t v;
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0, UINT64_MAX,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	ck_assert_int_eq(iref_mem_read64(m, 0, &v), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_read64(m, UINT64_MAX - 7, &v), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write64(m, 0, 1), IREF_OK);
}
END_TEST

START_TEST(test_fault_invalid)
{
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 2, 1,
						   IREF_MEM_FAULT_READ),
			 IREF_E_INVAL);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 1, 2, 0), IREF_E_INVAL);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 1, 2, 4), IREF_E_INVAL);
	/* None of them took effect. */
	ck_assert_int_eq(iref_mem_write64(m, 0, 1), IREF_OK);
	ck_assert_uint_eq(rd64(0), 1);
}
END_TEST

START_TEST(test_refused_write_writes_nothing)
{
	/* Old content on two pages, then a write that covers them and a new
	 * page but ends on a faulting byte. */
	size_t len = 0x1011;
	uint8_t *a = malloc(len), *b = malloc(len), *buf = malloc(len);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(buf);
	memset(a, 'a', len);
	memset(b, 'b', len);
	ck_assert_int_eq(iref_mem_write(m, 0xff0, a, 0x20), IREF_OK);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x2000, 0x2000,
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	ck_assert_int_eq(iref_mem_write(m, 0xff0, b, len), IREF_E_BUS);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 2);
	ck_assert_int_eq(iref_mem_read(m, 0xff0, buf, len), IREF_OK);
	ck_assert_mem_eq(buf, a, 0x20);
	for (size_t i = 0x20; i < len; i++)
		ck_assert_uint_eq(buf[i], 0);
	free(a);
	free(b);
	free(buf);
}
END_TEST

START_TEST(test_many_pages)
{
	/* Multiplying by an odd constant permutes page numbers mod 2^52, so
	 * these pages are distinct and scattered over the whole space. */
	const uint64_t n = 100000;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pfn = (i * UINT64_C(0x9e3779b1)) & ((UINT64_C(1) << 52) - 1);
		ck_assert_int_eq(iref_mem_write64(m, pfn << 12 | (i % 512) * 8,
						  i ^ UINT64_C(0xa5a5a5a5a5a5a5a5)),
				 IREF_OK);
	}
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t pfn = (i * UINT64_C(0x9e3779b1)) & ((UINT64_C(1) << 52) - 1);
		ck_assert_uint_eq(rd64(pfn << 12 | (i % 512) * 8),
				  i ^ UINT64_C(0xa5a5a5a5a5a5a5a5));
		/* Another word of the same page was never written. */
		ck_assert_uint_eq(rd64(pfn << 12 | ((i + 1) % 512) * 8), 0);
	}
	/* Consecutive pages too: overwrite the first page, add 1000 more. */
	for (uint64_t i = 0; i < 1000; i++)
		ck_assert_int_eq(iref_mem_write64(m, (i + 1) << 12, i), IREF_OK);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), n + 1000);
	for (uint64_t i = 0; i < 1000; i++)
		ck_assert_uint_eq(rd64((i + 1) << 12), i);
	ck_assert_uint_eq(rd64(0), 0xa5a5a5a5a5a5a5a5);
}
END_TEST

/* ---- Read fast path (iref_mem_page) ---- */

/* A memory of its own callbacks in front of another: same contents, no
 * fast path. */
static enum iref_rc fwd_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return iref_mem_read(*(struct iref_mem *)ctx, addr, buf, len);
}

static enum iref_rc fwd_write(void *ctx, uint64_t addr, const void *buf,
			      size_t len)
{
	return iref_mem_write(*(struct iref_mem *)ctx, addr, buf, len);
}

static const struct iref_mem_ops fwd_ops = {
	.read = fwd_read,
	.write = fwd_write,
};

/* The page's pointer shows exactly what read returns for the page. */
static void assert_page_matches(uint64_t base)
{
	static uint8_t buf[4096];
	const uint8_t *p = iref_mem_page(m, base);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(iref_mem_read(m, base, buf, sizeof buf), IREF_OK);
	ck_assert_mem_eq(p, buf, sizeof buf);
}

START_TEST(test_page_backed)
{
	ck_assert_ptr_null(iref_mem_page(m, 0x5000)); /* unbacked */
	ck_assert_int_eq(iref_mem_write64(m, 0x5ff8, 0x8877665544332211),
			 IREF_OK);
	const uint8_t *p = iref_mem_page(m, 0x5abc);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_eq(p, iref_mem_page(m, 0x5000));
	ck_assert_uint_eq(p[0xff8], 0x11); /* little-endian, page offset */
	ck_assert_uint_eq(p[0xfff], 0x88);
	assert_page_matches(0x5000);
	/* Neighbours stay unbacked; reads allocate nothing. */
	ck_assert_ptr_null(iref_mem_page(m, 0x4fff));
	ck_assert_ptr_null(iref_mem_page(m, 0x6000));
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 1);
	/* The last page of the address space does not wrap. */
	ck_assert_int_eq(iref_mem_write(m, UINT64_MAX, "z", 1), IREF_OK);
	assert_page_matches(UINT64_MAX & ~UINT64_C(0xfff));
	/* Growing the page table keeps what pages show. */
	for (uint64_t a = 0; a < 64 * 4096; a += 4096)
		ck_assert_int_eq(iref_mem_write64(m, 0x100000 + a, a), IREF_OK);
	assert_page_matches(0x5000);
	assert_page_matches(0x100000 + 63 * 4096);
	/* A memory of its own callbacks has no fast path. */
	struct iref_mem fwd = {.ops = &fwd_ops, .ctx = &m};
	ck_assert_ptr_null(iref_mem_page(fwd, 0x5000));
}
END_TEST

START_TEST(test_page_fault_ranges)
{
	for (uint64_t a = 0x1000; a <= 0x4000; a += 0x1000)
		ck_assert_int_eq(iref_mem_write64(m, a, a), IREF_OK);
	/* One read-fault byte anywhere in a page withholds it. */
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x1fff, 0x1fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	ck_assert_ptr_null(iref_mem_page(m, 0x1000));
	assert_page_matches(0x2000);
	/* Write faults do not touch reads. */
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x3000, 0x3fff,
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	assert_page_matches(0x3000);
	/* A range over a page boundary withholds both pages. */
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x3fff, 0x4000,
						   IREF_MEM_FAULT_READ |
							   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	ck_assert_ptr_null(iref_mem_page(m, 0x3000));
	ck_assert_ptr_null(iref_mem_page(m, 0x4000));
	assert_page_matches(0x2000);
	/* Reads of the withheld pages keep their own outcome. */
	ck_assert_uint_eq(rd64(0x1000), 0x1000);
	uint64_t v;
	ck_assert_int_eq(iref_mem_read64(m, 0x3ff8, &v), IREF_E_BUS);
}
END_TEST

START_TEST(test_page_limit)
{
	struct iref_sparse_mem_config cfg = {.limit = 0x3800};
	make(&cfg);
	ck_assert_int_eq(iref_mem_write64(m, 0x2000, 1), IREF_OK);
	ck_assert_int_eq(iref_mem_write64(m, 0x3000, 2), IREF_OK);
	assert_page_matches(0x2000);
	/* A page the limit cuts is withheld though its start reads. */
	ck_assert_ptr_null(iref_mem_page(m, 0x3000));
	ck_assert_uint_eq(rd64(0x3000), 2);
	ck_assert_ptr_null(iref_mem_page(m, 0x4000));
}
END_TEST

START_TEST(test_page_unwritten_is_bus_error)
{
	struct iref_sparse_mem_config cfg = {.unwritten_is_bus_error = true};
	make(&cfg);
	/* Reads are checked per byte, so no page is given, even a fully
	 * written one. */
	static uint8_t page[4096];
	ck_assert_int_eq(iref_mem_write(m, 0x7000, page, sizeof page),
			 IREF_OK);
	ck_assert_uint_eq(rd64(0x7ff8), 0);
	ck_assert_ptr_null(iref_mem_page(m, 0x7000));
}
END_TEST

/* Walks through the fast path and through read give the same results,
 * access lists and A/D writes. Two identical memories: the walks write. */
static void assert_same_result(const struct iref_walk_result *a,
			       const struct iref_walk_result *b)
{
	ck_assert_int_eq(a->ok, b->ok);
	ck_assert_uint_eq(a->pa, b->pa);
	ck_assert_uint_eq(a->page_size, b->page_size);
	ck_assert_uint_eq(a->perm, b->perm);
	ck_assert_uint_eq(a->attrs, b->attrs);
	ck_assert_int_eq(a->global, b->global);
	ck_assert_int_eq(a->level, b->level);
	ck_assert_int_eq(a->fault.reason, b->fault.reason);
	ck_assert_uint_eq(a->fault.code, b->fault.code);
	ck_assert_uint_eq(a->fault.flags, b->fault.flags);
	ck_assert_int_eq(a->fault.level, b->fault.level);
	ck_assert_uint_eq(a->fault.stage, b->fault.stage);
	ck_assert_int_eq(a->fault.on_walk, b->fault.on_walk);
	ck_assert_uint_eq(a->fault.addr, b->fault.addr);
	ck_assert_uint_eq(a->fault.addr2, b->fault.addr2);
	ck_assert_uint_eq(a->n_acc, b->n_acc);
	for (unsigned i = 0; i < a->n_acc && i < IREF_WALK_MAX_ACCESSES; i++) {
		ck_assert_uint_eq(a->acc[i].addr, b->acc[i].addr);
		ck_assert_uint_eq(a->acc[i].value, b->acc[i].value);
		ck_assert_uint_eq(a->acc[i].kind, b->acc[i].kind);
		ck_assert_uint_eq(a->acc[i].stage, b->acc[i].stage);
		ck_assert_int_eq(a->acc[i].level, b->acc[i].level);
		ck_assert_uint_eq(a->acc[i].size, b->acc[i].size);
	}
}

#define S1_POOL UINT64_C(0x10000000)
#define S2_POOL UINT64_C(0x20000000)
#define DATA UINT64_C(0x40000000)

/* Formats, stage 2 if nested, and options (each set on every stage that
 * has it) that make the walks update A/D bits, some as walked. */
static const struct {
	const char *s1, *s2;
	const char *opt[3][2];
} same_cases[] = {
	{"riscv-sv39", NULL, {{"ade", "on"}}},
	{"riscv-sv39", NULL, {{"ade", "on"}, {"be", "on"}}},
	{"riscv-sv32", NULL, {{"ade", "on"}, {"be", "on"}}},
	{"riscv-sv48x4", NULL, {{"ade", "on"}}},
	{"arm-s1", NULL, {{"ha", "on"}, {"hd", "on"}}},
	{"arm-s2", NULL, {{"s2ha", "on"}, {"s2hd", "on"}}},
	{"intel-fs", NULL, {{"ad_policy", "as_walked"}}},
	{"intel-ss", NULL, {{"ssade", "on"}}},
	{"amd-v1", NULL, {{"had", "3"}}},
	{"amd-v2", NULL, {{0}}},
	{"riscv-sv39", "riscv-sv39x4", {{"ade", "on"}, {"be", "on"}}},
	{"arm-s1", "arm-s2",
	 {{"ha", "on"}, {"s2ha", "on"}, {"s2hd", "on"}}},
	{"intel-fs", "intel-ss", {{"ssade", "on"}, {"ad_policy", "as_walked"}}},
	{"amd-v2", "amd-v1", {{"had", "3"}}},
};

/* Stage 1 (or a single stage): four 4 MiB regions of varied permissions,
 * some without accessed/dirty bits so that walks write them, and blocks
 * where they fit. Stage 2 maps the stage-1 tables and the data. */
static unsigned build_same(struct iref_mem mem, struct iref_walk_cfg *cfg,
			   const char *name, int c, bool s2)
{
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(cfg, name, &d), IREF_OK);
	unsigned taken = 0; /* bit i: option i is this stage's */
	for (unsigned i = 0; i < 3 && same_cases[c].opt[i][0]; i++)
		if (iref_walk_cfg_set(cfg, same_cases[c].opt[i][0],
				      same_cases[c].opt[i][1], &d) == IREF_OK)
			taken |= 1u << i;
	uint64_t at = s2 ? S2_POOL : S1_POOL;
	struct iref_pool pool = {at, at + 0x400000};
	unsigned rw = IREF_PERM_R | IREF_PERM_W;
	struct iref_build_map maps[] = {
		{0x000000, DATA, 0x400000, rw, IREF_BUILD_USER, 0},
		{0x400000, DATA + 0x400000, 0x400000, rw,
		 IREF_BUILD_USER | IREF_BUILD_NO_ACCESSED | IREF_BUILD_NO_BLOCKS,
		 0},
		{0x800000, DATA + 0x800000, 0x400000, IREF_PERM_R,
		 IREF_BUILD_USER | IREF_BUILD_NO_ACCESSED, 0},
		{0xc00000, DATA + 0xc00000, 0x400000, rw | IREF_PERM_X,
		 IREF_BUILD_NO_DIRTY | IREF_BUILD_USER, 0},
		{S1_POOL, S1_POOL, 0x400000, rw,
		 IREF_BUILD_NO_ACCESSED | IREF_BUILD_NO_BLOCKS, 0},
		{DATA, DATA, 0x1000000, rw, IREF_BUILD_NO_DIRTY, 0},
	};
	ck_assert_int_eq(iref_build(cfg, mem, &pool, s2 ? maps + 4 : maps,
				    s2 ? 2 : 4, &d),
			 IREF_OK);
	return taken;
}

/* One walk of q with memory k (0: the sparse memory, with the fast path;
 * 1: the other through fwd, without), into *r. */
static void walk_with(int c, int k, const struct iref_walk_cfg *c1,
		      const struct iref_walk_cfg *c2, struct iref_mem mem,
		      const struct iref_walk_req *q, struct iref_walk_result *r)
{
	enum iref_rc rc = same_cases[c].s2
				  ? iref_walk_nested(&c1[k], &c2[k], mem, q, r)
				  : iref_walk(&c1[k], mem, q, r);
	ck_assert_int_eq(rc, IREF_OK);
}

START_TEST(test_page_walks_same)
{
	struct iref_sparse_mem *sms[2];
	struct iref_mem mems[2];
	struct iref_walk_cfg c1[2], c2[2];
	unsigned taken = 0, opts = 0;
	while (opts < 3 && same_cases[_i].opt[opts][0])
		opts++;
	for (int k = 0; k < 2; k++) {
		sms[k] = iref_sparse_mem_create(NULL);
		ck_assert_ptr_nonnull(sms[k]);
		mems[k] = iref_sparse_mem_as_mem(sms[k]);
		if (same_cases[_i].s2)
			taken |= build_same(mems[k], &c2[k], same_cases[_i].s2,
					    _i, true);
		taken |= build_same(mems[k], &c1[k], same_cases[_i].s1, _i,
				    false);
	}
	ck_assert_uint_eq(taken, (1u << opts) - 1); /* no option misspelt */
	/* Memory 1 has no fast path. */
	struct iref_mem fwd = {.ops = &fwd_ops, .ctx = &mems[1]};
	struct iref_mem wm[2] = {mems[0], fwd};
	ck_assert_ptr_nonnull(iref_mem_page(mems[0], S1_POOL));
	static struct iref_walk_result r[2];
	/* Bus errors reading the last entry a walk of probe[0] reads, and
	 * updating any entry of the page of probe[1]'s; walked again and
	 * again below, so the other entries of those pages (which the fast
	 * path must withhold) are read too. */
	const struct iref_walk_req probe[2] = {
		{.addr = 0x401000, .access = IREF_ACC_READ},
		{.addr = 0x805000, .access = IREF_ACC_READ},
	};
	for (int p = 0; p < 2; p++) {
		for (int k = 0; k < 2; k++)
			walk_with(_i, k, c1, c2, wm[k], &probe[p], &r[k]);
		assert_same_result(&r[0], &r[1]);
		unsigned j = r[0].n_acc;
		while (j-- > 0 && r[0].acc[j].kind != IREF_WALK_RD)
			;
		ck_assert_uint_lt(j, r[0].n_acc);
		uint64_t at = r[0].acc[j].addr;
		for (int k = 0; k < 2; k++)
			ck_assert_int_eq(
				p == 0 ? iref_sparse_mem_add_fault(
						 sms[k], at, at + 7,
						 IREF_MEM_FAULT_READ)
				       : iref_sparse_mem_add_fault(
						 sms[k], at & ~UINT64_C(0xfff),
						 at | 0xfff,
						 IREF_MEM_FAULT_WRITE),
				IREF_OK);
	}
	uint64_t seed = 12345, writes = 0, bus = 0;
	for (int i = 0; i < 2000; i++) {
		seed = seed * 6364136223846793005u + 1442695040888963407u;
		struct iref_walk_req q = {
			.addr = (seed >> 20) % 0x1100000 & ~UINT64_C(7),
			.access = 1u << (seed >> 8) % 3,
			.priv = seed >> 12 & 1,
		};
		if (i % 8 < 2)
			q.addr = probe[i % 8].addr + (seed >> 40) % 0x8000;
		for (int k = 0; k < 2; k++)
			walk_with(_i, k, c1, c2, wm[k], &q, &r[k]);
		assert_same_result(&r[0], &r[1]);
		bus += r[0].fault.reason == IREF_WF_BUS_ERROR;
		for (unsigned j = 0; j < r[0].n_acc; j++)
			writes += r[0].acc[j].kind == IREF_WALK_WR;
	}
	/* The walks met bus errors, wrote A/D bits, and both memories
	 * alike. */
	ck_assert_uint_gt(bus, 0);
	ck_assert_uint_gt(writes, 0);
	static uint8_t a[4096], b[4096];
	for (uint64_t p = 0; p < 0x40000; p += sizeof a)
		for (int k = 0; k < 2; k++) {
			uint64_t at = (k ? S2_POOL : S1_POOL) + p;
			ck_assert_int_eq(iref_mem_read(mems[0], at, a, sizeof a),
					 iref_mem_read(mems[1], at, b,
						       sizeof b));
			ck_assert_mem_eq(a, b, sizeof a);
		}
	for (int k = 0; k < 2; k++)
		iref_sparse_mem_destroy(sms[k]);
}
END_TEST

/* ---- Memory image loader ---- */

static enum iref_rc load(const char *text, struct iref_diag *d)
{
	return iref_mem_load_image_text(m, text, strlen(text), "img", d);
}

START_TEST(test_image_happy)
{
	struct iref_diag d = { 0 };
	const char *text =
		"# a memory image\n"
		"\n"
		"0x1000 0x1122334455667788\n"
		"   \t\n"
		"2000\tdeadbeef   # no prefix, tab separated\n"
		"\t 0X3000 0XABCDEFabcdef0123\t\n"
		"0x4003 1   # any alignment\n"
		"0000000000000000000000000005000 0x0000000000000000000000000000007\n"
		"FFFFFFFFFFFFFFF8 ffffffffffffffff\n"
		"0 0#comment right after the value\n"
		"#last line without a newline\n"
		"6000 42";
	ck_assert_int_eq(load(text, &d), IREF_OK);
	ck_assert_uint_eq(rd64(0x1000), 0x1122334455667788);
	ck_assert_uint_eq(rd64(0x2000), 0xdeadbeef);
	ck_assert_uint_eq(rd64(0x3000), 0xabcdefabcdef0123);
	ck_assert_uint_eq(rd64(0x4003), 1);
	ck_assert_uint_eq(rd64(0x5000), 7);
	ck_assert_uint_eq(rd64(UINT64_MAX - 7), UINT64_MAX);
	ck_assert_uint_eq(rd64(0x6000), 0x42);
	/* Little-endian: the low byte at the address itself. */
	uint8_t b;
	ck_assert_int_eq(iref_mem_read(m, 0x1000, &b, 1), IREF_OK);
	ck_assert_uint_eq(b, 0x88);
	ck_assert_int_eq(iref_mem_read(m, 0x4003, &b, 1), IREF_OK);
	ck_assert_uint_eq(b, 1);
}
END_TEST

START_TEST(test_image_empty)
{
	struct iref_diag d = { 0 };
	ck_assert_int_eq(iref_mem_load_image_text(m, "", 0, "img", &d),
			 IREF_OK);
	ck_assert_int_eq(load("# only\n\n  \n", &d), IREF_OK);
	ck_assert_uint_eq(iref_sparse_mem_pages(sm), 0);
}
END_TEST

START_TEST(test_image_crlf)
{
	struct iref_diag d = { 0 };
	ck_assert_int_eq(load("# c\r\n\r\n0x10 0x1\r\n20 2 # x\r\n30 3\r\n", &d),
			 IREF_OK);
	ck_assert_uint_eq(rd64(0x10), 1);
	ck_assert_uint_eq(rd64(0x20), 2);
	ck_assert_uint_eq(rd64(0x30), 3);
}
END_TEST

struct bad_image {
	const char *text;
	unsigned line;
	unsigned col;
	const char *msg;
};

static const struct bad_image bad_images[] = {
	{ "zz 1\n", 1, 1, "expected a hex ADDRESS" },
	{ "1x 2\n", 1, 1, "expected a hex ADDRESS" },
	{ "0x 1\n", 1, 1, "expected a hex ADDRESS" },
	{ "# c\n\n  0x10 1g\n", 3, 8, "expected a hex VALUE" },
	{ "8 0x\n", 1, 3, "expected a hex VALUE" },
	{ "8 -1\n", 1, 3, "expected a hex VALUE" },
	{ "8 1,\n", 1, 3, "expected a hex VALUE" },
	{ "1 2 3\n", 1, 5, "trailing text after VALUE" },
	{ "0x8 0x1\t  x # c\n", 1, 11, "trailing text after VALUE" },
	{ "1 2 # ok\n0x8\n", 2, 4, "unexpected end of line: VALUE missing" },
	{ "0x8   # no value\n", 1, 7, "unexpected end of line: VALUE missing" },
	{ "0x8", 1, 4, "unexpected end of line: VALUE missing" },
	{ "0x8 \r\n", 1, 5, "unexpected end of line: VALUE missing" },
	{ "10000000000000000 1\n", 1, 1, "ADDRESS does not fit in 64 bits" },
	{ "\t8 0x10000000000000000\n", 1, 4, "VALUE does not fit in 64 bits" },
	{ "8 1\r2\n", 1, 4, "carriage return not followed by a line feed" },
	{ "8 1\r", 1, 4, "carriage return not followed by a line feed" },
	{ "8\r 1\n", 1, 2, "carriage return not followed by a line feed" },
	{ "1 2\r\n3 4\r\n\r5 6\n", 3, 1,
	  "carriage return not followed by a line feed" },
};

START_TEST(test_image_errors)
{
	const struct bad_image *b = &bad_images[_i];
	struct iref_diag d = { 0 };
	ck_assert_int_eq(load(b->text, &d), IREF_E_PARSE);
	ck_assert_str_eq(d.file, "img");
	ck_assert_uint_eq(d.line, b->line);
	ck_assert_uint_eq(d.column, b->col);
	ck_assert_str_eq(d.msg, b->msg);
}
END_TEST

START_TEST(test_image_nul_byte)
{
	struct iref_diag d = { 0 };
	ck_assert_int_eq(iref_mem_load_image_text(m, "8 1\n9 \0", 7, NULL, &d),
			 IREF_E_PARSE);
	ck_assert_ptr_null(d.file);
	ck_assert_uint_eq(d.line, 2);
	ck_assert_uint_eq(d.column, 3);
	ck_assert_str_eq(d.msg, "expected a hex VALUE");
	/* len bounds the text, so what follows it is not read. */
	ck_assert_int_eq(iref_mem_load_image_text(m, "10 2 junk", 4, NULL, &d),
			 IREF_OK);
	ck_assert_uint_eq(rd64(0x10), 2);
}
END_TEST

START_TEST(test_image_partial_load)
{
	struct iref_diag d = { 0 };
	ck_assert_int_eq(load("0 1\n8 2\n10 3 junk\n18 4\n", &d), IREF_E_PARSE);
	ck_assert_uint_eq(d.line, 3);
	ck_assert_uint_eq(rd64(0), 1);
	ck_assert_uint_eq(rd64(8), 2);
	/* Neither the bad line nor those after it were written. */
	ck_assert_uint_eq(rd64(0x10), 0);
	ck_assert_uint_eq(rd64(0x18), 0);
}
END_TEST

START_TEST(test_image_bus_error)
{
	struct iref_sparse_mem_config cfg = { .limit = 0x1000 };
	make(&cfg);
	struct iref_diag d = { 0 };
	ck_assert_int_eq(load("0xff8 1\n\n  0xffc 2\n", &d), IREF_E_BUS);
	ck_assert_str_eq(d.file, "img");
	ck_assert_uint_eq(d.line, 3);
	ck_assert_uint_eq(d.column, 3);
	ck_assert_str_eq(d.msg, "write of 0x2 at 0xffc refused: bus error");
	ck_assert_uint_eq(rd64(0xff8), 1);
}
END_TEST

/* A temporary file holding text; the caller frees and unlinks the path. */
static char *temp_file(const char *text, size_t len)
{
	char *path = strdup("/tmp/iref-test-mem-XXXXXX");
	ck_assert_ptr_nonnull(path);
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *f = fdopen(fd, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void drop_file(char *path)
{
	unlink(path);
	free(path);
}

START_TEST(test_image_file)
{
	const char *text = "# file\r\n0x100 0xabc\r\n200 def\n";
	char *path = temp_file(text, strlen(text));
	struct iref_diag d = { 0 };
	ck_assert_int_eq(iref_mem_load_image(m, path, &d), IREF_OK);
	ck_assert_uint_eq(rd64(0x100), 0xabc);
	ck_assert_uint_eq(rd64(0x200), 0xdef);
	drop_file(path);
}
END_TEST

START_TEST(test_image_file_error)
{
	const char *text = "100 1\n\n200 2 3\n";
	char *path = temp_file(text, strlen(text));
	struct iref_diag d = { 0 };
	ck_assert_int_eq(iref_mem_load_image(m, path, &d), IREF_E_PARSE);
	ck_assert_str_eq(d.file, path);
	ck_assert_uint_eq(d.line, 3);
	ck_assert_uint_eq(d.column, 7);
	ck_assert_str_eq(d.msg, "trailing text after VALUE");
	ck_assert_uint_eq(rd64(0x100), 1);
	drop_file(path);
}
END_TEST

START_TEST(test_image_missing_file)
{
	const char *path = "/nonexistent/dir/image.txt";
	struct iref_diag d = { 0 };
	ck_assert_int_eq(iref_mem_load_image(m, path, &d), IREF_E_IO);
	ck_assert_str_eq(d.file, path);
	ck_assert_uint_eq(d.line, 0);
	ck_assert_ptr_nonnull(strstr(d.msg, path));
	ck_assert_ptr_nonnull(strstr(d.msg, "cannot open"));
}
END_TEST

START_TEST(test_image_unreadable)
{
	/* A directory opens but cannot be read. */
	struct iref_diag d = { 0 };
	ck_assert_int_eq(iref_mem_load_image(m, "/tmp", &d), IREF_E_IO);
	ck_assert_str_eq(d.file, "/tmp");
	ck_assert_ptr_nonnull(strstr(d.msg, "cannot read '/tmp'"));
}
END_TEST

/* A line of prefix, n copies of c, then suffix, as a temporary file. */
static char *long_line_file(const char *prefix, char c, size_t n,
			    const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(suffix);
	char *text = malloc(lp + n + ls);
	ck_assert_ptr_nonnull(text);
	memcpy(text, prefix, lp);
	memset(text + lp, c, n);
	memcpy(text + lp + n, suffix, ls);
	char *path = temp_file(text, lp + n + ls);
	free(text);
	return path;
}

START_TEST(test_image_long_lines)
{
	struct iref_diag d = { 0 };
	/* A megabyte of comment and of leading zeros are not truncated. */
	char *path = long_line_file("#", 'c', 1 << 20, "\n8 9\n");
	ck_assert_int_eq(iref_mem_load_image(m, path, &d), IREF_OK);
	ck_assert_uint_eq(rd64(8), 9);
	drop_file(path);

	path = long_line_file("", '0', 1 << 20, "10 11\n");
	ck_assert_int_eq(iref_mem_load_image(m, path, &d), IREF_OK);
	ck_assert_uint_eq(rd64(0x10), 0x11);
	drop_file(path);

	path = long_line_file("\n18 ", 'f', 100000, "\n");
	ck_assert_int_eq(iref_mem_load_image(m, path, &d), IREF_E_PARSE);
	ck_assert_uint_eq(d.line, 2);
	ck_assert_uint_eq(d.column, 4);
	ck_assert_str_eq(d.msg, "VALUE does not fit in 64 bits");
	drop_file(path);

	/* An error far into a long line has its exact column. */
	path = long_line_file("20 21", ' ', 100000, "x\n");
	ck_assert_int_eq(iref_mem_load_image(m, path, &d), IREF_E_PARSE);
	ck_assert_uint_eq(d.line, 1);
	ck_assert_uint_eq(d.column, 100006);
	ck_assert_str_eq(d.msg, "trailing text after VALUE");
	ck_assert_uint_eq(rd64(0x20), 0);
	drop_file(path);
}
END_TEST

static Suite *mem_suite(void)
{
	Suite *s = suite_create("mem");

	TCase *tc = tcase_create("sparse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unwritten_reads_zero);
	tcase_add_test(tc, test_cross_page);
	tcase_add_test(tc, test_long_access);
	tcase_add_test(tc, test_partial_page_reads_zero);
	tcase_add_test(tc, test_le_helpers);
	tcase_add_test(tc, test_wrap);
	tcase_add_test(tc, test_refused_write_writes_nothing);
	tcase_add_test(tc, test_many_pages);
	suite_add_tcase(s, tc);

	/* Tests that need their own configuration replace the fixture's
	 * memory; teardown frees whichever is current. */
	tc = tcase_create("config");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_read64_error_keeps_val);
	tcase_add_test(tc, test_unwritten_is_bus_error);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_zero_length);
	tcase_add_test(tc, test_image_bus_error);
	tcase_add_test(tc, test_page_limit);
	tcase_add_test(tc, test_page_unwritten_is_bus_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fault_write);
	tcase_add_test(tc, test_fault_read);
	tcase_add_test(tc, test_fault_both_and_many);
	tcase_add_test(tc, test_fault_whole_space);
	tcase_add_test(tc, test_fault_invalid);
	suite_add_tcase(s, tc);

	tc = tcase_create("page");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_page_backed);
	tcase_add_test(tc, test_page_fault_ranges);
	tcase_add_loop_test(tc, test_page_walks_same, 0,
			    sizeof same_cases / sizeof same_cases[0]);
	suite_add_tcase(s, tc);

	tc = tcase_create("image");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_image_happy);
	tcase_add_test(tc, test_image_empty);
	tcase_add_test(tc, test_image_crlf);
	tcase_add_loop_test(tc, test_image_errors, 0,
			    sizeof bad_images / sizeof bad_images[0]);
	tcase_add_test(tc, test_image_nul_byte);
	tcase_add_test(tc, test_image_partial_load);
	tcase_add_test(tc, test_image_file);
	tcase_add_test(tc, test_image_file_error);
	tcase_add_test(tc, test_image_missing_file);
	tcase_add_test(tc, test_image_unreadable);
	tcase_add_test(tc, test_image_long_lines);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return iref_test_run(mem_suite());
}
