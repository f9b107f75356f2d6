/*
 * service-records: the replies of a GET_SERVICE dump decoded into fixed-size records, in C, on the thread that
 * received them (batch.c), with each service's GET_DEST request written beside it. See service-records.c for the
 * rules and service-records.ts for the layout's reader.
 */
#ifndef LVS_AGENTX_SERVICE_RECORDS_H
#define LVS_AGENTX_SERVICE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

/* 32-bit words per service record, and the u64 counters per service in the stats area (STAT in snapshot.ts). */
#define SERVICE_RECORD_WORDS 32
#define SERVICE_STAT_COUNT 10
/* The count word when the dump as a whole was not decoded here: the JavaScript decoders take every message. */
#define SERVICES_DECLINED 0xffffffffu
/* Words before the first record: the count (or SERVICES_DECLINED), then how many records were declined. */
#define SERVICE_HEADER_WORDS 2

typedef struct {
  uint32_t *words; /* SERVICE_HEADER_WORDS, then one record per service message */
  size_t words_len, words_cap;
  uint64_t *stats; /* SERVICE_STAT_COUNT values per record (zeros for a declined one), in record order */
  size_t stats_len, stats_cap;
  uint8_t *requests; /* the GET_DEST request of every decoded service, back to back */
  size_t requests_len, requests_cap;
  uint32_t *seen;    /* open addressing: 1 + the record index of each decoded service's key, 0 for a free slot */
  size_t seen_cap, seen_len;
} service_records_t;

/*
 * Decodes what one GET_SERVICE dump came to: `request` is the request sent (its nlmsg_seq, its flags, and the family
 * id and version the GET_DEST requests are written with), `reply` every byte received for it. Returns -1 when out
 * of memory, else 0 (a declined dump or service is not a failure).
 */
int service_records_decode(service_records_t *out, const uint8_t *request, const uint8_t *reply, size_t reply_len);

void service_records_free(service_records_t *out);

#endif
