/* The virtio-iommu wire format: constants, little-endian field access and
 * encoders/decoders for the request, probe property and fault record
 * layouts (virtio-iommu.md sections 1-5). Everything that crosses the
 * guest/device boundary is built or read here, so the scenario's friendly
 * steps and a guest's raw bytes meet the same parser. */
#ifndef IREF_WIRE_H
#define IREF_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/error.h"

/* Device feature bits (section 1.2). */
enum {
	IREF_F_INPUT_RANGE = 0,
	IREF_F_DOMAIN_RANGE = 1,
	IREF_F_MAP_UNMAP = 2,
	IREF_F_BYPASS = 3,
	IREF_F_PROBE = 4,
	IREF_F_MMIO = 5,
	IREF_F_BYPASS_CONFIG = 6,
	IREF_F_ATTACH_TABLE = 7,
	IREF_F_INDIRECT_DESC = 28,
	IREF_F_EVENT_IDX = 29,
	IREF_F_VERSION_1 = 32,
};
#define IREF_FEAT(bit) (UINT64_C(1) << (bit))

/* Request types (section 2.1). */
enum iref_req_type {
	IREF_T_ATTACH = 1,
	IREF_T_DETACH = 2,
	IREF_T_MAP = 3,
	IREF_T_UNMAP = 4,
	IREF_T_PROBE = 5,
	IREF_T_ATTACH_TABLE = 6,
	IREF_T_INVALIDATE = 7,
};

/* Tail status codes (section 2.1). */
enum iref_status {
	IREF_S_OK = 0,
	IREF_S_IOERR = 1,
	IREF_S_UNSUPP = 2,
	IREF_S_DEVERR = 3,
	IREF_S_INVAL = 4,
	IREF_S_RANGE = 5,
	IREF_S_NOENT = 6,
	IREF_S_FAULT = 7,
	IREF_S_NOMEM = 8,
};
#define IREF_S_COUNT 9

/* Lower-case name without prefix ("ok", "inval", ...); NULL if unknown. */
const char *iref_status_name(unsigned status);
/* Inverse of iref_status_name; -1 if the name is unknown. */
int iref_status_parse(const char *name);

/* Request flags. */
#define IREF_ATTACH_F_BYPASS (1u << 0)
#define IREF_MAP_F_READ (1u << 0)
#define IREF_MAP_F_WRITE (1u << 1)
#define IREF_MAP_F_MMIO (1u << 2)

/* Readable sizes per request type (section 2.3); the tail is 4 bytes. */
#define IREF_TAIL_SIZE 4
#define IREF_ATTACH_RSIZE 20
#define IREF_DETACH_RSIZE 20
#define IREF_MAP_RSIZE 36
#define IREF_UNMAP_RSIZE 28
#define IREF_PROBE_RSIZE 72
#define IREF_ATTACH_TABLE_RSIZE 124
#define IREF_INVALIDATE_RSIZE 60

/* PROBE properties (section 4). */
#define IREF_PROBE_T_NONE 0
#define IREF_PROBE_T_RESV_MEM 1
#define IREF_RESV_MEM_T_RESERVED 0
#define IREF_RESV_MEM_T_MSI 1
#define IREF_RESV_MEM_PROP_SIZE 24

/* Fault record (section 5.3). */
#define IREF_FAULT_RECORD_SIZE 24
enum iref_fault_reason {
	IREF_R_UNKNOWN = 0,
	IREF_R_DOMAIN = 1,
	IREF_R_MAPPING = 2,
};
#define IREF_FAULT_F_READ (1u << 0)
#define IREF_FAULT_F_WRITE (1u << 1)
#define IREF_FAULT_F_EXEC (1u << 2)
#define IREF_FAULT_F_ADDRESS (1u << 8)
#define IREF_FAULT_F_PASID (1u << 9)

/* Little-endian field access on byte buffers. */
static inline uint16_t iref_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t iref_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	       ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t iref_le64(const uint8_t *p)
{
	return (uint64_t)iref_le32(p) | ((uint64_t)iref_le32(p + 4) << 32);
}
static inline void iref_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static inline void iref_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline void iref_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Request encoders: write the device-readable part of a well-formed request
 * into buf (which must hold the type's readable size) and return that size.
 * Reserved bytes are zero. */
size_t iref_enc_attach(uint8_t *buf, uint32_t domain, uint32_t endpoint,
		       uint32_t flags);
size_t iref_enc_detach(uint8_t *buf, uint32_t domain, uint32_t endpoint);
size_t iref_enc_map(uint8_t *buf, uint32_t domain, uint64_t virt_start,
		    uint64_t virt_end, uint64_t phys_start, uint32_t flags);
size_t iref_enc_unmap(uint8_t *buf, uint32_t domain, uint64_t virt_start,
		      uint64_t virt_end);
size_t iref_enc_probe(uint8_t *buf, uint32_t endpoint);

/* One decoded PROBE property. For RESV_MEM the resv fields are filled; for
 * other types value/length point into the buffer. */
struct iref_probe_prop {
	uint16_t type;
	uint16_t reserved_bits; /* header bits [15:12] */
	uint16_t length;
	const uint8_t *value;
	/* RESV_MEM */
	uint8_t subtype;
	uint64_t start, end;
};

/* Walk a PROBE properties area of len bytes as a driver does: stop at a
 * type-0 property or the end. Calls fn per property; stops early when fn
 * returns false. Returns IREF_E_RANGE if a property runs past len (what was
 * seen before is still reported). */
enum iref_rc iref_probe_parse(const uint8_t *props, size_t len,
			      bool (*fn)(void *ctx,
					 const struct iref_probe_prop *p),
			      void *ctx);

/* A fault report as a structure and in its 24-byte wire layout. */
struct iref_fault_record {
	uint8_t reason;
	uint32_t flags;
	uint32_t endpoint;
	uint32_t pasid; /* reserved1 in the base device */
	uint64_t address;
};
void iref_fault_encode(const struct iref_fault_record *r,
		       uint8_t out[IREF_FAULT_RECORD_SIZE]);
void iref_fault_decode(const uint8_t in[IREF_FAULT_RECORD_SIZE],
		       struct iref_fault_record *r);
/* "unknown", "domain", "mapping"; NULL for other values. */
const char *iref_fault_reason_name(unsigned reason);

#endif
