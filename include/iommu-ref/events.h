/* The fault event queue (virtio-iommu.md 5.3): reports wait here, in their
 * 24-byte wire layout, until the reader (the driver side: API, scenario or
 * the virtqueue transport) takes them. */
#ifndef IREF_EVENTS_H
#define IREF_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/error.h"
#include "iommu-ref/wire.h"

struct iref_iommu;

/* Buffer policy. AUTO (default): the driver side is taken to keep
 * eventq_depth buffers of 24 bytes posted, so a report is dropped only when
 * depth reports are waiting. POSTED: a report needs a buffer posted with
 * iref_events_post(); with none it is dropped (C105); a head buffer shorter
 * than 24 bytes is not consumed and the report is dropped (C106). */
enum iref_events_mode {
	IREF_EVENTS_AUTO = 0,
	IREF_EVENTS_POSTED,
};

void iref_events_set_mode(struct iref_iommu *dev, enum iref_events_mode m);
/* Post one device-writable buffer of writable_len bytes. IREF_E_INVAL in
 * AUTO mode; IREF_E_NOMEM when eventq_depth buffers are already posted or
 * used and unread. */
enum iref_rc iref_events_post(struct iref_iommu *dev, uint32_t writable_len);

/* Take the oldest report: its wire bytes (raw may be NULL) and decoded form
 * (rec may be NULL). False if none is waiting. */
bool iref_events_pop(struct iref_iommu *dev,
		     uint8_t raw[IREF_FAULT_RECORD_SIZE],
		     struct iref_fault_record *rec);
size_t iref_events_pending(const struct iref_iommu *dev);
/* Buffers posted and not yet used (POSTED mode). */
size_t iref_events_posted(const struct iref_iommu *dev);
/* Reports dropped since creation (no buffer, buffer too small, full);
 * resets do not clear it. */
uint64_t iref_events_dropped(const struct iref_iommu *dev);

#endif
