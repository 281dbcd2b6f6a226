#include "iommu-ref/mem.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu-ref/hex.h"

enum iref_rc iref_mem_read64(struct iref_mem m, uint64_t addr, uint64_t *val)
{
	uint8_t b[8];
	enum iref_rc rc = iref_mem_read(m, addr, b, sizeof b);
	if (rc != IREF_OK)
		return rc;
	uint64_t v = 0;
	for (size_t i = sizeof b; i-- > 0;)
		v = v << 8 | b[i];
	*val = v;
	return IREF_OK;
}

enum iref_rc iref_mem_write64(struct iref_mem m, uint64_t addr, uint64_t val)
{
	uint8_t b[8];
	for (size_t i = 0; i < sizeof b; i++)
		b[i] = (uint8_t)(val >> (8 * i));
	return iref_mem_write(m, addr, b, sizeof b);
}

/* ---- Sparse memory ---- */

#define PAGE_SHIFT 12
#define PAGE_SIZE ((size_t)1 << PAGE_SHIFT)
#define PAGE_MASK ((uint64_t)PAGE_SIZE - 1)
/* With unwritten_is_bus_error each page is followed by a bitmap of the bytes
 * written, since reads are refused per byte, not per page. */
#define BITMAP_SIZE (PAGE_SIZE / 8)

/* A slot of the open-addressing page table; page == NULL marks it free.
 * Pages are never removed, so no tombstones are needed. */
struct slot {
	uint64_t pfn;
	uint8_t *page;
};

struct fault {
	uint64_t start;
	uint64_t end;
	unsigned kinds;
};

struct iref_sparse_mem {
	struct iref_sparse_mem_config cfg;
	struct slot *slots;
	unsigned bits;     /* 2^bits slots; no table while bits == 0 */
	size_t npages;
	struct fault *faults;
	size_t nfaults;
	size_t faults_cap;
};

/* Fibonacci hashing: the top bits of the product mix every pfn bit, so
 * runs of consecutive pages spread over the table. */
static size_t slot_index(const struct iref_sparse_mem *sm, uint64_t pfn)
{
	return (size_t)((pfn * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - sm->bits));
}

/* The slot holding pfn, or the free slot where it belongs. The table is
 * never more than half full, so the probe ends. */
static struct slot *find_slot(const struct iref_sparse_mem *sm, uint64_t pfn)
{
	size_t mask = ((size_t)1 << sm->bits) - 1;
	size_t i = slot_index(sm, pfn);
	while (sm->slots[i].page && sm->slots[i].pfn != pfn)
		i = (i + 1) & mask;
	return &sm->slots[i];
}

static uint8_t *lookup(const struct iref_sparse_mem *sm, uint64_t pfn)
{
	return sm->bits ? find_slot(sm, pfn)->page : NULL;
}

static bool grow(struct iref_sparse_mem *sm)
{
	size_t old_n = sm->bits ? (size_t)1 << sm->bits : 0;
	unsigned bits = sm->bits ? sm->bits + 1 : 4;
	struct slot *slots = calloc((size_t)1 << bits, sizeof *slots);
	if (!slots)
		return false;
	struct slot *old = sm->slots;
	sm->slots = slots;
	sm->bits = bits;
	for (size_t i = 0; i < old_n; i++)
		if (old[i].page)
			*find_slot(sm, old[i].pfn) = old[i];
	free(old);
	return true;
}

/* The page of pfn, allocated (zeroed, nothing marked written) if absent;
 * NULL on allocation failure. */
static uint8_t *get_page(struct iref_sparse_mem *sm, uint64_t pfn)
{
	uint8_t *page = lookup(sm, pfn);
	if (page)
		return page;
	if ((sm->npages + 1) * 2 > ((size_t)1 << sm->bits) && !grow(sm))
		return NULL;
	page = calloc(1, PAGE_SIZE +
			 (sm->cfg.unwritten_is_bus_error ? BITMAP_SIZE : 0));
	if (!page)
		return NULL;
	struct slot *s = find_slot(sm, pfn);
	s->pfn = pfn;
	s->page = page;
	sm->npages++;
	return page;
}

/* Bytes from addr up to len that lie in addr's page. */
static size_t chunk(uint64_t addr, size_t len)
{
	size_t room = PAGE_SIZE - (size_t)(addr & PAGE_MASK);
	return len < room ? len : room;
}

static bool all_written(const uint8_t *page, size_t off, size_t n)
{
	const uint8_t *map = page + PAGE_SIZE;
	for (size_t i = off; i < off + n; i++)
		if (!(map[i / 8] & (1u << (i % 8))))
			return false;
	return true;
}

static void mark_written(uint8_t *page, size_t off, size_t n)
{
	uint8_t *map = page + PAGE_SIZE;
	for (size_t i = off; i < off + n; i++)
		map[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* The checks that do not depend on what was written: wrap, limit, faults. */
static enum iref_rc check_access(const struct iref_sparse_mem *sm,
				 uint64_t addr, size_t len, unsigned kind)
{
	if (len == 0)
		return IREF_OK;
	if ((uint64_t)(len - 1) > UINT64_MAX - addr)
		return IREF_E_BUS;
	uint64_t last = addr + (len - 1);
	if (sm->cfg.limit && last >= sm->cfg.limit)
		return IREF_E_BUS;
	for (size_t i = 0; i < sm->nfaults; i++) {
		const struct fault *f = &sm->faults[i];
		if ((f->kinds & kind) && addr <= f->end && last >= f->start)
			return IREF_E_BUS;
	}
	return IREF_OK;
}

static enum iref_rc sparse_read(void *ctx, uint64_t addr, void *buf,
				size_t len)
{
	const struct iref_sparse_mem *sm = ctx;
	enum iref_rc rc = check_access(sm, addr, len, IREF_MEM_FAULT_READ);
	if (rc != IREF_OK)
		return rc;
	/* Check every byte before copying any, so a refused read leaves buf
	 * as it was. */
	if (sm->cfg.unwritten_is_bus_error) {
		uint64_t a = addr;
		for (size_t left = len, n; left; a += n, left -= n) {
			n = chunk(a, left);
			const uint8_t *page = lookup(sm, a >> PAGE_SHIFT);
			if (!page || !all_written(page, a & PAGE_MASK, n))
				return IREF_E_BUS;
		}
	}
	uint8_t *dst = buf;
	for (size_t n; len; addr += n, dst += n, len -= n) {
		n = chunk(addr, len);
		const uint8_t *page = lookup(sm, addr >> PAGE_SHIFT);
		if (page)
			memcpy(dst, page + (addr & PAGE_MASK), n);
		else
			memset(dst, 0, n);
	}
	return IREF_OK;
}

static enum iref_rc sparse_write(void *ctx, uint64_t addr, const void *buf,
				 size_t len)
{
	struct iref_sparse_mem *sm = ctx;
	enum iref_rc rc = check_access(sm, addr, len, IREF_MEM_FAULT_WRITE);
	if (rc != IREF_OK)
		return rc;
	/* Allocate every page before copying any byte, so an allocation
	 * failure changes no content. */
	uint64_t a = addr;
	for (size_t left = len, n; left; a += n, left -= n) {
		n = chunk(a, left);
		if (!get_page(sm, a >> PAGE_SHIFT))
			return IREF_E_NOMEM;
	}
	const uint8_t *src = buf;
	for (size_t n; len; addr += n, src += n, len -= n) {
		n = chunk(addr, len);
		uint8_t *page = lookup(sm, addr >> PAGE_SHIFT);
		memcpy(page + (addr & PAGE_MASK), src, n);
		if (sm->cfg.unwritten_is_bus_error)
			mark_written(page, addr & PAGE_MASK, n);
	}
	return IREF_OK;
}

static const struct iref_mem_ops sparse_ops = {
	.read = sparse_read,
	.write = sparse_write,
};

const uint8_t *iref_mem_page(struct iref_mem m, uint64_t addr)
{
	/* Only the sparse memory can vouch for a page: a new member of
	 * iref_mem_ops would break users that initialise it positionally. */
	if (m.ops != &sparse_ops)
		return NULL;
	const struct iref_sparse_mem *sm = m.ctx;
	uint64_t base = addr & ~PAGE_MASK;
	/* Per-byte written checks only read can do; the limit and the fault
	 * ranges must spare the whole page. */
	if (sm->cfg.unwritten_is_bus_error ||
	    check_access(sm, base, PAGE_SIZE, IREF_MEM_FAULT_READ) != IREF_OK)
		return NULL;
	return lookup(sm, addr >> PAGE_SHIFT);
}

struct iref_sparse_mem *iref_sparse_mem_create(
	const struct iref_sparse_mem_config *cfg)
{
	struct iref_sparse_mem *sm = calloc(1, sizeof *sm);
	if (sm && cfg)
		sm->cfg = *cfg;
	return sm;
}

void iref_sparse_mem_destroy(struct iref_sparse_mem *sm)
{
	if (!sm)
		return;
	size_t n = sm->bits ? (size_t)1 << sm->bits : 0;
	for (size_t i = 0; i < n; i++)
		free(sm->slots[i].page);
	free(sm->slots);
	free(sm->faults);
	free(sm);
}

struct iref_mem iref_sparse_mem_as_mem(struct iref_sparse_mem *sm)
{
	return (struct iref_mem){ .ops = &sparse_ops, .ctx = sm };
}

size_t iref_sparse_mem_pages(const struct iref_sparse_mem *sm)
{
	return sm->npages;
}

enum iref_rc iref_sparse_mem_add_fault(struct iref_sparse_mem *sm,
				       uint64_t start, uint64_t end,
				       unsigned kinds)
{
	if (end < start || !kinds ||
	    (kinds & ~(IREF_MEM_FAULT_READ | IREF_MEM_FAULT_WRITE)))
		return IREF_E_INVAL;
	if (sm->nfaults == sm->faults_cap) {
		size_t cap = sm->faults_cap ? sm->faults_cap * 2 : 4;
		struct fault *f = realloc(sm->faults, cap * sizeof *f);
		if (!f)
			return IREF_E_NOMEM;
		sm->faults = f;
		sm->faults_cap = cap;
	}
	sm->faults[sm->nfaults++] =
		(struct fault){ .start = start, .end = end, .kinds = kinds };
	return IREF_OK;
}

/* ---- Memory image loader ---- */

/* A character stream over a file or a buffer with one character of
 * lookahead, so the parser never needs a line buffer and lines may be of
 * any length. */
struct src {
	FILE *f;            /* NULL: read text */
	const char *text;
	size_t len;
	size_t pos;
	int next;           /* the next character, EOF at the end */
	int err;            /* errno of a read error, 0 if none */
	unsigned line;      /* position of next, 1-based */
	unsigned col;
};

static int src_read(struct src *s)
{
	if (!s->f)
		return s->pos < s->len ? (unsigned char)s->text[s->pos++] : EOF;
	int c = getc(s->f);
	if (c == EOF && ferror(s->f))
		s->err = errno ? errno : EIO;
	return c;
}

static void src_init(struct src *s)
{
	s->line = 1;
	s->col = 1;
	s->next = src_read(s);
}

static void src_advance(struct src *s)
{
	if (s->next == EOF)
		return;
	if (s->next == '\n') {
		s->line++;
		s->col = 1;
	} else {
		s->col++;
	}
	s->next = src_read(s);
}

struct parser {
	struct src src;
	struct iref_mem m;
	const char *name;
	struct iref_diag *diag;
};

/* A read error ends the stream early, which would otherwise look like a
 * short line; it takes precedence over any syntax error it causes. */
static enum iref_rc read_error(struct parser *p, unsigned line)
{
	iref_diag_set(p->diag, p->name, line, 0, "cannot read '%s': %s",
		      p->name, strerror(p->src.err));
	return IREF_E_IO;
}

__attribute__((format(printf, 4, 5)))
static enum iref_rc syntax_error(struct parser *p, unsigned line,
				 unsigned col, const char *fmt, ...)
{
	if (p->src.err)
		return read_error(p, line);
	char msg[sizeof p->diag->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	iref_diag_set(p->diag, p->name, line, col, "%s", msg);
	return IREF_E_PARSE;
}

static bool ends_token(int c)
{
	return c == EOF || c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '#';
}

/* One token as a hex number, "0x" prefix optional; what names it in
 * errors. */
static enum iref_rc read_hex(struct parser *p, unsigned line,
			     const char *what, uint64_t *val)
{
	struct src *s = &p->src;
	unsigned col = s->col;
	uint64_t v = 0;
	bool digits = false;
	if (s->next == '0') {
		src_advance(s);
		if (s->next == 'x' || s->next == 'X')
			src_advance(s);
		else
			digits = true;
	}
	for (; !ends_token(s->next); src_advance(s)) {
		int d = iref_hex_digit(s->next);
		if (d < 0)
			return syntax_error(p, line, col, "expected a hex %s",
					    what);
		if (v >> 60)
			return syntax_error(p, line, col,
					    "%s does not fit in 64 bits", what);
		v = v << 4 | (uint64_t)d;
		digits = true;
	}
	if (!digits)
		return syntax_error(p, line, col, "expected a hex %s", what);
	*val = v;
	return IREF_OK;
}

/* Skip blanks; true if the line's content ends there. */
static bool at_line_end(struct src *s)
{
	while (s->next == ' ' || s->next == '\t')
		src_advance(s);
	return s->next == EOF || s->next == '\n' || s->next == '\r' ||
	       s->next == '#';
}

/* Consume what follows a line's content: a comment, then LF, CR LF or the
 * end of input. */
static enum iref_rc finish_line(struct parser *p, unsigned line)
{
	struct src *s = &p->src;
	if (s->next == '#')
		while (s->next != '\n' && s->next != EOF)
			src_advance(s);
	if (s->next == '\r') {
		unsigned col = s->col;
		src_advance(s);
		if (s->next != '\n')
			return syntax_error(p, line, col,
					    "carriage return not followed by a line feed");
	}
	if (s->err)
		return read_error(p, line);
	src_advance(s);
	return IREF_OK;
}

static enum iref_rc parse_line(struct parser *p)
{
	struct src *s = &p->src;
	unsigned line = s->line;
	unsigned addr_col = 0;
	uint64_t addr = 0, val = 0;
	enum iref_rc rc;
	bool entry = !at_line_end(s);
	if (entry) {
		addr_col = s->col;
		rc = read_hex(p, line, "ADDRESS", &addr);
		if (rc != IREF_OK)
			return rc;
		if (at_line_end(s)) {
			/* A lone CR here is the better explanation. */
			unsigned col = s->col;
			rc = finish_line(p, line);
			if (rc == IREF_OK)
				rc = syntax_error(p, line, col,
						  "unexpected end of line: VALUE missing");
			return rc;
		}
		rc = read_hex(p, line, "VALUE", &val);
		if (rc != IREF_OK)
			return rc;
		if (!at_line_end(s))
			return syntax_error(p, line, s->col,
					    "trailing text after VALUE");
	}
	/* The whole line, terminator included, is checked before the write,
	 * so a bad line writes nothing. */
	rc = finish_line(p, line);
	if (rc != IREF_OK || !entry)
		return rc;
	rc = iref_mem_write64(p->m, addr, val);
	if (rc != IREF_OK)
		iref_diag_set(p->diag, p->name, line, addr_col,
			      "write of 0x%" PRIx64 " at 0x%" PRIx64
			      " refused: %s", val, addr, iref_rc_str(rc));
	return rc;
}

static enum iref_rc parse(struct parser *p)
{
	enum iref_rc rc;
	src_init(&p->src);
	do
		rc = parse_line(p);
	while (rc == IREF_OK && p->src.next != EOF);
	return rc;
}

enum iref_rc iref_mem_load_image(struct iref_mem m, const char *path,
				 struct iref_diag *diag)
{
	/* Binary mode: CR handling is the parser's, on every host. */
	FILE *f = fopen(path, "rb");
	if (!f) {
		iref_diag_set(diag, path, 0, 0, "cannot open '%s': %s", path,
			      strerror(errno));
		return IREF_E_IO;
	}
	struct parser p = {
		.src = { .f = f }, .m = m, .name = path, .diag = diag,
	};
	enum iref_rc rc = parse(&p);
	fclose(f);
	return rc;
}

enum iref_rc iref_mem_load_image_text(struct iref_mem m, const char *text,
				      size_t len, const char *name,
				      struct iref_diag *diag)
{
	struct parser p = {
		.src = { .text = text, .len = len }, .m = m, .name = name,
		.diag = diag,
	};
	return parse(&p);
}
