/*
 * nl-scan: what the native decoders (dest-records.c, service-records.c) share: reading attributes by offset with
 * the rules of scan() in attr-scan.ts, growing their output areas, and walking the messages of one dump with the
 * rules ReplyCollector (reply.ts) applies to a request's bytes.
 */
#ifndef LVS_AGENTX_NL_SCAN_H
#define LVS_AGENTX_NL_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GENL_HDRLEN 4
/* Attribute types kept per level: the IPVS_*_ATTR_* the decoders read are below this; others are skipped. */
#define SLOTS 16

static inline uint16_t u16_at(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t u32_at(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t u64_at(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint16_t be16_at(const uint8_t *p) { return (uint16_t) (p[0] << 8 | p[1]); }

/* Where each attribute of m[from, end) starts and how long it is, a later one of a type replacing an earlier
 * (nla_parse()); 0 when the area does not split into whole attributes as parseAttrs() would accept. */
int nl_scan(const uint8_t *m, size_t from, size_t end, int32_t at[SLOTS], int32_t len[SLOTS]);

/* The first level of a generic netlink message whose command is `cmd`, and then its nest `nest_type`, scanned into
 * at/len: scanMessageNest() of attr-scan.ts; 0 where it would refuse the message or the nest is missing. */
int nl_scan_message_nest(const uint8_t *m, size_t size, unsigned cmd, unsigned nest_type, int32_t at[SLOTS], int32_t len[SLOTS]);

/* The STATS64 nest at stats64 (offset, -1 when absent), else the STATS nest at stats (u32 counters widened, INBYTES
 * and OUTBYTES u64 in both), else zeros, as statsAt() in attr-scan.ts reads them into `out` (ten counters); 0 where
 * it would decline. */
int nl_stats(const uint8_t *m, int32_t stats, int32_t stats_len, int32_t stats64, int32_t stats64_len, uint64_t out[10]);

/* Makes room for `need` elements of `size` bytes in *buf (capacity *cap elements); -1 when out of memory. */
int nl_grow(void **buf, size_t *cap, size_t need, size_t size);

/*
 * Walks the bytes received for one dump request as ReplyCollector does: every message must have a whole header and
 * an nlmsg_len within the bytes left (to the end, also after NLMSG_DONE); messages with another nlmsg_seq and
 * NLMSG_NOOP are skipped; NLMSG_DONE with a status >= 0 ends the dump; NLMSG_ERROR or NLMSG_OVERRUN fail it; every
 * other message of the dump is given to `each` (1: go on, 0: give up on the request, -1: out of memory).
 * Returns 1 when the dump ended cleanly with every message taken, 0 when not (or the request is no dump), -1 when
 * `each` ran out of memory.
 */
int nl_walk_dump(const uint8_t *request, const uint8_t *reply, size_t reply_len,
                 int (*each)(void *ctx, const uint8_t *message, size_t len), void *ctx);

#endif
