/* Wire layouts of the page-table extension (virtio-iommu.md section 6).
 * The per-format descriptor layouts below are the only place that knows
 * them; the Intel, RISC-V and AMD ones are provisional [MODEL]. */
#include "iommu-ref/ext_wire.h"

#include <string.h>

/* Offsets inside the 124-byte ATTACH_TABLE request (6.3). */
#define AT_DOMAIN 4
#define AT_ENDPOINT 8
#define AT_FORMAT 12
#define AT_DESC_END 120 /* the tail starts here */

static const char *const format_names[] = {
	[IREF_TF_ARM_SMMU3] = "arm_smmu3", [IREF_TF_INTEL_PT] = "intel_pt",
	[IREF_TF_RISCV] = "riscv",         [IREF_TF_AMD_GCR3] = "amd_gcr3",
	[IREF_TF_AMD_PT] = "amd_pt",
};
#define N_FORMATS (sizeof format_names / sizeof format_names[0])

const char *iref_table_format_name(unsigned format)
{
	return format < N_FORMATS ? format_names[format] : NULL;
}

int iref_table_format_parse(const char *name)
{
	for (unsigned i = 0; i < N_FORMATS; i++)
		if (format_names[i] && strcmp(name, format_names[i]) == 0)
			return (int)i;
	return -1;
}

bool iref_table_format_per_pasid(unsigned format)
{
	return format == IREF_TF_INTEL_PT || format == IREF_TF_AMD_PT;
}

/* One descriptor field: where it sits and how wide it is (4 or 8 bytes, 1
 * for a byte). Everything between the format byte and the tail that no
 * field covers is reserved. */
struct field {
	uint8_t off, size;
};

/* Field tables in the order of the struct members they fill. */
static const struct field arm_fields[] = {{16, 8}, {24, 8}};
static const struct field intel_fields[] = {
	{16, 4}, {20, 4}, {24, 8}, {32, 8}, {40, 4}};
static const struct field riscv_fields[] = {{16, 8}, {24, 8}, {32, 8}};
static const struct field amd_gcr3_fields[] = {
	{16, 8}, {24, 8}, {32, 8}, {40, 8}};
static const struct field amd_pt_fields[] = {{16, 4}, {20, 4}, {24, 8},
					     {32, 1}};

struct layout {
	const struct field *f;
	size_t n;
};

static struct layout layout_of(unsigned format)
{
#define L(t) ((struct layout){t, sizeof t / sizeof t[0]})
	switch (format) {
	case IREF_TF_ARM_SMMU3: return L(arm_fields);
	case IREF_TF_INTEL_PT: return L(intel_fields);
	case IREF_TF_RISCV: return L(riscv_fields);
	case IREF_TF_AMD_GCR3: return L(amd_gcr3_fields);
	case IREF_TF_AMD_PT: return L(amd_pt_fields);
	}
#undef L
	return (struct layout){NULL, 0};
}

/* The descriptor's values as a flat list, in field order. */
static void desc_values(const struct iref_attach_table *at, uint64_t *v)
{
	switch (at->format) {
	case IREF_TF_ARM_SMMU3:
		v[0] = at->u.arm.ste0, v[1] = at->u.arm.ste1;
		break;
	case IREF_TF_INTEL_PT:
		v[0] = at->u.intel.pasid, v[1] = at->u.intel.attach_flags;
		v[2] = at->u.intel.s1_flags, v[3] = at->u.intel.pgtbl_addr;
		v[4] = at->u.intel.addr_width;
		break;
	case IREF_TF_RISCV:
		v[0] = at->u.riscv.dc_tc, v[1] = at->u.riscv.dc_fsc;
		v[2] = at->u.riscv.dc_ta;
		break;
	case IREF_TF_AMD_GCR3:
		memcpy(v, at->u.amd_gcr3.dte, sizeof at->u.amd_gcr3.dte);
		break;
	case IREF_TF_AMD_PT:
		v[0] = at->u.amd_pt.pasid, v[1] = at->u.amd_pt.attach_flags;
		v[2] = at->u.amd_pt.gcr3, v[3] = at->u.amd_pt.levels;
		break;
	}
}

static void set_values(struct iref_attach_table *at, const uint64_t *v)
{
	switch (at->format) {
	case IREF_TF_ARM_SMMU3:
		at->u.arm = (struct iref_desc_arm){v[0], v[1]};
		break;
	case IREF_TF_INTEL_PT:
		at->u.intel = (struct iref_desc_intel){
			(uint32_t)v[0], (uint32_t)v[1], v[2], v[3],
			(uint32_t)v[4]};
		break;
	case IREF_TF_RISCV:
		at->u.riscv = (struct iref_desc_riscv){v[0], v[1], v[2]};
		break;
	case IREF_TF_AMD_GCR3:
		memcpy(at->u.amd_gcr3.dte, v, sizeof at->u.amd_gcr3.dte);
		break;
	case IREF_TF_AMD_PT:
		at->u.amd_pt = (struct iref_desc_amd_pt){
			(uint32_t)v[0], (uint32_t)v[1], v[2], (uint8_t)v[3]};
		break;
	}
}

static uint64_t get_field(const uint8_t *rd, struct field f)
{
	switch (f.size) {
	case 1: return rd[f.off];
	case 4: return iref_le32(rd + f.off);
	}
	return iref_le64(rd + f.off);
}

static void put_field(uint8_t *buf, struct field f, uint64_t v)
{
	switch (f.size) {
	case 1: buf[f.off] = (uint8_t)v; break;
	case 4: iref_put_le32(buf + f.off, (uint32_t)v); break;
	default: iref_put_le64(buf + f.off, v); break;
	}
}

#define MAX_FIELDS 5

enum iref_status iref_dec_attach_table(const uint8_t *rd,
				       struct iref_attach_table *out)
{
	memset(out, 0, sizeof *out);
	out->domain = iref_le32(rd + AT_DOMAIN);
	out->endpoint = iref_le32(rd + AT_ENDPOINT);
	out->format = rd[AT_FORMAT];
	struct layout l = layout_of(out->format);
	if (!l.f)
		return IREF_S_UNSUPP;
	/* Every descriptor byte outside the fields is reserved (rule 5). */
	bool used[AT_DESC_END] = {false};
	uint64_t v[MAX_FIELDS];
	for (size_t i = 0; i < l.n; i++) {
		memset(used + l.f[i].off, 1, l.f[i].size);
		v[i] = get_field(rd, l.f[i]);
	}
	for (unsigned b = AT_FORMAT + 1; b < AT_DESC_END; b++)
		if (!used[b] && rd[b])
			return IREF_S_INVAL;
	set_values(out, v);
	return IREF_S_OK;
}

size_t iref_enc_attach_table(uint8_t *buf, const struct iref_attach_table *at)
{
	memset(buf, 0, IREF_ATTACH_TABLE_RSIZE);
	buf[0] = IREF_T_ATTACH_TABLE;
	iref_put_le32(buf + AT_DOMAIN, at->domain);
	iref_put_le32(buf + AT_ENDPOINT, at->endpoint);
	buf[AT_FORMAT] = at->format;
	struct layout l = layout_of(at->format);
	uint64_t v[MAX_FIELDS];
	desc_values(at, v);
	for (size_t i = 0; i < l.n; i++)
		put_field(buf, l.f[i], v[i]);
	return IREF_ATTACH_TABLE_RSIZE;
}

bool iref_attach_table_pasid(const struct iref_attach_table *at,
			     uint32_t *pasid)
{
	if (at->format == IREF_TF_INTEL_PT &&
	    (at->u.intel.attach_flags & IREF_ATTACH_TABLE_F_PASID)) {
		*pasid = at->u.intel.pasid;
		return true;
	}
	if (at->format == IREF_TF_AMD_PT &&
	    (at->u.amd_pt.attach_flags & IREF_ATTACH_TABLE_F_PASID)) {
		*pasid = at->u.amd_pt.pasid;
		return true;
	}
	return false;
}

size_t iref_enc_detach_pasid(uint8_t *buf, uint32_t domain,
			     uint32_t endpoint, uint32_t flags, uint32_t pasid)
{
	size_t n = iref_enc_detach(buf, domain, endpoint);
	iref_put_le32(buf + 12, flags);
	iref_put_le32(buf + 16, pasid);
	return n;
}

void iref_dec_invalidate(const uint8_t *rd, struct iref_invalidate *out)
{
	*out = (struct iref_invalidate){
		.scope = rd[4],
		.caches = rd[5],
		.flags = iref_le16(rd + 6),
		.domain = iref_le32(rd + 8),
		.pasid = iref_le32(rd + 12),
		.id = iref_le64(rd + 16),
		.address = iref_le64(rd + 24),
		.nr_pages = iref_le64(rd + 32),
		.page_size = rd[40],
	};
}

size_t iref_enc_invalidate(uint8_t *buf, const struct iref_invalidate *inv)
{
	memset(buf, 0, IREF_INVALIDATE_RSIZE);
	buf[0] = IREF_T_INVALIDATE;
	buf[4] = inv->scope;
	buf[5] = inv->caches;
	iref_put_le16(buf + 6, inv->flags);
	iref_put_le32(buf + 8, inv->domain);
	iref_put_le32(buf + 12, inv->pasid);
	iref_put_le64(buf + 16, inv->id);
	iref_put_le64(buf + 24, inv->address);
	iref_put_le64(buf + 32, inv->nr_pages);
	buf[40] = inv->page_size;
	return IREF_INVALIDATE_RSIZE;
}

/* Register slots of the Arm property: idr0, idr1, (IDR2), idr3, (IDR4),
 * idr5 from offset 8; the others hold two registers from offset 8. */
static const uint8_t arm_slots[4] = {8, 16, 32, 48};
static const uint8_t two_slots[2] = {8, 16};

size_t iref_hw_prop_size(unsigned type)
{
	switch (type) {
	case IREF_PROBE_T_HW_ARM_SMMU3: return IREF_HW_ARM_PROP_SIZE;
	case IREF_PROBE_T_HW_INTEL:
	case IREF_PROBE_T_HW_RISCV:
	case IREF_PROBE_T_HW_AMD: return IREF_HW_PROP_SIZE;
	}
	return 0;
}

static const uint8_t *slots_of(unsigned type, size_t *n)
{
	if (type == IREF_PROBE_T_HW_ARM_SMMU3) {
		*n = sizeof arm_slots;
		return arm_slots;
	}
	*n = sizeof two_slots;
	return two_slots;
}

size_t iref_enc_hw_prop(uint8_t *buf, const struct iref_hw_regs *r)
{
	size_t size = iref_hw_prop_size(r->type), n;
	if (!size)
		return 0;
	memset(buf, 0, size);
	iref_put_le16(buf, r->type);
	iref_put_le16(buf + 2, (uint16_t)(size - 4));
	const uint8_t *slot = slots_of(r->type, &n);
	for (size_t i = 0; i < n; i++)
		iref_put_le64(buf + slot[i], r->reg[i]);
	return size;
}

bool iref_dec_hw_prop(const struct iref_probe_prop *p,
		      struct iref_hw_regs *out)
{
	size_t size = iref_hw_prop_size(p->type), n;
	if (!size || p->length != size - 4)
		return false;
	memset(out, 0, sizeof *out);
	out->type = p->type;
	/* p->value points just past the 4-byte header. */
	const uint8_t *slot = slots_of(p->type, &n);
	for (size_t i = 0; i < n; i++)
		out->reg[i] = iref_le64(p->value + slot[i] - 4);
	return true;
}
