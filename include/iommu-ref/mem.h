/* Guest physical memory: the interface every table walker and virtqueue
 * reader goes through, and the built-in sparse implementation. */
#ifndef IREF_MEM_H
#define IREF_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/error.h"

/* A memory is a pair of callbacks and their context. Accesses may be of any
 * length and alignment; an implementation returns IREF_E_BUS for an access
 * it refuses (nothing is written on a refused write). */
struct iref_mem_ops {
	enum iref_rc (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	enum iref_rc (*write)(void *ctx, uint64_t addr, const void *buf,
			      size_t len);
};

struct iref_mem {
	const struct iref_mem_ops *ops;
	void *ctx;
};

static inline enum iref_rc iref_mem_read(struct iref_mem m, uint64_t addr,
					 void *buf, size_t len)
{
	return m.ops->read(m.ctx, addr, buf, len);
}

static inline enum iref_rc iref_mem_write(struct iref_mem m, uint64_t addr,
					  const void *buf, size_t len)
{
	return m.ops->write(m.ctx, addr, buf, len);
}

/* Read fast path: the host address of the 4 KiB page holding addr (of
 * byte addr & ~0xfff), for reading only, such that every read of any
 * bytes of that page would succeed and return what the pointer shows.
 * NULL whenever that is not so or m cannot tell (a memory of your own
 * callbacks, an unbacked page, a refused or per-byte-checked range); the
 * caller then uses iref_mem_read, which keeps every error path. The
 * pointer is valid only until the next write through m or change to it
 * (a new fault range, destruction): callers drop it then and never write
 * through it. The walkers keep it for at most one walk and send A/D
 * updates through iref_mem_write. */
const uint8_t *iref_mem_page(struct iref_mem m, uint64_t addr);

/* Little-endian 64-bit word access, whatever the host byte order. On error
 * *val is left unchanged. */
enum iref_rc iref_mem_read64(struct iref_mem m, uint64_t addr, uint64_t *val);
enum iref_rc iref_mem_write64(struct iref_mem m, uint64_t addr, uint64_t val);

/* Sparse memory: 4 KiB pages allocated on first write, O(1) page lookup.
 * iref_mem_page gives allocated pages that lie wholly below
 * the limit and touch no read-fault range, unless unwritten_is_bus_error
 * is set (reads are then checked per byte, so always NULL).
 * An access of length 0 touches no byte and always succeeds. An access that
 * runs past 2^64, reaches the configured limit or touches an injected fault
 * range fails with IREF_E_BUS. A refused read leaves buf unchanged; a
 * refused write changes no byte. If allocating a page fails the write
 * returns IREF_E_NOMEM with no byte changed (pages allocated before the
 * failure stay, reading as never written). */
struct iref_sparse_mem;

struct iref_sparse_mem_config {
	/* Reads of bytes never written fail with IREF_E_BUS instead of
	 * returning zeros. */
	bool unwritten_is_bus_error;
	/* Accesses at or above this address fail with IREF_E_BUS; 0 means
	 * the whole 64-bit space is backed. */
	uint64_t limit;
};

/* cfg may be NULL for defaults (zeros for unwritten memory, no limit). */
struct iref_sparse_mem *iref_sparse_mem_create(
	const struct iref_sparse_mem_config *cfg);
void iref_sparse_mem_destroy(struct iref_sparse_mem *sm);
struct iref_mem iref_sparse_mem_as_mem(struct iref_sparse_mem *sm);
/* Number of 4 KiB pages allocated so far. */
size_t iref_sparse_mem_pages(const struct iref_sparse_mem *sm);

/* Kinds of injected fault. */
#define IREF_MEM_FAULT_READ 1u
#define IREF_MEM_FAULT_WRITE 2u

/* Make every access of one of kinds (IREF_MEM_FAULT_*) that touches a byte
 * of the inclusive range [start, end] fail with IREF_E_BUS, e.g. to inject
 * bus errors into table walks. Ranges may overlap and cannot be removed.
 * IREF_E_INVAL if end < start or kinds is 0 or has unknown bits;
 * IREF_E_NOMEM on allocation failure. */
enum iref_rc iref_sparse_mem_add_fault(struct iref_sparse_mem *sm,
				       uint64_t start, uint64_t end,
				       unsigned kinds);

/* Memory image text format (docs/memory-image.md): one "ADDRESS VALUE" pair
 * of hex numbers per line, VALUE a 64-bit little-endian word written at
 * ADDRESS; '#' starts a comment; blank lines are ignored. Errors name the
 * line and column in diag (diag->file = name). Lines are written as they
 * are read, so on error the lines before the offending one are in memory.
 * Returns IREF_E_PARSE on a syntax error, IREF_E_IO if the file cannot be
 * opened or read, or the memory's code (IREF_E_BUS, IREF_E_NOMEM) if it
 * refuses a write. The file is streamed; lines may be of any length. */
enum iref_rc iref_mem_load_image(struct iref_mem m, const char *path,
				 struct iref_diag *diag);
/* The same from a buffer; name is used in diagnostics. */
enum iref_rc iref_mem_load_image_text(struct iref_mem m, const char *text,
				      size_t len, const char *name,
				      struct iref_diag *diag);

#endif
