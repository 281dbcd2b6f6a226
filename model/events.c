/* The fault event queue (virtio-iommu.md 5.3; C103-C107). */
#include "iommu-ref/events.h"

#include <stdlib.h>
#include <string.h>

#include "iommu_priv.h"

enum iref_rc events_init(struct events *ev, uint32_t depth)
{
	memset(ev, 0, sizeof *ev);
	ev->depth = depth;
	ev->ring = calloc(depth, sizeof *ev->ring);
	ev->posted = calloc(depth, sizeof *ev->posted);
	if (!ev->ring || !ev->posted) {
		events_fini(ev);
		return IREF_E_NOMEM;
	}
	return IREF_OK;
}

void events_fini(struct events *ev)
{
	free(ev->ring);
	free(ev->posted);
	ev->ring = NULL;
	ev->posted = NULL;
}

void events_clear(struct events *ev)
{
	ev->head = ev->count = 0;
	ev->posted_head = ev->posted_count = 0;
}

bool events_report(struct iref_iommu *d, const struct iref_fault_record *r)
{
	struct events *ev = &d->ev;
	if (ev->mode == IREF_EVENTS_POSTED) {
		/* A report never spreads over buffers, and a short head
		 * buffer stays where it is (C106). */
		if (!ev->posted_count ||
		    ev->posted[ev->posted_head] < IREF_FAULT_RECORD_SIZE) {
			ev->dropped++;
			return false;
		}
		ev->posted_head = (ev->posted_head + 1) % ev->depth;
		ev->posted_count--;
	} else if (ev->count == ev->depth) {
		ev->dropped++;
		return false;
	}
	iref_fault_encode(r, ev->ring[(ev->head + ev->count) % ev->depth]);
	ev->count++;
	return true;
}

void iref_events_set_mode(struct iref_iommu *d, enum iref_events_mode m)
{
	d->ev.mode = m;
	d->ev.posted_head = d->ev.posted_count = 0;
}

enum iref_rc iref_events_post(struct iref_iommu *d, uint32_t writable_len)
{
	struct events *ev = &d->ev;
	if (ev->mode != IREF_EVENTS_POSTED)
		return IREF_E_INVAL; /* AUTO mode never consumes them */
	/* Posted and used-but-unread buffers share the queue's depth. */
	if (ev->posted_count + ev->count >= ev->depth)
		return IREF_E_NOMEM;
	ev->posted[(ev->posted_head + ev->posted_count) % ev->depth] =
		writable_len;
	ev->posted_count++;
	return IREF_OK;
}

bool iref_events_pop(struct iref_iommu *d,
		     uint8_t raw[IREF_FAULT_RECORD_SIZE],
		     struct iref_fault_record *rec)
{
	struct events *ev = &d->ev;
	if (!ev->count)
		return false;
	const uint8_t *slot = ev->ring[ev->head];
	if (raw)
		memcpy(raw, slot, IREF_FAULT_RECORD_SIZE);
	if (rec)
		iref_fault_decode(slot, rec);
	ev->head = (ev->head + 1) % ev->depth;
	ev->count--;
	return true;
}

size_t iref_events_pending(const struct iref_iommu *d)
{
	return d->ev.count;
}

size_t iref_events_posted(const struct iref_iommu *d)
{
	return d->ev.posted_count;
}

uint64_t iref_events_dropped(const struct iref_iommu *d)
{
	return d->ev.dropped;
}
