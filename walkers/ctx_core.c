/* The context core: architecture registry and names, capability options,
 * and reads of guest context structures through the host's stage 2. The
 * architecture bits live in ctx_<arch>.c behind struct ctx_arch. */
#include "ctx_core.h"

#include <string.h>


static const struct ctx_arch *const arches[] = {
	[IREF_ARCH_ARM] = &ctx_arch_arm,
	[IREF_ARCH_INTEL] = &ctx_arch_intel,
	[IREF_ARCH_RISCV] = &ctx_arch_riscv,
	[IREF_ARCH_AMD] = &ctx_arch_amd,
};
#define N_ARCHES (sizeof arches / sizeof arches[0])

static const char *const arch_names[N_ARCHES] = {
	"none", "arm", "intel", "riscv", "amd",
};

static const struct ctx_arch *arch_of(const struct iref_hw_caps *caps)
{
	return caps->arch > IREF_ARCH_NONE && caps->arch < N_ARCHES
		       ? arches[caps->arch]
		       : NULL;
}

const char *iref_arch_name(enum iref_arch arch)
{
	return (unsigned)arch < N_ARCHES ? arch_names[arch] : NULL;
}

int iref_arch_parse(const char *name)
{
	for (unsigned i = 0; i < N_ARCHES; i++)
		if (strcmp(name, arch_names[i]) == 0)
			return (int)i;
	return -1;
}

void iref_hw_caps_default(struct iref_hw_caps *caps, enum iref_arch arch)
{
	memset(caps, 0, sizeof *caps);
	if (arch > IREF_ARCH_NONE && (unsigned)arch < N_ARCHES)
		arches[arch]->caps_default(caps);
}

enum iref_rc iref_hw_caps_set(struct iref_hw_caps *caps, const char *key,
			      const char *value, struct iref_diag *diag)
{
	const struct ctx_arch *a = arch_of(caps);
	if (!a) {
		iref_diag_set(diag, NULL, 0, 0, "no architecture chosen");
		return IREF_E_INVAL;
	}
	enum iref_rc rc = a->caps_set(caps, key, value, diag);
	if (rc != IREF_E_NOENT)
		return rc;
	return iref_walk_cfg_set(&caps->s1, key, value, diag);
}

void iref_hw_caps_regs(const struct iref_hw_caps *caps,
		       struct iref_hw_regs *out)
{
	const struct ctx_arch *a = arch_of(caps);
	memset(out, 0, sizeof *out);
	if (a)
		a->regs(caps, out);
}

bool iref_hw_caps_accepts(const struct iref_hw_caps *caps, unsigned format)
{
	const struct ctx_arch *a = arch_of(caps);
	return a && a->accepts(format);
}

bool iref_hw_caps_page_size_ok(const struct iref_hw_caps *caps,
			       unsigned log2)
{
	const struct ctx_arch *a = arch_of(caps);
	return a && log2 < 64 && a->page_size_ok(caps, log2);
}

enum iref_status iref_ctx_check(const struct iref_hw_caps *caps,
				const struct iref_attach_table *at,
				unsigned guest_pa_bits)
{
	if (!iref_hw_caps_accepts(caps, at->format))
		return IREF_S_UNSUPP;
	if (guest_pa_bits == 0 || guest_pa_bits > 64)
		guest_pa_bits = 64;
	return arch_of(caps)->check(caps, at, guest_pa_bits);
}

enum iref_rc iref_ctx_resolve(const struct iref_ctx_env *env,
			      const struct iref_attach_table *at,
			      const struct iref_ctx_req *req,
			      struct iref_ctx *out)
{
	if (!env->caps || !iref_hw_caps_accepts(env->caps, at->format))
		return IREF_E_INVAL;
	memset(out, 0, sizeof *out);
	out->kind = IREF_CTX_WALK;
	arch_of(env->caps)->resolve(env, at, req, out);
	return IREF_OK;
}

void ctx_fault(struct iref_ctx *out, uint8_t reason, enum iref_wfault wf,
	       uint32_t code)
{
	out->kind = IREF_CTX_FAULT;
	out->reason = reason;
	out->fault = (struct iref_walk_fault){
		.reason = wf,
		.code = code,
		.level = -1,
		.stage = 1,
	};
}

bool ctx_read(const struct iref_ctx_env *env, uint64_t gpa, void *buf,
	      size_t len, struct iref_ctx *out)
{
	uint64_t pa = gpa;
	if (env->s2 && env->s2->fmt != IREF_FMT_NONE) {
		struct iref_walk_req wr = {.addr = gpa,
					   .access = IREF_ACC_READ};
		struct iref_walk_result r;
		if (iref_walk(env->s2, env->mem, &wr, &r) != IREF_OK) {
			ctx_fault(out, IREF_R_UNKNOWN, IREF_WF_CONFIG, 0);
			out->fault.stage = 2;
			return false;
		}
		out->n_reads += r.n_acc;
		if (!r.ok) {
			out->kind = IREF_CTX_FAULT;
			out->reason = IREF_R_UNKNOWN;
			out->fault = r.fault;
			out->fault.stage = 2;
			out->fault.on_walk = true;
			return false;
		}
		pa = r.pa;
	}
	out->n_reads++;
	if (iref_mem_read(env->mem, pa, buf, len) != IREF_OK) {
		ctx_fault(out, IREF_R_UNKNOWN, IREF_WF_BUS_ERROR, 0);
		out->fault.addr2 = pa;
		return false;
	}
	return true;
}

bool ctx_read64(const struct iref_ctx_env *env, uint64_t gpa, uint64_t *val,
		struct iref_ctx *out)
{
	uint8_t b[8];
	if (!ctx_read(env, gpa, b, sizeof b, out))
		return false;
	*val = iref_le64(b);
	return true;
}
