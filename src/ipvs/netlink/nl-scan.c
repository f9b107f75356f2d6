/* nl-scan: see nl-scan.h. */
#include "nl-scan.h"

#include <linux/netlink.h>
#include <stdlib.h>

int nl_scan(const uint8_t *m, size_t from, size_t end, int32_t at[SLOTS], int32_t len[SLOTS]) {
  for (int i = 0; i < SLOTS; i++) at[i] = -1;
  size_t p = from;
  while (p < end) {
    if (end - p < NLA_HDRLEN) return 0;
    size_t l = u16_at(m + p);
    if (l < NLA_HDRLEN || l > end - p) return 0;
    unsigned type = u16_at(m + p + 2) & (uint16_t) NLA_TYPE_MASK;
    if (type < SLOTS) {
      at[type] = (int32_t) (p + NLA_HDRLEN);
      len[type] = (int32_t) (l - NLA_HDRLEN);
    }
    size_t next = p + ((l + 3) & ~(size_t) 3);
    p = next < end ? next : end;
  }
  return 1;
}

int nl_scan_message_nest(const uint8_t *m, size_t size, unsigned cmd, unsigned nest_type, int32_t at[SLOTS], int32_t len[SLOTS]) {
  if (size < NLMSG_HDRLEN + GENL_HDRLEN) return 0;
  size_t msg_len = u32_at(m);
  if (msg_len < NLMSG_HDRLEN + GENL_HDRLEN || msg_len > size || ((msg_len + 3) & ~(size_t) 3) < size) return 0;
  if (m[NLMSG_HDRLEN] != cmd) return 0;
  if (!nl_scan(m, NLMSG_HDRLEN + GENL_HDRLEN, msg_len, at, len)) return 0;
  if (at[nest_type] < 0) return 0;
  size_t nest = (size_t) at[nest_type];
  return nl_scan(m, nest, nest + (size_t) len[nest_type], at, len);
}

/* IPVS_STATS_ATTR_CONNS .. OUTBPS are 1..10, in the order of STAT (snapshot.ts). */
#define STATS_INBYTES 4
#define STATS_OUTBYTES 5

int nl_stats(const uint8_t *m, int32_t stats, int32_t stats_len, int32_t stats64, int32_t stats64_len, uint64_t out[10]) {
  int32_t sat[SLOTS], slen[SLOTS];
  int32_t s = stats64, s_len = stats64_len;
  int all64 = 1;
  if (s < 0) {
    s = stats;
    s_len = stats_len;
    all64 = 0;
  }
  if (s < 0) {
    memset(out, 0, 10 * sizeof *out);
    return 1;
  }
  if (!nl_scan(m, (size_t) s, (size_t) s + (size_t) s_len, sat, slen)) return 0;
  for (int i = 0; i < 10; i++) {
    int type = i + 1;
    int wide = all64 || type == STATS_INBYTES || type == STATS_OUTBYTES;
    if (sat[type] < 0 || slen[type] != (wide ? 8 : 4)) return 0;
    out[i] = wide ? u64_at(m + sat[type]) : u32_at(m + sat[type]);
  }
  return 1;
}

int nl_grow(void **buf, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return 0;
  size_t c = *cap ? *cap : 4096;
  while (c < need) c *= 2;
  void *p = realloc(*buf, c * size);
  if (p == NULL) return -1;
  *buf = p;
  *cap = c;
  return 0;
}

int nl_walk_dump(const uint8_t *request, const uint8_t *reply, size_t reply_len,
                 int (*each)(void *ctx, const uint8_t *message, size_t len), void *ctx) {
  struct nlmsghdr req;
  memcpy(&req, request, sizeof req);
  /* Only a dump is walked here: the end of any other request has rules of its own (reply.ts). */
  int ok = (req.nlmsg_flags & NLM_F_DUMP) != 0, done = 0;
  for (size_t at = 0; ok && at < reply_len;) {
    size_t left = reply_len - at;
    if (left < NLMSG_HDRLEN) return 0;
    struct nlmsghdr h;
    memcpy(&h, reply + at, sizeof h);
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left) return 0;
    if (!done && h.nlmsg_seq == req.nlmsg_seq && h.nlmsg_type != NLMSG_NOOP) {
      if (h.nlmsg_type == NLMSG_DONE) {
        int32_t status = 0;
        if (h.nlmsg_len - NLMSG_HDRLEN >= 4) memcpy(&status, reply + at + NLMSG_HDRLEN, 4);
        if (status < 0) return 0;
        done = 1;
      } else if (h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_OVERRUN) {
        return 0;
      } else {
        int r = each(ctx, reply + at, h.nlmsg_len);
        if (r <= 0) return r;
      }
    }
    size_t next = at + NLMSG_ALIGN(h.nlmsg_len);
    at = next < reply_len ? next : reply_len;
  }
  return ok && done;
}
