/*
 * dest-records: the replies of GET_DEST dumps decoded into fixed-size records, in C, on the thread that received
 * them (batch.c). See dest-records.c for the rules and dest-records.ts for the layout's reader.
 */
#ifndef LVS_AGENTX_DEST_RECORDS_H
#define LVS_AGENTX_DEST_RECORDS_H

#include <stddef.h>
#include <stdint.h>

/* 32-bit words per real server record, and the u64 counters per real in the stats area (STAT in snapshot.ts). */
#define DEST_RECORD_WORDS 16
#define DEST_STAT_COUNT 10
/* The count word of a request whose replies were not decoded here: the JavaScript decoders take them. */
#define DEST_DECLINED 0xffffffffu

typedef struct {
  uint32_t *words; /* records: per request a count word (or DEST_DECLINED), then count records */
  size_t words_len, words_cap;
  uint64_t *stats; /* DEST_STAT_COUNT values per decoded real, in record order */
  size_t stats_len, stats_cap;
  size_t declined; /* requests left to the JavaScript decoders */
} dest_records_t;

/*
 * Appends what one GET_DEST request came to: `request` is the request sent (its nlmsg_seq and flags), `reply` every
 * byte received for it, `family` the service's address family (AF_INET or AF_INET6), used for reals without
 * IPVS_DEST_ATTR_ADDR_FAMILY. Returns -1 when out of memory, else 0 (a declined request is not a failure).
 */
int dest_records_add(dest_records_t *out, const uint8_t *request, const uint8_t *reply, size_t reply_len, int family);

void dest_records_free(dest_records_t *out);

#endif
