/* Processing of one virtio-iommu request (virtio-iommu.md sections 2-4). */
#ifndef IREF_REQUEST_H
#define IREF_REQUEST_H

#include <stddef.h>
#include <stdint.h>

struct iref_iommu;

/* Process one request: rd[0..rlen) are the device-readable bytes gathered
 * from the chain, wr[0..wlen) the device-writable area. Returns the used
 * length: 0 when the spec says the buffer goes back unwritten (unknown
 * type, too short, no room for a tail: C21-C23), otherwise wlen, with the
 * tail in the last 4 bytes of wr and every writable byte before it
 * written (zero where the request defines nothing). Requests are executed
 * completely before the call returns. */
size_t iref_request(struct iref_iommu *dev, const uint8_t *rd, size_t rlen,
		    uint8_t *wr, size_t wlen);

/* Cycles of the last iref_request() call (docs/timing.md): 0 when timing
 * is off or before the first request. A query rather than an
 * out-parameter keeps iref_request's signature, which a transport calls
 * as is. */
uint64_t iref_request_cycles(const struct iref_iommu *dev);

#endif
