/* What the shared walk core owes every format in a nested walk: stage-1
 * tables live at guest-physical addresses that stage 2 moves elsewhere, so
 * a bus error on a stage-1 entry names the entry's physical address where
 * the architecture reports one (Arm FetchAddr, AMD PAGE_TAB_HARDWARE_ERROR),
 * a G-stage access fault has no iotval2 (RISC-V), and a fault of an
 * implicit stage-2 walk carries the transaction's privilege (Arm PnU). */
#include <check.h>
#include <string.h>

#include "iommu-ref/walk.h"
#include "testutil.h"

#define S1_POOL UINT64_C(0x10000000)  /* stage-1 tables, guest-physical */
#define S2_POOL UINT64_C(0x20000000)  /* stage-2 tables, host-physical */
#define POOL UINT64_C(0x100000)
#define DATA UINT64_C(0x80000000)     /* stage-1 output */
#define TABLE_OFF UINT64_C(0x100000000) /* stage 2 moves the tables here */
#define DATA_OFF UINT64_C(0x200000000)
#define VA UINT64_C(0x40000000)

/* The guest's view for the builder: stage-1 tables are written where stage
 * 2 puts them. */
struct view {
	struct iref_mem host;
};

static enum iref_rc view_read(void *ctx, uint64_t a, void *b, size_t n)
{
	return iref_mem_read(((struct view *)ctx)->host, a + TABLE_OFF, b, n);
}

static enum iref_rc view_write(void *ctx, uint64_t a, const void *b,
			       size_t n)
{
	return iref_mem_write(((struct view *)ctx)->host, a + TABLE_OFF, b, n);
}

static const struct iref_mem_ops view_ops = {view_read, view_write};

struct rig {
	struct iref_sparse_mem *sm;
	struct iref_mem mem;
	struct iref_walk_cfg s1, s2;
	struct iref_walk_result res;
};

static void cfg_init(struct iref_walk_cfg *c, const char *name)
{
	struct iref_diag d = {0};
	ck_assert_msg(iref_walk_cfg_init(c, name, &d) == IREF_OK, "%s", d.msg);
}

/* Stage 2 maps the table pool (perm s2_pool_perm) and the data; stage 1
 * maps VA -> DATA with 4 KiB pages. */
static void rig_init(struct rig *r, const char *s1, const char *s2,
		     unsigned s2_pool_perm)
{
	memset(r, 0, sizeof *r);
	r->sm = iref_sparse_mem_create(NULL);
	r->mem = iref_sparse_mem_as_mem(r->sm);
	cfg_init(&r->s1, s1);
	cfg_init(&r->s2, s2);
	unsigned rw = IREF_PERM_R | IREF_PERM_W;
	unsigned fl = IREF_BUILD_USER | IREF_BUILD_NO_BLOCKS;
	struct iref_build_map m2[] = {
		{S1_POOL, S1_POOL + TABLE_OFF, POOL, s2_pool_perm, fl, 0},
		{DATA, DATA + DATA_OFF, 0x1000, rw, fl, 0},
	};
	struct iref_build_map m1 = {VA, DATA, 0x1000, rw, fl, 0};
	struct iref_pool p2 = {S2_POOL, S2_POOL + POOL};
	struct iref_pool p1 = {S1_POOL, S1_POOL + POOL};
	struct view v = {r->mem};
	struct iref_mem guest = {&view_ops, &v};
	struct iref_diag d = {0};
	ck_assert_msg(iref_build(&r->s2, r->mem, &p2, m2, 2, &d) == IREF_OK,
		      "%s", d.msg);
	ck_assert_msg(iref_build(&r->s1, guest, &p1, &m1, 1, &d) == IREF_OK,
		      "%s", d.msg);
}

static const struct iref_walk_result *walk(struct rig *r, bool priv)
{
	struct iref_walk_req q = {.addr = VA, .access = IREF_ACC_READ,
				  .priv = priv};
	ck_assert_int_eq(iref_walk_nested(&r->s1, &r->s2, r->mem, &q, &r->res),
			 IREF_OK);
	return &r->res;
}

/* The physical address of the last entry read of stage `stage`. */
static uint64_t last_read(const struct iref_walk_result *res, unsigned stage)
{
	for (unsigned i = res->n_acc; i-- > 0;)
		if (res->acc[i].stage == stage &&
		    res->acc[i].kind == IREF_WALK_RD)
			return res->acc[i].addr;
	ck_abort_msg("no stage-%u read", stage);
	return 0;
}

/* A bus error on the stage-1 leaf entry, which lives at a host address
 * TABLE_OFF above its guest address. Returns that host address. */
static uint64_t fail_s1_leaf(struct rig *r)
{
	const struct iref_walk_result *res = walk(r, false);
	ck_assert(res->ok);
	ck_assert_uint_eq(res->pa, DATA + DATA_OFF);
	uint64_t pa = last_read(res, 1);
	ck_assert_uint_ge(pa, TABLE_OFF);
	ck_assert_int_eq(iref_sparse_mem_add_fault(r->sm, pa, pa + 7,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	res = walk(r, false);
	ck_assert(!res->ok);
	ck_assert_int_eq(res->fault.reason, IREF_WF_BUS_ERROR);
	ck_assert_uint_eq(res->fault.stage, 1);
	ck_assert(!res->fault.on_walk);
	return pa;
}

START_TEST(test_arm_fetch_addr_is_physical)
{
	struct rig r;
	rig_init(&r, "arm-s1", "arm-s2", IREF_PERM_R | IREF_PERM_W);
	uint64_t pa = fail_s1_leaf(&r);
	ck_assert_uint_eq(r.res.fault.code, IREF_ARM_F_WALK_EABT);
	ck_assert_uint_eq(r.res.fault.addr2, pa);
	iref_sparse_mem_destroy(r.sm);
}
END_TEST

START_TEST(test_amd_hw_error_address_is_physical)
{
	struct rig r;
	rig_init(&r, "amd-v2", "amd-v1", IREF_PERM_R | IREF_PERM_W);
	uint64_t pa = fail_s1_leaf(&r);
	ck_assert_uint_eq(r.res.fault.code, IREF_AMD_EV_PAGE_TAB_HW_ERROR);
	ck_assert_uint_eq(r.res.fault.addr2, pa);
	iref_sparse_mem_destroy(r.sm);
}
END_TEST

/* The formats without a fault address field leave addr2 clear for a
 * stage-1 bus error. */
START_TEST(test_stage1_bus_error_no_addr2)
{
	static const char *const pairs[][2] = {
		{"riscv-sv39", "riscv-sv39x4"},
		{"intel-fs", "intel-ss"},
	};
	for (size_t i = 0; i < 2; i++) {
		struct rig r;
		rig_init(&r, pairs[i][0], pairs[i][1],
			 IREF_PERM_R | IREF_PERM_W);
		fail_s1_leaf(&r);
		ck_assert_uint_eq(r.res.fault.addr2, 0);
		iref_sparse_mem_destroy(r.sm);
	}
}
END_TEST

/* RISC-V: a G-stage access fault (cause 5 for a read) has iotval2 = 0,
 * unlike a guest page fault, whose iotval2 is the GPA. */
START_TEST(test_riscv_gstage_access_fault_no_iotval2)
{
	struct rig r;
	rig_init(&r, "riscv-sv39", "riscv-sv39x4", IREF_PERM_R | IREF_PERM_W);
	const struct iref_walk_result *res = walk(&r, false);
	ck_assert(res->ok);
	uint64_t pa = last_read(res, 2); /* leaf of the data's translation */
	ck_assert_int_eq(iref_sparse_mem_add_fault(r.sm, pa, pa + 7,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	res = walk(&r, false);
	ck_assert(!res->ok);
	ck_assert_uint_eq(res->fault.stage, 2);
	ck_assert_uint_eq(res->fault.code, IREF_RISCV_CAUSE_READ_ACCESS);
	ck_assert_uint_eq(res->fault.addr2, 0);
	iref_sparse_mem_destroy(r.sm);
}
END_TEST

/* Arm: a stage-2 permission fault while fetching a stage-1 descriptor
 * reports the transaction's PnU, CLASS = TT. */
START_TEST(test_arm_implicit_fault_keeps_pnu)
{
	for (int priv = 0; priv < 2; priv++) {
		struct rig r;
		rig_init(&r, "arm-s1", "arm-s2", IREF_PERM_W);
		const struct iref_walk_result *res = walk(&r, priv);
		ck_assert(!res->ok);
		ck_assert_uint_eq(res->fault.stage, 2);
		ck_assert(res->fault.on_walk);
		ck_assert_uint_eq(res->fault.code, IREF_ARM_F_PERMISSION);
		ck_assert_uint_eq(!!(res->fault.flags & IREF_ARM_FLAG_PNU),
				  priv);
		ck_assert_uint_eq(res->fault.addr, VA);
		ck_assert_uint_eq(res->fault.addr2 >> 12, S1_POOL >> 12);
		iref_sparse_mem_destroy(r.sm);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("walk_nested");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_arm_fetch_addr_is_physical);
	tcase_add_test(tc, test_amd_hw_error_address_is_physical);
	tcase_add_test(tc, test_stage1_bus_error_no_addr2);
	tcase_add_test(tc, test_riscv_gstage_access_fault_no_iotval2);
	tcase_add_test(tc, test_arm_implicit_fault_keeps_pnu);
	suite_add_tcase(s, tc);
	return iref_test_run(s);
}
