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
 * The rules: the request's bytes are walked as ReplyCollector (reply.ts) walks them (nl_walk_dump() in nl-scan.c),
 * and every message of the dump is a real server, each as decodeDestFast() reads it, each once: a repeat of an
 * earlier one (family, address and port) is left out, as NetlinkSource's RealList leaves it out.
 */
#include "dest-records.h"

#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl-scan.h"

#define NONE 0xffffffffu

#define IPVS_CMD_NEW_DEST 5
#define IPVS_CMD_ATTR_DEST 2
enum {
  DEST_ADDR = 1, DEST_PORT, DEST_FWD_METHOD, DEST_WEIGHT, DEST_U_THRESH, DEST_L_THRESH, DEST_ACTIVE_CONNS,
  DEST_INACT_CONNS, DEST_PERSIST_CONNS, DEST_STATS, DEST_ADDR_FAMILY, DEST_STATS64, DEST_TUN_TYPE, DEST_TUN_PORT,
  DEST_TUN_FLAGS,
};
/* IP_VS_CONN_F_FWD_MASK; methods 0..4 are masq, local, tunnel, route, bypass. */
#define FWD_MASK 7
#define FWD_TUNNEL 2
#define TUN_GUE 1
#define TUN_GRE 2

/* One IPVS_CMD_NEW_DEST message as decodeDestFast() reads it, into rec and stats; 0 when that function declines. */
static int decode_dest(const uint8_t *m, size_t size, int service_family, uint32_t rec[DEST_RECORD_WORDS],
                       uint64_t stats[DEST_STAT_COUNT]) {
  int32_t at[SLOTS], len[SLOTS];
  if (!nl_scan_message_nest(m, size, IPVS_CMD_NEW_DEST, IPVS_CMD_ATTR_DEST, at, len)) return 0;

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
      tun_port = be16_at(m + at[DEST_TUN_PORT]);
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
  if (!nl_stats(m, at[DEST_STATS], len[DEST_STATS], at[DEST_STATS64], len[DEST_STATS64], stats)) return 0;

  rec[0] = (uint32_t) family;
  rec[1] = be16_at(m + at[DEST_PORT]); /* __be16 */
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

typedef struct {
  dest_records_t *out;
  int family;
  size_t first; /* where this request's records start (a word index) */
  uint32_t count;
} dest_walk_t;

/* Is the real server in rec one of the request's records already (the same family, address and port)? */
static int repeated(const dest_records_t *out, size_t first, const uint32_t *rec) {
  for (size_t w = first; w < out->words_len; w += DEST_RECORD_WORDS) {
    const uint32_t *r = out->words + w;
    if (r[1] == rec[1] && r[0] == rec[0] && memcmp(&r[12], &rec[12], 16) == 0) return 1;
  }
  return 0;
}

/* nl_walk_dump()'s `each`: one real server (a repeat of one already listed is skipped: a dump racing with changes
 * may list one twice, and NetlinkSource keeps the first), or the request is declined. */
static int add_dest(void *ctx, const uint8_t *message, size_t len) {
  dest_walk_t *w = ctx;
  dest_records_t *out = w->out;
  if (nl_grow((void **) &out->words, &out->words_cap, out->words_len + DEST_RECORD_WORDS, sizeof *out->words) ||
      nl_grow((void **) &out->stats, &out->stats_cap, out->stats_len + DEST_STAT_COUNT, sizeof *out->stats)) {
    return -1;
  }
  uint32_t *rec = out->words + out->words_len;
  if (!decode_dest(message, len, w->family, rec, out->stats + out->stats_len)) return 0;
  if (repeated(out, w->first, rec)) return 1;
  out->words_len += DEST_RECORD_WORDS;
  out->stats_len += DEST_STAT_COUNT;
  w->count++;
  return 1;
}

int dest_records_add(dest_records_t *out, const uint8_t *request, const uint8_t *reply, size_t reply_len, int family) {
  size_t count_at = out->words_len;
  size_t stats_start = out->stats_len;
  if (nl_grow((void **) &out->words, &out->words_cap, count_at + 1, sizeof *out->words)) return -1;
  out->words_len++;
  dest_walk_t w = { out, family, count_at + 1, 0 };
  int walked = nl_walk_dump(request, reply, reply_len, add_dest, &w);
  if (walked < 0) return -1;
  if (walked == 0) {
    out->words_len = count_at + 1;
    out->stats_len = stats_start;
    w.count = DEST_DECLINED;
    out->declined++;
  }
  out->words[count_at] = w.count;
  return 0;
}

void dest_records_free(dest_records_t *out) {
  free(out->words);
  free(out->stats);
  memset(out, 0, sizeof *out);
}
