/*
 * service-records: decodes the replies of the GET_SERVICE dump into fixed-size records on the worker thread that
 * received them (batch.c), and writes each service's GET_DEST request, so that the main thread neither scans the
 * services' attributes nor builds 10,000 requests: it makes the services' objects from the records
 * (service-records.ts) and hands the requests on to transactDests().
 *
 * Why in C: in the kernel guest (10,000 services x 10 reals) decoding the dump and building the GET_DEST requests
 * were a third of `lvs-agentx snapshot`'s main thread, which is the command's critical path.
 *
 * Each message is decoded with the contract of decodeServiceFast() (ipvs-service-fast.ts): a record holds exactly
 * what that function returns for it, or the record is declined where that function declines, and the JavaScript
 * path decodes that message (the replies are handed over as well). The dump as a whole is declined where
 * ReplyCollector would not give its messages (an error, framing it refuses, no NLMSG_DONE: nl_walk_dump()); the
 * JavaScript path then says what is wrong. Each GET_DEST request has the bytes buildGetDests() (ipvs-request.ts)
 * writes for the service's key. test/unit/ipvs/netlink/service-records.test.ts holds all three to that.
 * Messages are in host byte order (netlink is).
 *
 * The records area starts with SERVICE_HEADER_WORDS words: the count of records (SERVICES_DECLINED for a declined
 * dump), then how many of them were declined. A record (SERVICE_RECORD_WORDS 32-bit words, host order):
 *   0 decoded (1), declined (0), or decoded but a repeat of an earlier service of the dump (2: a dump racing with
 *     changes may list one twice; NetlinkSource keeps the first, and no GET_DEST request is written for it)
 *                                    1 family (AF_*)            2 fwmark service (1) or address service (0)
 *   3 protocol number (address)      4 port (address)           5 fwmark (fwmark service)
 *   6 flags (flags & mask)           7 persistence timeout      8 netmask prefix length
 *   9 scheduler name length          10 persistence engine name length (0: none)
 *   11 offset of the GET_DEST request in the requests area     12..15 the address's 16 bytes (4 used for IPv4)
 *   16..23 the scheduler name's bytes (up to 32)               24..31 the persistence engine name's bytes
 */
#include "service-records.h"

#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl-scan.h"

#define IPVS_CMD_NEW_SERVICE 1
#define IPVS_CMD_GET_DEST 8
#define IPVS_CMD_ATTR_SERVICE 1
enum {
  SVC_AF = 1, SVC_PROTOCOL, SVC_ADDR, SVC_PORT, SVC_FWMARK, SVC_SCHED_NAME, SVC_FLAGS, SVC_TIMEOUT, SVC_NETMASK,
  SVC_STATS, SVC_PE_NAME, SVC_STATS64,
};
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_SCTP_ 132
/* NAME_MAX of ipvs-service-fast.ts: longer names are left to the JavaScript path. */
#define NAME_MAX_ 32

enum { R_DECODED, R_FAMILY, R_FWMARK_KIND, R_PROTOCOL, R_PORT, R_FWMARK, R_FLAGS, R_TIMEOUT, R_NETMASK, R_SCHED_LEN,
       R_PE_LEN, R_REQUEST, R_ADDR, R_SCHED = 16, R_PE = 24 };

/* nameAt() of ipvs-service-fast.ts: the text up to the first NUL, if at most NAME_MAX_ bytes, all ASCII; into
 * `dst`, its length in *length; 0 when that function declines. */
static int name_at(const uint8_t *m, int32_t at, int32_t len, uint8_t *dst, uint32_t *length) {
  int32_t n = len;
  for (int32_t i = 0; i < len; i++) {
    if (m[at + i] == 0) {
      n = i;
      break;
    }
  }
  if (n > NAME_MAX_) return 0;
  for (int32_t i = 0; i < n; i++) if (m[at + i] >= 0x80) return 0;
  memcpy(dst, m + at, (size_t) n);
  *length = (uint32_t) n;
  return 1;
}

/* One IPVS_CMD_NEW_SERVICE message as decodeServiceFast() reads it, into rec and stats; 0 when it declines. */
static int decode_service(const uint8_t *m, size_t size, uint32_t rec[SERVICE_RECORD_WORDS], uint64_t stats[SERVICE_STAT_COUNT]) {
  int32_t at[SLOTS], len[SLOTS];
  if (!nl_scan_message_nest(m, size, IPVS_CMD_NEW_SERVICE, IPVS_CMD_ATTR_SERVICE, at, len)) return 0;
  memset(rec, 0, SERVICE_RECORD_WORDS * sizeof *rec);
  if (at[SVC_AF] < 0 || len[SVC_AF] != 2) return 0;
  uint32_t family = u16_at(m + at[SVC_AF]);
  if (family != AF_INET && family != AF_INET6) return 0;
  rec[R_FAMILY] = family;

  if (at[SVC_FWMARK] >= 0) {
    if (len[SVC_FWMARK] != 4) return 0;
    rec[R_FWMARK_KIND] = 1;
    rec[R_FWMARK] = u32_at(m + at[SVC_FWMARK]);
  } else {
    if (at[SVC_PROTOCOL] < 0 || len[SVC_PROTOCOL] != 2) return 0;
    uint32_t protocol = u16_at(m + at[SVC_PROTOCOL]);
    if (protocol != IPPROTO_TCP_ && protocol != IPPROTO_UDP_ && protocol != IPPROTO_SCTP_) return 0;
    size_t need = family == AF_INET ? 4 : 16;
    if (at[SVC_ADDR] < 0 || (size_t) len[SVC_ADDR] < need) return 0;
    if (at[SVC_PORT] < 0 || len[SVC_PORT] != 2) return 0;
    rec[R_PROTOCOL] = protocol;
    rec[R_PORT] = be16_at(m + at[SVC_PORT]);
    memcpy(&rec[R_ADDR], m + at[SVC_ADDR], need);
  }

  /* struct ip_vs_flags { __u32 flags; __u32 mask; }: the flags are flags & mask. */
  if (at[SVC_FLAGS] < 0 || len[SVC_FLAGS] != 8) return 0;
  rec[R_FLAGS] = u32_at(m + at[SVC_FLAGS]) & u32_at(m + at[SVC_FLAGS] + 4);
  if (at[SVC_SCHED_NAME] < 0) return 0;
  if (!name_at(m, at[SVC_SCHED_NAME], len[SVC_SCHED_NAME], (uint8_t *) &rec[R_SCHED], &rec[R_SCHED_LEN])) return 0;
  if (at[SVC_TIMEOUT] < 0 || len[SVC_TIMEOUT] != 4) return 0;
  rec[R_TIMEOUT] = u32_at(m + at[SVC_TIMEOUT]);

  /* IPVS_SVC_ATTR_NETMASK: an IPv4 mask in network order (its leading one bits), or an IPv6 prefix length. */
  if (at[SVC_NETMASK] < 0 || len[SVC_NETMASK] != 4) return 0;
  if (family == AF_INET) {
    const uint8_t *p = m + at[SVC_NETMASK];
    uint32_t inverse = ~((uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3]);
    rec[R_NETMASK] = inverse == 0 ? 32 : (uint32_t) __builtin_clz(inverse);
  } else {
    rec[R_NETMASK] = u32_at(m + at[SVC_NETMASK]);
    if (rec[R_NETMASK] > 128) return 0;
  }
  if (at[SVC_PE_NAME] >= 0 && !name_at(m, at[SVC_PE_NAME], len[SVC_PE_NAME], (uint8_t *) &rec[R_PE], &rec[R_PE_LEN])) {
    return 0;
  }
  if (!nl_stats(m, at[SVC_STATS], len[SVC_STATS], at[SVC_STATS64], len[SVC_STATS64], stats)) return 0;
  rec[R_DECODED] = 1;
  return 1;
}

/* struct nlattr at p (host order); returns where its payload starts. */
static uint8_t *attr(uint8_t *p, uint16_t length, uint16_t type) {
  memcpy(p, &length, 2);
  memcpy(p + 2, &type, 2);
  return p + NLA_HDRLEN;
}

/* The selector's attributes, padding included (ATTR_U16, ATTR_U32 and ATTR_ADDR of ipvs-request.ts). */
#define ATTR_U16 (NLA_HDRLEN + 4)
#define ATTR_U32 (NLA_HDRLEN + 4)
#define ATTR_ADDR (NLA_HDRLEN + 16)
#define SELECTOR_AT (NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN)

/* buildGetDests() for the service in rec, for the family and genl version of the GET_SERVICE request `request`:
 * into p (zeroed, room for the longest), returning its length. */
static size_t get_dests(uint8_t *p, const uint8_t *request, const uint32_t rec[SERVICE_RECORD_WORDS]) {
  int fwmark = rec[R_FWMARK_KIND] != 0;
  size_t selector = fwmark ? ATTR_U16 + ATTR_U32 : ATTR_U16 + ATTR_U16 + ATTR_ADDR + ATTR_U16;
  struct nlmsghdr h = { 0 };
  memcpy(&h.nlmsg_type, request + 4, 2); /* the family id */
  h.nlmsg_len = (uint32_t) (SELECTOR_AT + selector);
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  memcpy(p, &h, sizeof h);
  p[NLMSG_HDRLEN] = IPVS_CMD_GET_DEST;
  p[NLMSG_HDRLEN + 1] = request[NLMSG_HDRLEN + 1]; /* the version */
  attr(p + NLMSG_HDRLEN + GENL_HDRLEN, (uint16_t) (NLA_HDRLEN + selector), IPVS_CMD_ATTR_SERVICE);
  uint8_t *q = p + SELECTOR_AT;
  uint16_t family = (uint16_t) rec[R_FAMILY];
  memcpy(attr(q, NLA_HDRLEN + 2, SVC_AF), &family, 2);
  q += ATTR_U16;
  if (fwmark) {
    memcpy(attr(q, NLA_HDRLEN + 4, SVC_FWMARK), &rec[R_FWMARK], 4);
  } else {
    uint16_t protocol = (uint16_t) rec[R_PROTOCOL];
    memcpy(attr(q, NLA_HDRLEN + 2, SVC_PROTOCOL), &protocol, 2);
    q += ATTR_U16;
    /* union nf_inet_addr: 16 bytes, an IPv4 address in the first 4 and zeros after it */
    memcpy(attr(q, ATTR_ADDR, SVC_ADDR), &rec[R_ADDR], 16);
    q += ATTR_ADDR;
    uint8_t *port = attr(q, NLA_HDRLEN + 2, SVC_PORT);
    port[0] = (uint8_t) (rec[R_PORT] >> 8); /* __be16 */
    port[1] = (uint8_t) rec[R_PORT];
  }
  return h.nlmsg_len;
}

#define GET_DESTS_MAX (SELECTOR_AT + ATTR_U16 + ATTR_U16 + ATTR_ADDR + ATTR_U16)

/* The words of a record that make its service's key (and so its name): family, kind, protocol, port, fwmark, address. */
static const int KEY_WORDS[] = { R_FAMILY, R_FWMARK_KIND, R_PROTOCOL, R_PORT, R_FWMARK, R_ADDR, R_ADDR + 1, R_ADDR + 2, R_ADDR + 3 };
#define KEY_COUNT (sizeof KEY_WORDS / sizeof KEY_WORDS[0])

/* FNV-1a over the key's words, then murmur3's finalizer. A multiplication carries only upwards, so without the
 * finalizer the low bits that pick a slot saw only the low bits of each word: an IPv4 address is one word in network
 * byte order, and its last byte (what tells 10.1.b.c from 10.1.b.d) sits in the high bits. 10,000 such services
 * fell into a few long runs of the table, and probing them took 12 % of a whole `lvs-agentx snapshot` in the kernel
 * guest (perf). */
static uint32_t key_hash(const uint32_t *rec) {
  uint32_t h = 2166136261u;
  for (size_t k = 0; k < KEY_COUNT; k++) h = (h ^ rec[KEY_WORDS[k]]) * 16777619u;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static int same_key(const uint32_t *a, const uint32_t *b) {
  for (size_t k = 0; k < KEY_COUNT; k++) if (a[KEY_WORDS[k]] != b[KEY_WORDS[k]]) return 0;
  return 1;
}

/* Is the decoded service `index` a repeat of an earlier one? If not, it is remembered. -1 when out of memory. */
static int repeat_of_earlier(service_records_t *out, uint32_t index) {
  const uint32_t *words = out->words + SERVICE_HEADER_WORDS;
  if (2 * (out->seen_len + 1) > out->seen_cap) {
    size_t cap = out->seen_cap ? 2 * out->seen_cap : 1024;
    uint32_t *seen = calloc(cap, sizeof *seen);
    if (seen == NULL) return -1;
    for (size_t i = 0; i < out->seen_cap; i++) {
      uint32_t v = out->seen[i];
      if (v == 0) continue;
      size_t p = key_hash(words + (size_t) (v - 1) * SERVICE_RECORD_WORDS) & (cap - 1);
      while (seen[p] != 0) p = (p + 1) & (cap - 1);
      seen[p] = v;
    }
    free(out->seen);
    out->seen = seen;
    out->seen_cap = cap;
  }
  const uint32_t *rec = words + (size_t) index * SERVICE_RECORD_WORDS;
  size_t p = key_hash(rec) & (out->seen_cap - 1);
  for (; out->seen[p] != 0; p = (p + 1) & (out->seen_cap - 1)) {
    if (same_key(words + (size_t) (out->seen[p] - 1) * SERVICE_RECORD_WORDS, rec)) return 1;
  }
  out->seen[p] = index + 1;
  out->seen_len++;
  return 0;
}

typedef struct {
  service_records_t *out;
  const uint8_t *request;
  uint32_t count;
  uint32_t declined;
} service_walk_t;

/* nl_walk_dump()'s `each`: one record per message, decoded or declined. */
static int add_service(void *ctx, const uint8_t *message, size_t len) {
  service_walk_t *w = ctx;
  service_records_t *out = w->out;
  if (nl_grow((void **) &out->words, &out->words_cap, out->words_len + SERVICE_RECORD_WORDS, sizeof *out->words) ||
      nl_grow((void **) &out->stats, &out->stats_cap, out->stats_len + SERVICE_STAT_COUNT, sizeof *out->stats) ||
      nl_grow((void **) &out->requests, &out->requests_cap, out->requests_len + GET_DESTS_MAX, 1)) {
    return -1;
  }
  uint32_t *rec = out->words + out->words_len;
  uint64_t *stats = out->stats + out->stats_len;
  if (decode_service(message, len, rec, stats)) {
    int repeat = repeat_of_earlier(out, w->count);
    if (repeat < 0) return -1;
    if (repeat) {
      rec[R_DECODED] = 2;
    } else {
      rec[R_REQUEST] = (uint32_t) out->requests_len;
      memset(out->requests + out->requests_len, 0, GET_DESTS_MAX);
      out->requests_len += NLMSG_ALIGN(get_dests(out->requests + out->requests_len, w->request, rec));
    }
  } else {
    memset(rec, 0, SERVICE_RECORD_WORDS * sizeof *rec);
    memset(stats, 0, SERVICE_STAT_COUNT * sizeof *stats);
    w->declined++;
  }
  out->words_len += SERVICE_RECORD_WORDS;
  out->stats_len += SERVICE_STAT_COUNT;
  w->count++;
  return 1;
}

int service_records_decode(service_records_t *out, const uint8_t *request, const uint8_t *reply, size_t reply_len) {
  /* One dump per area: the records are indexed from the header on. */
  if (out->words_len != 0) return -1;
  if (nl_grow((void **) &out->words, &out->words_cap, SERVICE_HEADER_WORDS, sizeof *out->words)) return -1;
  out->words_len = SERVICE_HEADER_WORDS;
  service_walk_t w = { out, request, 0, 0 };
  int walked = nl_walk_dump(request, reply, reply_len, add_service, &w);
  if (walked < 0) return -1;
  if (walked == 0) {
    out->words_len = SERVICE_HEADER_WORDS;
    out->stats_len = 0;
    out->requests_len = 0;
    w.count = SERVICES_DECLINED;
    w.declined = 0;
  }
  out->words[0] = w.count;
  out->words[1] = w.declined;
  return 0;
}

void service_records_free(service_records_t *out) {
  free(out->words);
  free(out->stats);
  free(out->requests);
  free(out->seen);
  memset(out, 0, sizeof *out);
}
