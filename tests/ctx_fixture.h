/* The capability fixture of the context tests (tests/test_ctx_*.c): one
 * struct iref_hw_caps per test, set by name with assertions, and the
 * descriptor check against it. Include after defining CTX_ARCH. */
#ifndef IREF_CTX_FIXTURE_H
#define IREF_CTX_FIXTURE_H

#include <check.h>

#include "iommu-ref/context.h"

static struct iref_hw_caps caps;

static inline void caps_setup(void)
{
	iref_hw_caps_default(&caps, CTX_ARCH);
}

/* Set a capability that must be accepted. */
static inline void set(const char *key, const char *value)
{
	struct iref_diag d = {0};
	ck_assert_msg(iref_hw_caps_set(&caps, key, value, &d) == IREF_OK,
		      "%s=%s: %s", key, value, d.msg);
}

/* Try one; a refusal must say why. */
static inline enum iref_rc try_set(const char *key, const char *value)
{
	struct iref_diag d = {0};
	enum iref_rc rc = iref_hw_caps_set(&caps, key, value, &d);
	if (rc != IREF_OK)
		ck_assert_msg(d.msg[0], "%s=%s: no diagnostic", key, value);
	return rc;
}

static inline enum iref_status chk(const struct iref_attach_table *at,
				   unsigned guest_pa_bits)
{
	return iref_ctx_check(&caps, at, guest_pa_bits);
}

#endif
