/**
 * The one error a kernel reader (netlink or ipvsadm) throws from read(): what failed, the errno name when the
 * kernel or the system gave one, and a hint a person can act on. The daemon logs it and keeps serving; the next
 * read tries again (a missing module or a missing capability is a recoverable state, not a crash).
 */
export class IpvsReadError extends Error {
  override readonly name = 'IpvsReadError';
  constructor(
    /** What was being done: "resolve family IPVS", "IPVS_CMD_GET_SERVICE", "ipvsadm -Ln --exact", … */
    readonly step: string,
    /** Errno name ("ENOENT", "EPERM", "ETIMEDOUT", …) when there is one. */
    readonly errno: string | undefined,
    /** What the user can do about it. */
    readonly hint: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`ipvs: ${step} failed${errno === undefined ? '' : ` (${errno})`}: ${detail} — ${hint}`, options);
  }
}

export const HINT_MODULE = 'IPVS kernel module not loaded: modprobe ip_vs';
export const HINT_CAPABILITY = 'needs CAP_NET_ADMIN: run as root or grant AmbientCapabilities=CAP_NET_ADMIN';
