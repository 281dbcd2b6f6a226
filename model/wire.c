#include "iommu-ref/wire.h"

#include <string.h>

static const char *const status_names[IREF_S_COUNT] = {
	"ok", "ioerr", "unsupp", "deverr", "inval",
	"range", "noent", "fault", "nomem",
};

const char *iref_status_name(unsigned status)
{
	return status < IREF_S_COUNT ? status_names[status] : NULL;
}

int iref_status_parse(const char *name)
{
	for (int i = 0; i < IREF_S_COUNT; i++)
		if (strcmp(name, status_names[i]) == 0)
			return i;
	return -1;
}

const char *iref_fault_reason_name(unsigned reason)
{
	switch (reason) {
	case IREF_R_UNKNOWN: return "unknown";
	case IREF_R_DOMAIN: return "domain";
	case IREF_R_MAPPING: return "mapping";
	}
	return NULL;
}

/* Head of every request: type and three reserved bytes. */
static void put_head(uint8_t *buf, size_t size, uint8_t type)
{
	memset(buf, 0, size);
	buf[0] = type;
}

size_t iref_enc_attach(uint8_t *buf, uint32_t domain, uint32_t endpoint,
		       uint32_t flags)
{
	put_head(buf, IREF_ATTACH_RSIZE, IREF_T_ATTACH);
	iref_put_le32(buf + 4, domain);
	iref_put_le32(buf + 8, endpoint);
	iref_put_le32(buf + 12, flags);
	return IREF_ATTACH_RSIZE;
}

size_t iref_enc_detach(uint8_t *buf, uint32_t domain, uint32_t endpoint)
{
	put_head(buf, IREF_DETACH_RSIZE, IREF_T_DETACH);
	iref_put_le32(buf + 4, domain);
	iref_put_le32(buf + 8, endpoint);
	return IREF_DETACH_RSIZE;
}

size_t iref_enc_map(uint8_t *buf, uint32_t domain, uint64_t virt_start,
		    uint64_t virt_end, uint64_t phys_start, uint32_t flags)
{
	put_head(buf, IREF_MAP_RSIZE, IREF_T_MAP);
	iref_put_le32(buf + 4, domain);
	iref_put_le64(buf + 8, virt_start);
	iref_put_le64(buf + 16, virt_end);
	iref_put_le64(buf + 24, phys_start);
	iref_put_le32(buf + 32, flags);
	return IREF_MAP_RSIZE;
}

size_t iref_enc_unmap(uint8_t *buf, uint32_t domain, uint64_t virt_start,
		      uint64_t virt_end)
{
	put_head(buf, IREF_UNMAP_RSIZE, IREF_T_UNMAP);
	iref_put_le32(buf + 4, domain);
	iref_put_le64(buf + 8, virt_start);
	iref_put_le64(buf + 16, virt_end);
	return IREF_UNMAP_RSIZE;
}

size_t iref_enc_probe(uint8_t *buf, uint32_t endpoint)
{
	put_head(buf, IREF_PROBE_RSIZE, IREF_T_PROBE);
	iref_put_le32(buf + 4, endpoint);
	return IREF_PROBE_RSIZE;
}

enum iref_rc iref_probe_parse(const uint8_t *props, size_t len,
			      bool (*fn)(void *ctx,
					 const struct iref_probe_prop *p),
			      void *ctx)
{
	size_t off = 0;
	while (off + 4 <= len) {
		uint16_t tr = iref_le16(props + off);
		struct iref_probe_prop p = {
			.type = tr & 0xfff,
			.reserved_bits = tr >> 12,
			.length = iref_le16(props + off + 2),
		};
		if (p.type == IREF_PROBE_T_NONE)
			return IREF_OK;
		if (p.length > len - off - 4)
			return IREF_E_RANGE;
		p.value = props + off + 4;
		if (p.type == IREF_PROBE_T_RESV_MEM && p.length >= 20) {
			p.subtype = p.value[0];
			p.start = iref_le64(p.value + 4);
			p.end = iref_le64(p.value + 12);
		}
		if (!fn(ctx, &p))
			return IREF_OK;
		off += 4 + (size_t)p.length;
	}
	return IREF_OK;
}

void iref_fault_encode(const struct iref_fault_record *r,
		       uint8_t out[IREF_FAULT_RECORD_SIZE])
{
	memset(out, 0, IREF_FAULT_RECORD_SIZE);
	out[0] = r->reason;
	iref_put_le32(out + 4, r->flags);
	iref_put_le32(out + 8, r->endpoint);
	iref_put_le32(out + 12, r->pasid);
	iref_put_le64(out + 16, r->address);
}

void iref_fault_decode(const uint8_t in[IREF_FAULT_RECORD_SIZE],
		       struct iref_fault_record *r)
{
	r->reason = in[0];
	r->flags = iref_le32(in + 4);
	r->endpoint = iref_le32(in + 8);
	r->pasid = iref_le32(in + 12);
	r->address = iref_le64(in + 16);
}
