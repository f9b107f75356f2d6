/**
 * Errors of the netlink layer. NetlinkDecodeError: the bytes do not follow the format (a bug on one side or
 * corruption; never retried silently). NetlinkError: the kernel answered a request with NLMSG_ERROR (or a
 * negative NLMSG_DONE status); `errno` is positive, `code` its name.
 */

export class NetlinkDecodeError extends Error {
  override readonly name = 'NetlinkDecodeError';
  constructor(
    /** Attribute or structure being read ("IPVS_DEST_ATTR_PORT", "nlmsghdr"). */
    readonly field: string,
    /** Byte offset of that attribute or structure within the decoded message or datagram. */
    readonly offset: number,
    reason: string,
  ) {
    super(`netlink: ${field} at offset ${offset}: ${reason}`);
  }
}

export class NetlinkError extends Error {
  override readonly name = 'NetlinkError';
  constructor(
    readonly errno: number,
    readonly code: string,
    /** Extended ack message (NLMSGERR_ATTR_MSG) when the kernel sent one. */
    readonly kernelMessage: string | undefined,
    context: string,
  ) {
    super(`netlink: ${context}: ${code} (${errnoDescription(errno)})${kernelMessage ? `: ${kernelMessage}` : ''}`);
  }
}

/**
 * Linux errno numbers (include/uapi/asm-generic/errno-base.h and errno.h; the same on x86, arm and most
 * architectures netlink runs on) that netlink and IPVS requests return.
 */
const ERRNO: ReadonlyMap<number, readonly [string, string]> = new Map([
  [1, ['EPERM', 'Operation not permitted']],
  [2, ['ENOENT', 'No such file or directory']],
  [3, ['ESRCH', 'No such process']],
  [4, ['EINTR', 'Interrupted system call']],
  [5, ['EIO', 'I/O error']],
  [6, ['ENXIO', 'No such device or address']],
  [7, ['E2BIG', 'Argument list too long']],
  [9, ['EBADF', 'Bad file number']],
  [11, ['EAGAIN', 'Try again']],
  [12, ['ENOMEM', 'Out of memory']],
  [13, ['EACCES', 'Permission denied']],
  [14, ['EFAULT', 'Bad address']],
  [16, ['EBUSY', 'Device or resource busy']],
  [17, ['EEXIST', 'File exists']],
  [19, ['ENODEV', 'No such device']],
  [22, ['EINVAL', 'Invalid argument']],
  [28, ['ENOSPC', 'No space left on device']],
  [34, ['ERANGE', 'Math result not representable']],
  [38, ['ENOSYS', 'Invalid system call number']],
  [71, ['EPROTO', 'Protocol error']],
  [90, ['EMSGSIZE', 'Message too long']],
  [92, ['ENOPROTOOPT', 'Protocol not available']],
  [93, ['EPROTONOSUPPORT', 'Protocol not supported']],
  [95, ['EOPNOTSUPP', 'Operation not supported']],
  [97, ['EAFNOSUPPORT', 'Address family not supported by protocol']],
  [98, ['EADDRINUSE', 'Address already in use']],
  [105, ['ENOBUFS', 'No buffer space available']],
  [110, ['ETIMEDOUT', 'Connection timed out']],
]);

export function errnoName(errno: number): string {
  return ERRNO.get(errno)?.[0] ?? `E#${errno}`;
}

function errnoDescription(errno: number): string {
  return ERRNO.get(errno)?.[1] ?? `errno ${errno}`;
}

/**
 * An errno from the system (socket(), bind(), sendmsg(), recvmsg()), as the netlink package's binding or our own
 * (batch.c) reports it, as a NetlinkError.
 */
export function systemError(err: unknown, context: string): NetlinkError {
  const obj = typeof err === 'object' && err !== null ? err : {};
  const errnoField = 'errno' in obj ? obj.errno : undefined;
  const codeField = 'code' in obj ? obj.code : undefined;
  const messageField = 'message' in obj ? obj.message : undefined;
  const errno = typeof errnoField === 'number' ? Math.abs(errnoField) : 5; /* EIO */
  const code = typeof codeField === 'string' ? codeField : errnoName(errno);
  return new NetlinkError(errno, code, typeof messageField === 'string' ? messageField : undefined, context);
}
