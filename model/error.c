#include "iommu-ref/error.h"

#include <stdarg.h>
#include <stdio.h>

const char *iref_rc_str(enum iref_rc rc)
{
	switch (rc) {
	case IREF_OK: return "ok";
	case IREF_E_NOMEM: return "out of memory or capacity";
	case IREF_E_INVAL: return "invalid argument";
	case IREF_E_RANGE: return "out of range";
	case IREF_E_EXIST: return "already exists";
	case IREF_E_NOENT: return "not found";
	case IREF_E_BUS: return "bus error";
	case IREF_E_IO: return "i/o error";
	case IREF_E_PARSE: return "parse error";
	}
	return "unknown error";
}

void iref_diag_set(struct iref_diag *diag, const char *file, unsigned line,
		   unsigned column, const char *fmt, ...)
{
	if (!diag)
		return;
	diag->file = file;
	diag->line = line;
	diag->column = column;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
	va_end(ap);
}
