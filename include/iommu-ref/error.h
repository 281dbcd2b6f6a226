/* Return codes of library calls and the diagnostic record of parsers. */
#ifndef IREF_ERROR_H
#define IREF_ERROR_H

#include <stddef.h>

/* Library status: every fallible call returns one of these. These are not
 * virtio status codes (see wire.h for those). */
enum iref_rc {
	IREF_OK = 0,
	IREF_E_NOMEM,   /* allocation failed or a configured capacity is full */
	IREF_E_INVAL,   /* an argument or input is malformed */
	IREF_E_RANGE,   /* a value is outside what is allowed */
	IREF_E_EXIST,   /* the object (or an overlapping one) already exists */
	IREF_E_NOENT,   /* the object does not exist */
	IREF_E_BUS,     /* a memory access was refused (bus error) */
	IREF_E_IO,      /* a file could not be opened or read */
	IREF_E_PARSE,   /* a text input has a syntax error (see iref_diag) */
};

const char *iref_rc_str(enum iref_rc rc);

/* Where and why a textual input was refused. line/column are 1-based; 0
 * means unknown. file may be NULL for inputs that are not files. */
struct iref_diag {
	const char *file;
	unsigned line;
	unsigned column;
	char msg[256];
};

/* Fill a diagnostic (printf-style message). Safe with diag == NULL. */
void iref_diag_set(struct iref_diag *diag, const char *file, unsigned line,
		   unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
