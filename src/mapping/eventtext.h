/*
 * eventtext: one change event as a person reads it in `spoke tail`: when, where, the op, the
 * key, and the columns: every value of a create or snapshot read, what changed of an update
 * (before -> after), the row a delete removed.
 *
 *   2026-11-24 10:00:01.250 shop.shop.customer[0]@12 c {"id":7} email='ann@x.org' vip=false
 *   2026-11-24 10:00:02.003 shop.shop.customer[0]@13 u {"id":7} email: 'ann@x.org' -> 'a@b.c'
 *   2026-11-24 10:00:03.100 shop.shop.customer[0]@14 d {"id":7} email='a@b.c' vip=false
 *
 * Text is quoted with single quotes ('' inside), numbers, booleans and null as they are, JSON
 * objects and arrays compact; a TOASTed value the source did not send shows as (unchanged).
 * An update whose event has no before image shows every column as after values.
 */
#ifndef SPOKE_EVENTTEXT_H
#define SPOKE_EVENTTEXT_H

#include "core/buf.h"
#include "mapping/event.h"

#include <stdint.h>

/* Appends EV, read from TOPIC partition PART at OFFSET, as one line (no newline) to OUT. */
void eventtext_format(const struct event *ev, const char *topic, int part, int64_t offset,
                      struct buf *out);

#endif
