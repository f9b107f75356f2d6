/*
 * netlink-batch: sends a list of netlink requests on one socket and receives every reply, one request after the
 * other, on a libuv worker thread; the JavaScript side (batch.ts) gets all replies back in one buffer and decodes
 * them with the same codecs as replies read through the `netlink` package (reply.ts, ipvs-*.ts).
 *
 * Why this exists: one read of 10,000 services is 10,000 GET_DEST dumps. Through the `netlink` package each dump is
 * a send, a poll turn, a peek and a read per datagram, and three calls into JavaScript with their microtask
 * checkpoints; in the kernel guest that made `lvs-agentx snapshot -s netlink` about twice as slow as ipvsadm. Here a
 * dump costs one send() and one recvfrom() per datagram, and the main thread only decodes.
 *
 * This file knows netlink framing only (struct nlmsghdr): when a request is complete (see completes()). It never interprets a
 * payload; what the kernel sent is checked by the JavaScript codecs, which see every byte received, except where
 * service-records.c and dest-records.c decoded GET_SERVICE and GET_DEST replies on this thread (fast paths that
 * leave anything unusual to them).
 *
 *   transact(protocol, requests, timeoutMs[, destFamilies]) -> Promise<Buffer | [Buffer, Buffer, Buffer]>
 *     protocol      netlink protocol of the socket (NETLINK_GENERIC = 16)
 *     requests      whole netlink messages back to back, each at a 4-byte aligned offset, with distinct nlmsg_seq
 *     timeoutMs     how long one recvfrom() may wait (SO_RCVTIMEO); when it passes, the batch fails with ETIMEDOUT
 *     destFamilies  optional, when every request is a GET_DEST dump: one AF_INET/AF_INET6 byte per request (its
 *                   service's family); the replies are then also decoded here (dest-records.c)
 *   The result holds, for each request in order, a 32-bit length in host byte order followed by that many bytes:
 *   every datagram the kernel (port 0) sent until the request was complete, back to back; with destFamilies it is
 *   the first of three Buffers, then the records and the stats of dest-records.ts, and a request whose reals the
 *   records hold has length 0 there (its bytes were decoded and dropped); the Buffer is empty when the records hold
 *   every request's reals: nothing is left to decode. Socket errors reject the
 *   promise with an Error carrying `errno` (positive) and `syscall`.
 *
 *   decodeDests(requests, replies, destFamilies) -> [Buffer, Buffer]: the records and stats for replies in the
 *   result's layout, synchronously and without a socket (tests, benchmarks).
 *
 *   dumpServices(protocol, request, timeoutMs) -> Promise<[Buffer, Buffer, Buffer, Buffer]>: transact() of the one
 *   GET_SERVICE dump request, whose replies are also decoded here (service-records.c): the replies, then the
 *   records, stats and GET_DEST requests of service-records.ts.
 *   decodeServices(request, replies) -> [Buffer, Buffer, Buffer]: those three from replies in the result's layout,
 *   synchronously (tests).
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "dest-records.h"
#include "service-records.h"

/* What one recvfrom() may return: dumps fill at most max(min_dump_alloc, 32 KiB) (net/netlink/af_netlink.c). */
#define RECV_SIZE 32768

/*
 * The buffer GET_DEST dumps are received with. netlink_dump() fills skbs of the largest size the socket was ever
 * read with (max_recvmsg_len, at most 32 KiB) and never less than NLMSG_GOODSIZE, a page less the skb overhead (an
 * 8 KiB one with larger pages); with init_on_alloc (Debian's kernels) every skb is zeroed as well. A service's dump is
 * mostly a few hundred bytes to a few KiB, so a 32 KiB buffer had the kernel allocate and clear 64 KiB per service
 * (order 4: 32 KiB and the skb's overhead), 10 % of a whole `lvs-agentx snapshot` at 10,000 services in the kernel
 * guest (perf). A page, or 8 KiB, is at least NLMSG_GOODSIZE on every page size, so every datagram fits, as it fits
 * ipvsadm (libnl reads a page). Should a kernel still send a larger one, that batch fails (EMSGSIZE: the read is
 * retried) and later ones use RECV_SIZE.
 */
static int dest_recv_widened; /* read and set with __atomic builtins: batches run on several worker threads */

static size_t dest_recv_size(void) {
  if (__atomic_load_n(&dest_recv_widened, __ATOMIC_RELAXED)) return RECV_SIZE;
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 && page < 8192 ? (size_t) page : 8192;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int protocol;
  int timeout_ms;
  uint8_t *requests;
  size_t requests_len;
  uint8_t *out;
  size_t out_len;
  size_t out_cap;
  uint8_t *families;    /* with decodeDests: one address family per request (GET_DEST dumps), else NULL */
  dest_records_t records;
  int services;         /* with dumpServices: the one request is the GET_SERVICE dump, decoded here too */
  service_records_t service_records;
  int error;            /* errno of the failed call, 0 when all went well */
  const char *syscall;  /* the call that failed */
} batch_t;

static int reserve(batch_t *b, size_t more) {
  if (b->out_cap - b->out_len >= more) return 0;
  size_t cap = b->out_cap ? b->out_cap : 65536;
  while (cap - b->out_len < more) cap *= 2;
  uint8_t *p = realloc(b->out, cap);
  if (p == NULL) return -1;
  b->out = p;
  b->out_cap = cap;
  return 0;
}

/* Does this datagram complete `request`? The rules of ReplyCollector (reply.ts): NLMSG_DONE, NLMSG_ERROR (an error,
 * or the ACK of NLM_F_ACK) and NLMSG_OVERRUN end any request; a reply without NLM_F_MULTI ends one that asked for
 * neither a dump nor an ACK. Malformed framing also ends it (the codecs then report it), so a broken reply never
 * leaves the thread waiting for more. */
static int completes(const uint8_t *datagram, size_t len, const struct nlmsghdr *request) {
  uint32_t seq = request->nlmsg_seq;
  int single = !(request->nlmsg_flags & (NLM_F_DUMP | NLM_F_ACK));
  size_t at = 0;
  while (len - at >= NLMSG_HDRLEN) {
    struct nlmsghdr h;
    memcpy(&h, datagram + at, sizeof h);
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - at) return 1;
    if (h.nlmsg_seq == seq) {
      if (h.nlmsg_type == NLMSG_DONE || h.nlmsg_type == NLMSG_ERROR || h.nlmsg_type == NLMSG_OVERRUN) return 1;
      if (single && h.nlmsg_type != NLMSG_NOOP && !(h.nlmsg_flags & NLM_F_MULTI)) return 1;
    }
    at += NLMSG_ALIGN(h.nlmsg_len);
  }
  return at < len; /* trailing bytes that are no header: malformed */
}

static void fail(batch_t *b, const char *syscall) {
  b->error = errno ? errno : EIO;
  b->syscall = syscall;
}

static void execute(napi_env env, void *data) {
  (void) env;
  batch_t *b = data;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, b->protocol);
  if (fd < 0) {
    fail(b, "socket");
    return;
  }
  struct sockaddr_nl local = { .nl_family = AF_NETLINK }; /* nl_pid 0: the kernel picks a free port */
  struct timeval tv = { .tv_sec = b->timeout_ms / 1000, .tv_usec = (b->timeout_ms % 1000) * 1000 };
  if (bind(fd, (struct sockaddr *) &local, sizeof local) < 0) {
    fail(b, "bind");
  } else if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0) {
    fail(b, "setsockopt(SO_RCVTIMEO)");
  }
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  const size_t recv_size = b->families != NULL ? dest_recv_size() : RECV_SIZE;
  for (size_t at = 0, index = 0; b->error == 0 && at < b->requests_len; index++) {
    struct nlmsghdr h;
    const uint8_t *request = b->requests + at;
    memcpy(&h, request, sizeof h);
    ssize_t sent;
    do sent = sendto(fd, b->requests + at, h.nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      fail(b, "sendto");
      break;
    }
    at += NLMSG_ALIGN(h.nlmsg_len);
    if (reserve(b, 4)) {
      errno = ENOMEM;
      fail(b, "realloc");
      break;
    }
    size_t length_at = b->out_len;
    b->out_len += 4;
    for (;;) {
      if (reserve(b, recv_size)) {
        errno = ENOMEM;
        fail(b, "realloc");
        break;
      }
      struct sockaddr_nl from;
      socklen_t from_len = sizeof from;
      ssize_t n;
      do n = recvfrom(fd, b->out + b->out_len, recv_size, MSG_TRUNC, (struct sockaddr *) &from, &from_len);
      while (n < 0 && errno == EINTR);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) errno = ETIMEDOUT;
        fail(b, "recvfrom");
        break;
      }
      if ((size_t) n > recv_size) {
        if (recv_size < RECV_SIZE) __atomic_store_n(&dest_recv_widened, 1, __ATOMIC_RELAXED);
        errno = EMSGSIZE;
        fail(b, "recvfrom");
        break;
      }
      if (from.nl_pid != 0) continue; /* not from the kernel */
      int done = completes(b->out + b->out_len, (size_t) n, &h);
      b->out_len += (size_t) n;
      if (done) break;
    }
    if (b->error != 0) break;
    uint32_t length = (uint32_t) (b->out_len - length_at - 4);
    memcpy(b->out + length_at, &length, 4);
    if (b->families != NULL) {
      size_t declined = b->records.declined;
      if (dest_records_add(&b->records, request, b->out + length_at + 4, length, b->families[index])) {
        errno = ENOMEM;
        fail(b, "realloc");
      } else if (b->records.declined == declined) {
        /* Decoded here: only a declined request's bytes are handed over, so this one's are dropped (length 0) and
         * the next request is received into the same memory. A batch's buffer stays a few pages instead of growing
         * to a MiB (256 services' dumps) of fresh pages, each a page fault, and a realloc copy per doubling. */
        uint32_t none = 0;
        memcpy(b->out + length_at, &none, 4);
        b->out_len = length_at + 4;
      }
    }
    if (b->services && service_records_decode(&b->service_records, request, b->out + length_at + 4, length)) {
      errno = ENOMEM;
      fail(b, "realloc");
    }
  }
  close(fd);
}

static void release(napi_env env, void *data, void *hint) {
  (void) env;
  (void) hint;
  free(data);
}

/* A Buffer over `data` (malloc'd, handed over: freed here or by the Buffer), or a copy where a runtime refuses
 * external buffers. NULL data (an empty area) becomes an empty Buffer. */
static napi_value handed_over(napi_env env, void *data, size_t len) {
  napi_value result;
  void *copy;
  if (data != NULL && napi_create_external_buffer(env, len, data, release, NULL, &result) == napi_ok) return result;
  napi_create_buffer_copy(env, len, data, &copy, &result);
  free(data);
  return result;
}

static void complete(napi_env env, napi_status status, void *data) {
  batch_t *b = data;
  napi_value result;
  if (status != napi_ok || b->error != 0) {
    int error = b->error ? b->error : ECANCELED;
    const char *syscall = b->error ? b->syscall : "uv_queue_work";
    napi_value message, errno_value, syscall_value;
    napi_create_string_utf8(env, strerror(error), NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &result);
    napi_create_int32(env, error, &errno_value);
    napi_set_named_property(env, result, "errno", errno_value);
    napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
    napi_set_named_property(env, result, "syscall", syscall_value);
    napi_reject_deferred(env, b->deferred, result);
    free(b->out);
    dest_records_free(&b->records);
    service_records_free(&b->service_records);
  } else if (b->services) {
    /* [replies, records, stats, requests]: see service-records.ts */
    service_records_t *r = &b->service_records;
    napi_create_array_with_length(env, 4, &result);
    napi_set_element(env, result, 0, handed_over(env, b->out, b->out_len));
    napi_set_element(env, result, 1, handed_over(env, r->words, r->words_len * sizeof(uint32_t)));
    napi_set_element(env, result, 2, handed_over(env, r->stats, r->stats_len * sizeof(uint64_t)));
    napi_set_element(env, result, 3, handed_over(env, r->requests, r->requests_len));
    napi_resolve_deferred(env, b->deferred, result);
  } else if (b->families == NULL) {
    napi_resolve_deferred(env, b->deferred, handed_over(env, b->out, b->out_len));
  } else {
    /* [replies, records, stats]: see dest-records.ts. The replies are only read for requests left to the
     * JavaScript decoders: when there are none they are freed here (an empty Buffer in their place), rather than
     * left to V8, which frees an external buffer only when it next collects the object holding it (in the kernel
     * guest, 60-90 MiB of them were waiting at 10,000 x 10). */
    if (b->records.declined == 0) {
      free(b->out);
      b->out = NULL;
      b->out_len = 0;
    }
    napi_create_array_with_length(env, 3, &result);
    napi_set_element(env, result, 0, handed_over(env, b->out, b->out_len));
    napi_set_element(env, result, 1, handed_over(env, b->records.words, b->records.words_len * sizeof(uint32_t)));
    napi_set_element(env, result, 2, handed_over(env, b->records.stats, b->records.stats_len * sizeof(uint64_t)));
    napi_resolve_deferred(env, b->deferred, result);
  }
  napi_delete_async_work(env, b->work);
  free(b->requests);
  free(b->families);
  free(b);
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

/* The bytes of a Uint8Array argument, or NULL (after throwing a TypeError naming `what`). */
static const uint8_t *bytes_of(napi_env env, napi_value value, size_t *length, const char *what) {
  bool is_typed;
  napi_typedarray_type type;
  void *bytes;
  napi_value buffer;
  size_t offset;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &bytes, &buffer, &offset) != napi_ok || type != napi_uint8_array) {
    throw_type(env, what);
    return NULL;
  }
  return bytes ? bytes : (const uint8_t *) "";
}

/* How many whole netlink messages `bytes` holds back to back (4-byte aligned), or -1 when it is not only that. */
static long count_messages(const uint8_t *bytes, size_t length) {
  long n = 0;
  for (size_t at = 0; at < length; n++) {
    struct nlmsghdr h;
    if (length - at < NLMSG_HDRLEN) return -1;
    memcpy(&h, bytes + at, sizeof h);
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > length - at) return -1;
    at += NLMSG_ALIGN(h.nlmsg_len);
  }
  return n;
}

/* The optional families argument: NULL when absent, else a copy of one AF_INET/AF_INET6 byte per request. */
static int families_of(napi_env env, napi_value value, long requests, uint8_t **out, const char *what) {
  napi_valuetype kind;
  *out = NULL;
  if (napi_typeof(env, value, &kind) != napi_ok || kind == napi_undefined) return 0;
  size_t length;
  const uint8_t *families = bytes_of(env, value, &length, what);
  if (families == NULL) return -1;
  if ((long) length != requests) {
    throw_type(env, what);
    return -1;
  }
  if ((*out = malloc(length ? length : 1)) == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return -1;
  }
  memcpy(*out, families, length);
  return 0;
}

/* Queues the work of transact() or dumpServices() on `length` bytes of requests; the promise, or NULL after throwing. */
static napi_value queue(napi_env env, int32_t protocol, const uint8_t *bytes, size_t length, int32_t timeout_ms,
                        uint8_t *families, int services) {
  batch_t *b = calloc(1, sizeof *b);
  if (b == NULL || (b->requests = malloc(length ? length : 1)) == NULL) {
    free(b);
    free(families);
    napi_throw_error(env, "ENOMEM", "transact: out of memory");
    return NULL;
  }
  memcpy(b->requests, bytes, length);
  b->requests_len = length;
  b->protocol = protocol;
  b->timeout_ms = timeout_ms;
  b->families = families;
  b->services = services;

  napi_value promise, name;
  napi_create_promise(env, &b->deferred, &promise);
  napi_create_string_utf8(env, "lvs-agentx:netlink-batch", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, b, &b->work);
  if (napi_queue_async_work(env, b->work) != napi_ok) {
    napi_delete_async_work(env, b->work);
    free(b->requests);
    free(b->families);
    free(b);
    napi_throw_error(env, NULL, "transact: cannot queue the work");
    return NULL;
  }
  return promise;
}

/* The protocol and timeout arguments of transact() and dumpServices(); 0 after throwing. */
static int protocol_and_timeout(napi_env env, napi_value protocol_value, napi_value timeout_value, int32_t *protocol,
                                int32_t *timeout_ms, const char *fn) {
  char message[96];
  if (napi_get_value_int32(env, protocol_value, protocol) != napi_ok || *protocol < 0) {
    snprintf(message, sizeof message, "%s: protocol must be a netlink protocol number", fn);
    throw_type(env, message);
    return 0;
  }
  if (napi_get_value_int32(env, timeout_value, timeout_ms) != napi_ok || *timeout_ms < 1) {
    snprintf(message, sizeof message, "%s: timeoutMs must be a positive number", fn);
    throw_type(env, message);
    return 0;
  }
  return 1;
}

static napi_value transact(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    return throw_type(env, "transact(protocol, requests, timeoutMs[, destFamilies]): three or four arguments expected");
  }
  if (argc == 3) napi_get_undefined(env, &argv[3]);
  int32_t protocol, timeout_ms;
  if (!protocol_and_timeout(env, argv[0], argv[2], &protocol, &timeout_ms, "transact")) return NULL;
  size_t length;
  const uint8_t *bytes = bytes_of(env, argv[1], &length, "transact: requests must be a Uint8Array");
  if (bytes == NULL) return NULL;
  long count = count_messages(bytes, length);
  if (count < 0) return throw_type(env, "transact: requests must be whole netlink messages: a header or nlmsg_len does not fit the bytes given");
  uint8_t *families;
  if (families_of(env, argv[3], count, &families, "transact: destFamilies must be a Uint8Array of one address family per request")) {
    return NULL;
  }
  return queue(env, protocol, bytes, length, timeout_ms, families, 0);
}

/*
 * dumpServices(protocol, request, timeoutMs) -> Promise<[replies, records, stats, requests]>: transact() of the one
 * GET_SERVICE dump request, whose replies are also decoded here (service-records.c).
 */
static napi_value dump_services(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) {
    return throw_type(env, "dumpServices(protocol, request, timeoutMs): three arguments expected");
  }
  int32_t protocol, timeout_ms;
  if (!protocol_and_timeout(env, argv[0], argv[2], &protocol, &timeout_ms, "dumpServices")) return NULL;
  size_t length;
  const uint8_t *bytes = bytes_of(env, argv[1], &length, "dumpServices: request must be a Uint8Array");
  if (bytes == NULL) return NULL;
  if (count_messages(bytes, length) != 1) return throw_type(env, "dumpServices: request must be one whole netlink message");
  return queue(env, protocol, bytes, length, timeout_ms, NULL, 1);
}

/*
 * decodeDests(requests, replies, destFamilies) -> [records, stats]: what transact() with destFamilies adds to its
 * result, from bytes in its result's layout, synchronously and without a socket (for tests: the decoder alone).
 */
static napi_value decode_dests(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) {
    return throw_type(env, "decodeDests(requests, replies, destFamilies): three arguments expected");
  }
  size_t length, replies_len;
  const uint8_t *requests = bytes_of(env, argv[0], &length, "decodeDests: requests must be a Uint8Array");
  if (requests == NULL) return NULL;
  const uint8_t *replies = bytes_of(env, argv[1], &replies_len, "decodeDests: replies must be a Uint8Array");
  if (replies == NULL) return NULL;
  long count = count_messages(requests, length);
  if (count < 0) return throw_type(env, "decodeDests: requests must be whole netlink messages");
  uint8_t *families;
  if (families_of(env, argv[2], count, &families, "decodeDests: destFamilies must be a Uint8Array of one address family per request")) {
    return NULL;
  }
  if (families == NULL) return throw_type(env, "decodeDests: destFamilies must be a Uint8Array of one address family per request");
  dest_records_t records = { 0 };
  size_t at = 0, r = 0;
  int failed = 0;
  for (long i = 0; i < count && !failed; i++) {
    struct nlmsghdr h;
    memcpy(&h, requests + at, sizeof h);
    uint32_t n;
    if (replies_len - r < 4) {
      failed = 1;
      break;
    }
    memcpy(&n, replies + r, 4);
    if (n > replies_len - r - 4) {
      failed = 1;
      break;
    }
    if (dest_records_add(&records, requests + at, replies + r + 4, n, families[i])) failed = 2;
    r += 4 + n;
    at += NLMSG_ALIGN(h.nlmsg_len);
  }
  free(families);
  if (failed) {
    dest_records_free(&records);
    if (failed == 2) napi_throw_error(env, "ENOMEM", "decodeDests: out of memory");
    else throw_type(env, "decodeDests: replies must hold a 32-bit length and that many bytes per request");
    return NULL;
  }
  napi_value result;
  napi_create_array_with_length(env, 2, &result);
  napi_set_element(env, result, 0, handed_over(env, records.words, records.words_len * sizeof(uint32_t)));
  napi_set_element(env, result, 1, handed_over(env, records.stats, records.stats_len * sizeof(uint64_t)));
  return result;
}

/*
 * decodeServices(request, replies) -> [records, stats, requests]: what dumpServices() adds to its result, from the
 * bytes received for the request in its result's layout (a 32-bit length, then the bytes), synchronously.
 */
static napi_value decode_services(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    return throw_type(env, "decodeServices(request, replies): two arguments expected");
  }
  size_t length, replies_len;
  const uint8_t *request = bytes_of(env, argv[0], &length, "decodeServices: request must be a Uint8Array");
  if (request == NULL) return NULL;
  const uint8_t *replies = bytes_of(env, argv[1], &replies_len, "decodeServices: replies must be a Uint8Array");
  if (replies == NULL) return NULL;
  if (count_messages(request, length) != 1) return throw_type(env, "decodeServices: request must be one whole netlink message");
  uint32_t n;
  if (replies_len < 4 || (memcpy(&n, replies, 4), n > replies_len - 4)) {
    return throw_type(env, "decodeServices: replies must hold a 32-bit length and that many bytes");
  }
  service_records_t records = { 0 };
  if (service_records_decode(&records, request, replies + 4, n)) {
    service_records_free(&records);
    napi_throw_error(env, "ENOMEM", "decodeServices: out of memory");
    return NULL;
  }
  napi_value result;
  napi_create_array_with_length(env, 3, &result);
  napi_set_element(env, result, 0, handed_over(env, records.words, records.words_len * sizeof(uint32_t)));
  napi_set_element(env, result, 1, handed_over(env, records.stats, records.stats_len * sizeof(uint64_t)));
  napi_set_element(env, result, 2, handed_over(env, records.requests, records.requests_len));
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "transact", NAPI_AUTO_LENGTH, transact, NULL, &fn);
  napi_set_named_property(env, exports, "transact", fn);
  napi_create_function(env, "decodeDests", NAPI_AUTO_LENGTH, decode_dests, NULL, &fn);
  napi_set_named_property(env, exports, "decodeDests", fn);
  napi_create_function(env, "dumpServices", NAPI_AUTO_LENGTH, dump_services, NULL, &fn);
  napi_set_named_property(env, exports, "dumpServices", fn);
  napi_create_function(env, "decodeServices", NAPI_AUTO_LENGTH, decode_services, NULL, &fn);
  napi_set_named_property(env, exports, "decodeServices", fn);
  return exports;
}
