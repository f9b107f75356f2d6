/*
 * dest-records: decodes the replies of one GET_DEST dump into fixed-size records, on the worker thread that received
 * them (batch.c), so that the main thread only turns records into objects (dest-records.ts).
 *
 * Why in C: at 10,000 services x 10 reals a read is 100,000 IPVS_CMD_NEW_DEST messages; in the kernel guest their
 * framing and decoding (ReplyCollector, decodeDestFast) were a quarter of `lvs-agentx snapshot`'s main thread, which
 * is the whole command's critical path while the worker thread waits. Here they cost the thread that waits anyway.
 *
 * It is a fast path with the contract of decodeDestFast() (ipvs-dest-fast.ts): a request is decoded here only when
 * every one of its replies is exactly what the JavaScript path would accept, and then the records hold exactly what
 * that path would return; anything else (an error, NLMSG_ERROR, a reply the fast decoder declines, framing it would
 * refuse) is declined as a whole, and the JavaScript path decodes that request's bytes, which it is given as well,
 * and says precisely what is wrong. test/unit/ipvs/netlink/dest-records.test.ts holds the two to that, over fixtures
 * and mutated messages. Messages are in host byte order (netlink is); the JavaScript decoders also read others.
 *
 * The rules, as ReplyCollector (reply.ts) applies them to the request's bytes taken as one run of messages:
 * every message must have a whole header and an nlmsg_len within the bytes left (to the end, also after the verdict);
 * messages with another nlmsg_seq are skipped; NLMSG_NOOP is skipped; NLMSG_DONE (status >= 0) ends the dump;
 * every other message of the dump until then is a real server. Each real server as decodeDestFast() reads it.
 */
#include "dest-records.h"

#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define GENL_HDRLEN 4
#define NLA_HDR NLA_HDRLEN
#define SLOTS 16
#define NONE 0xffffffffu

#define IPVS_CMD_NEW_DEST 5
#define IPVS_CMD_ATTR_DEST 2
enum {
  DEST_ADDR = 1, DEST_PORT, DEST_FWD_METHOD, DEST_WEIGHT, DEST_U_THRESH, DEST_L_THRESH, DEST_ACTIVE_CONNS,
  DEST_INACT_CONNS, DEST_PERSIST_CONNS, DEST_STATS, DEST_ADDR_FAMILY, DEST_STATS64, DEST_TUN_TYPE, DEST_TUN_PORT,
  DEST_TUN_FLAGS,
};
/* IPVS_STATS_ATTR_CONNS .. OUTBPS are 1..10, in the order of STAT (snapshot.ts); INBYTES and OUTBYTES are u64 in
 * the 32-bit STATS nest too. */
#define STATS_INBYTES 4
#define STATS_OUTBYTES 5
/* IP_VS_CONN_F_FWD_MASK; methods 0..4 are masq, local, tunnel, route, bypass. */
#define FWD_MASK 7
#define FWD_TUNNEL 2
#define TUN_GUE 1
#define TUN_GRE 2

static uint16_t u16_at(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t u32_at(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64_at(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* scan() of ipvs-dest-fast.ts: where each attribute of m[from, end) starts and how long it is, a later one of a type
 * replacing an earlier; 0 when the area does not split into whole attributes. */
static int scan(const uint8_t *m, size_t from, size_t end, int32_t at[SLOTS], int32_t len[SLOTS]) {
  for (int i = 0; i < SLOTS; i++) at[i] = -1;
  size_t p = from;
  while (p < end) {
    if (end - p < NLA_HDR) return 0;
    size_t l = u16_at(m + p);
    if (l < NLA_HDR || l > end - p) return 0;
    unsigned type = u16_at(m + p + 2) & (uint16_t) NLA_TYPE_MASK;
    if (type < SLOTS) {
      at[type] = (int32_t) (p + NLA_HDR);
      len[type] = (int32_t) (l - NLA_HDR);
    }
    size_t next = p + ((l + 3) & ~(size_t) 3);
    p = next < end ? next : end;
  }
  return 1;
}

static int grow(void **buf, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 4096;
  while (c < need) c *= 2;
  void *p = realloc(*buf, c * size);
  if (p == NULL) return -1;
  *buf = p;
  *cap = c;
  return 0;
}

/* One IPVS_CMD_NEW_DEST message as decodeDestFast() reads it, into rec and stats; 0 when that function declines. */
static int decode_dest(const uint8_t *m, size_t size, int service_family, uint32_t rec[DEST_RECORD_WORDS],
                       uint64_t stats[DEST_STAT_COUNT]) {
  int32_t at[SLOTS], len[SLOTS], sat[SLOTS], slen[SLOTS];
  if (size < NLMSG_HDRLEN + GENL_HDRLEN) return 0;
  size_t msg_len = u32_at(m);
  if (msg_len < NLMSG_HDRLEN + GENL_HDRLEN || msg_len > size || ((msg_len + 3) & ~(size_t) 3) < size) return 0;
  if (m[NLMSG_HDRLEN] != IPVS_CMD_NEW_DEST) return 0;
  if (!scan(m, NLMSG_HDRLEN + GENL_HDRLEN, msg_len, at, len)) return 0;
  if (at[IPVS_CMD_ATTR_DEST] < 0) return 0;
  size_t nest = (size_t) at[IPVS_CMD_ATTR_DEST];
  if (!scan(m, nest, nest + (size_t) len[IPVS_CMD_ATTR_DEST], at, len)) return 0;

  int family = service_family;
  if (at[DEST_ADDR_FAMILY] >= 0) {
    if (len[DEST_ADDR_FAMILY] != 2) return 0;
    family = u16_at(m + at[DEST_ADDR_FAMILY]);
    if (family != AF_INET && family != AF_INET6) return 0;
  }
#define U32_OR_DECLINE(type, dst)                       \
  do {                                                  \
    if (at[type] < 0 || len[type] != 4) return 0;       \
    dst = u32_at(m + at[type]);                         \
  } while (0)
  uint32_t fwd;
  U32_OR_DECLINE(DEST_FWD_METHOD, fwd);
  if ((fwd & FWD_MASK) > 4) return 0;

  uint32_t tun_type = NONE, tun_port = NONE, tun_flags = NONE;
  if ((fwd & FWD_MASK) == FWD_TUNNEL) {
    if (at[DEST_TUN_TYPE] >= 0) {
      if (len[DEST_TUN_TYPE] != 1) return 0;
      if (m[at[DEST_TUN_TYPE]] <= TUN_GRE) tun_type = m[at[DEST_TUN_TYPE]]; /* else no known type: none */
    }
    if (tun_type == TUN_GUE && at[DEST_TUN_PORT] >= 0) {
      if (len[DEST_TUN_PORT] != 2) return 0;
      tun_port = (uint32_t) (m[at[DEST_TUN_PORT]] << 8 | m[at[DEST_TUN_PORT] + 1]); /* __be16 */
    }
    if ((tun_type == TUN_GUE || tun_type == TUN_GRE) && at[DEST_TUN_FLAGS] >= 0) {
      if (len[DEST_TUN_FLAGS] != 2) return 0;
      tun_flags = u16_at(m + at[DEST_TUN_FLAGS]);
    }
  }

  size_t need = family == AF_INET ? 4 : 16;
  if (at[DEST_ADDR] < 0 || (size_t) len[DEST_ADDR] < need) return 0;
  if (at[DEST_PORT] < 0 || len[DEST_PORT] != 2) return 0;
  uint32_t weight, upper, lower, active, inactive, persistent;
  U32_OR_DECLINE(DEST_WEIGHT, weight);
  U32_OR_DECLINE(DEST_U_THRESH, upper);
  U32_OR_DECLINE(DEST_L_THRESH, lower);
  U32_OR_DECLINE(DEST_ACTIVE_CONNS, active);
  U32_OR_DECLINE(DEST_INACT_CONNS, inactive);
  U32_OR_DECLINE(DEST_PERSIST_CONNS, persistent);
#undef U32_OR_DECLINE

  /* STATS64, else STATS (u32 counters widened), else zeros: decodeStatsFast(). */
  int32_t s = at[DEST_STATS64], s_len = len[DEST_STATS64];
  int all64 = 1;
  if (s < 0) {
    s = at[DEST_STATS];
    s_len = len[DEST_STATS];
    all64 = 0;
  }
  if (s < 0) {
    memset(stats, 0, DEST_STAT_COUNT * sizeof *stats);
  } else {
    if (!scan(m, (size_t) s, (size_t) s + (size_t) s_len, sat, slen)) return 0;
    for (int i = 0; i < DEST_STAT_COUNT; i++) {
      int type = i + 1;
      int wide = all64 || type == STATS_INBYTES || type == STATS_OUTBYTES;
      if (sat[type] < 0 || slen[type] != (wide ? 8 : 4)) return 0;
      stats[i] = wide ? u64_at(m + sat[type]) : u32_at(m + sat[type]);
    }
  }

  rec[0] = (uint32_t) family;
  rec[1] = (uint32_t) (m[at[DEST_PORT]] << 8 | m[at[DEST_PORT] + 1]); /* __be16 */
  rec[2] = fwd & FWD_MASK;
  rec[3] = weight;
  rec[4] = upper;
  rec[5] = lower;
  rec[6] = active;
  rec[7] = inactive;
  rec[8] = persistent;
  rec[9] = tun_type;
  rec[10] = tun_port;
  rec[11] = tun_flags;
  memset(&rec[12], 0, 16);
  memcpy(&rec[12], m + at[DEST_ADDR], need);
  return 1;
}

int dest_records_add(dest_records_t *out, const uint8_t *request, const uint8_t *reply, size_t reply_len, int family) {
  struct nlmsghdr req;
  memcpy(&req, request, sizeof req);
  size_t count_at = out->words_len;
  size_t stats_start = out->stats_len;
  if (grow((void **) &out->words, &out->words_cap, count_at + 1, sizeof *out->words)) return -1;
  out->words_len++;
  uint32_t count = 0;
  /* Only a dump is decoded here: the end of any other request has rules of its own (reply.ts). */
  int ok = (req.nlmsg_flags & NLM_F_DUMP) != 0, done = 0;
  for (size_t at = 0; ok && at < reply_len;) {
    size_t left = reply_len - at;
    if (left < NLMSG_HDRLEN) { ok = 0; break; }
    struct nlmsghdr h;
    memcpy(&h, reply + at, sizeof h);
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left) { ok = 0; break; }
    if (!done && h.nlmsg_seq == req.nlmsg_seq && h.nlmsg_type != NLMSG_NOOP) {
      if (h.nlmsg_type == NLMSG_DONE) {
        int32_t status = 0;
        if (h.nlmsg_len - NLMSG_HDRLEN >= 4) memcpy(&status, reply + at + NLMSG_HDRLEN, 4);
        if (status < 0) ok = 0;
        done = 1;
      } else if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_OVERRUN) {
        ok = 0;
      } else {
        if (grow((void **) &out->words, &out->words_cap, out->words_len + DEST_RECORD_WORDS, sizeof *out->words) ||
            grow((void **) &out->stats, &out->stats_cap, out->stats_len + DEST_STAT_COUNT, sizeof *out->stats)) {
          return -1;
        }
        if (!decode_dest(reply + at, h.nlmsg_len, family, out->words + out->words_len, out->stats + out->stats_len)) {
          ok = 0;
          break;
        }
        out->words_len += DEST_RECORD_WORDS;
        out->stats_len += DEST_STAT_COUNT;
        count++;
      }
    }
    size_t next = at + NLMSG_ALIGN(h.nlmsg_len);
    at = next < reply_len ? next : reply_len;
  }
  if (!ok || !done) {
    out->words_len = count_at + 1;
    out->stats_len = stats_start;
    count = DEST_DECLINED;
  }
  out->words[count_at] = count;
  return 0;
}

void dest_records_free(dest_records_t *out) {
  free(out->words);
  free(out->stats);
  memset(out, 0, sizeof *out);
}
