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
 * payload; every check of what the kernel sent is left to the JavaScript codecs, which see every byte received.
 *
 *   transact(protocol, requests, timeoutMs) -> Promise<Buffer>
 *     protocol   netlink protocol of the socket (NETLINK_GENERIC = 16)
 *     requests   whole netlink messages back to back, each at a 4-byte aligned offset, with distinct nlmsg_seq
 *     timeoutMs  how long one recvfrom() may wait (SO_RCVTIMEO); when it passes, the batch fails with ETIMEDOUT
 *   The result holds, for each request in order, a 32-bit length in host byte order followed by that many bytes:
 *   every datagram the kernel (port 0) sent until the request was complete, back to back. Socket errors reject the
 *   promise with an Error carrying `errno` (positive) and `syscall`.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netlink.h>

/* What one recvfrom() may return: dumps fill at most max(min_dump_alloc, 32 KiB) (net/netlink/af_netlink.c). */
#define RECV_SIZE 32768

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
  for (size_t at = 0; b->error == 0 && at < b->requests_len;) {
    struct nlmsghdr h;
    memcpy(&h, b->requests + at, sizeof h);
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
      if (reserve(b, RECV_SIZE)) {
        errno = ENOMEM;
        fail(b, "realloc");
        break;
      }
      struct sockaddr_nl from;
      socklen_t from_len = sizeof from;
      ssize_t n;
      do n = recvfrom(fd, b->out + b->out_len, RECV_SIZE, MSG_TRUNC, (struct sockaddr *) &from, &from_len);
      while (n < 0 && errno == EINTR);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) errno = ETIMEDOUT;
        fail(b, "recvfrom");
        break;
      }
      if (n > RECV_SIZE) {
        errno = EMSGSIZE;
        fail(b, "recvfrom");
        break;
      }
      if (from.nl_pid != 0) continue; /* not from the kernel */
      int done = completes(b->out + b->out_len, (size_t) n, &h);
      b->out_len += (size_t) n;
      if (done) break;
    }
    uint32_t length = (uint32_t) (b->out_len - length_at - 4);
    memcpy(b->out + length_at, &length, 4);
  }
  close(fd);
}

static void release(napi_env env, void *data, void *hint) {
  (void) env;
  (void) hint;
  free(data);
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
  } else if (napi_create_external_buffer(env, b->out_len, b->out, release, NULL, &result) == napi_ok) {
    napi_resolve_deferred(env, b->deferred, result);
  } else {
    /* runtimes that refuse external buffers get a copy */
    void *copy;
    napi_create_buffer_copy(env, b->out_len, b->out, &copy, &result);
    free(b->out);
    napi_resolve_deferred(env, b->deferred, result);
  }
  napi_delete_async_work(env, b->work);
  free(b->requests);
  free(b);
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value transact(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3) {
    return throw_type(env, "transact(protocol, requests, timeoutMs): three arguments expected");
  }
  int32_t protocol, timeout_ms;
  if (napi_get_value_int32(env, argv[0], &protocol) != napi_ok || protocol < 0) {
    return throw_type(env, "transact: protocol must be a netlink protocol number");
  }
  if (napi_get_value_int32(env, argv[2], &timeout_ms) != napi_ok || timeout_ms < 1) {
    return throw_type(env, "transact: timeoutMs must be a positive number");
  }
  bool is_typed;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (!is_typed) return throw_type(env, "transact: requests must be a Uint8Array");
  napi_typedarray_type type;
  size_t length, offset;
  void *bytes;
  napi_value buffer;
  napi_get_typedarray_info(env, argv[1], &type, &length, &bytes, &buffer, &offset);
  if (type != napi_uint8_array) return throw_type(env, "transact: requests must be a Uint8Array");
  for (size_t at = 0; at < length;) {
    struct nlmsghdr h;
    if (length - at < NLMSG_HDRLEN) return throw_type(env, "transact: requests end inside a netlink header");
    memcpy(&h, (uint8_t *) bytes + at, sizeof h);
    if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > length - at) {
      return throw_type(env, "transact: a request's nlmsg_len does not fit the bytes given");
    }
    at += NLMSG_ALIGN(h.nlmsg_len);
  }

  batch_t *b = calloc(1, sizeof *b);
  if (b == NULL || (b->requests = malloc(length ? length : 1)) == NULL) {
    free(b);
    napi_throw_error(env, "ENOMEM", "transact: out of memory");
    return NULL;
  }
  memcpy(b->requests, bytes, length);
  b->requests_len = length;
  b->protocol = protocol;
  b->timeout_ms = timeout_ms;

  napi_value promise, name;
  napi_create_promise(env, &b->deferred, &promise);
  napi_create_string_utf8(env, "lvs-agentx:netlink-batch", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, b, &b->work);
  if (napi_queue_async_work(env, b->work) != napi_ok) {
    napi_delete_async_work(env, b->work);
    free(b->requests);
    free(b);
    napi_throw_error(env, NULL, "transact: cannot queue the work");
    return NULL;
  }
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "transact", NAPI_AUTO_LENGTH, transact, NULL, &fn);
  napi_set_named_property(env, exports, "transact", fn);
  return exports;
}
