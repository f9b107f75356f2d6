/**
 * Netlink and generic netlink constants, named as in the kernel's UAPI headers
 * (include/uapi/linux/netlink.h, include/uapi/linux/genetlink.h).
 */

/** #define NETLINK_GENERIC 16 (netlink.h): the socket protocol. */
export const NETLINK_GENERIC = 16;

/** sizeof(struct nlmsghdr) = 16: { __u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags; __u32 nlmsg_seq; __u32 nlmsg_pid; } */
export const NLMSG_HDRLEN = 16;

/** GENL_HDRLEN = NLMSG_ALIGN(sizeof(struct genlmsghdr)) = 4: { __u8 cmd; __u8 version; __u16 reserved; } */
export const GENL_HDRLEN = 4;

/** sizeof(struct nlattr) = 4 (NLA_HDRLEN): { __u16 nla_len; __u16 nla_type; } */
export const NLA_HDRLEN = 4;

/** Control message types below NLMSG_MIN_TYPE (0x10). */
export const NLMSG = {
  /** #define NLMSG_NOOP 0x1: nothing. */
  NOOP: 0x1,
  /** #define NLMSG_ERROR 0x2: struct nlmsgerr; error 0 is an ACK. */
  ERROR: 0x2,
  /** #define NLMSG_DONE 0x3: end of a dump; payload int error. */
  DONE: 0x3,
  /** #define NLMSG_OVERRUN 0x4: data lost. */
  OVERRUN: 0x4,
} as const;

/** #define NLMSG_MIN_TYPE 0x10 */
export const NLMSG_MIN_TYPE = 0x10;

/** nlmsg_flags (netlink.h). */
export const NLM_F = {
  REQUEST: 0x01,
  /** Multipart message, terminated by NLMSG_DONE. */
  MULTI: 0x02,
  /** Reply with ack, with zero or error code. */
  ACK: 0x04,
  ECHO: 0x08,
  /** Dump was inconsistent due to sequence change. */
  DUMP_INTR: 0x10,
  DUMP_FILTERED: 0x20,
  ROOT: 0x100,
  MATCH: 0x200,
  ATOMIC: 0x400,
  /** NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH */
  DUMP: 0x300,
  /** On NLMSG_ERROR: the request was not echoed back (NLM_F_CAPPED). */
  CAPPED: 0x100,
  /** On NLMSG_ERROR: extended ack TLVs follow (NLM_F_ACK_TLVS). */
  ACK_TLVS: 0x200,
} as const;

/** enum nlmsgerr_attrs (netlink.h): TLVs after struct nlmsgerr when NLM_F_ACK_TLVS is set. */
export const NLMSGERR_ATTR = {
  MSG: 1,
  OFFS: 2,
  COOKIE: 3,
  POLICY: 4,
} as const;

/** #define NLA_F_NESTED (1 << 15), #define NLA_F_NET_BYTEORDER (1 << 14); NLA_TYPE_MASK is the rest. */
export const NLA_F_NESTED = 1 << 15;
export const NLA_F_NET_BYTEORDER = 1 << 14;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** #define GENL_ID_CTRL NLMSG_MIN_TYPE: the controller's fixed family id. */
export const GENL_ID_CTRL = 0x10;

/** enum { CTRL_CMD_UNSPEC, CTRL_CMD_NEWFAMILY, CTRL_CMD_DELFAMILY, CTRL_CMD_GETFAMILY, … } (genetlink.h) */
export const CTRL_CMD = {
  NEWFAMILY: 1,
  DELFAMILY: 2,
  GETFAMILY: 3,
} as const;

/** enum { CTRL_ATTR_UNSPEC, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, … } (genetlink.h) */
export const CTRL_ATTR = {
  FAMILY_ID: 1,
  FAMILY_NAME: 2,
  VERSION: 3,
  HDRSIZE: 4,
  MAXATTR: 5,
  OPS: 6,
  MCAST_GROUPS: 7,
  POLICY: 8,
  OP_POLICY: 9,
  OP: 10,
} as const;

/** Version field of requests to the controller (the kernel's ctrl family is version 2; any is accepted). */
export const CTRL_VERSION = 1;

/** #define GENL_NAMSIZ 16: family names are at most 15 characters plus NUL. */
export const GENL_NAMSIZ = 16;

/** Attribute names by number, for error messages: inverse of an `as const` table, with a prefix. */
export function attrNames(prefix: string, table: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  return new Map(Object.entries(table).map(([name, n]) => [n, `${prefix}${name}`]));
}
