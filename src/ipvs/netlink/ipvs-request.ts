import { parseAddress } from '../address.js';
import { protocolNumber } from '../protocol.js';
import type { Family, ServiceKey } from '../snapshot.js';
import { type ByteOrder, smallBytes, writeU16, writeU32 } from './bytes.js';
import { GENL_HDRLEN, NLA_HDRLEN, NLM_F, NLMSG_HDRLEN } from './constants.js';
import {
  FAMILY_NUMBER,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_GENL_VERSION,
  IPVS_SVC_ATTR,
  type IpvsCmd,
} from './ipvs-constants.js';
import { encodeGenlRequest } from './message.js';

/**
 * IPVS requests. The reading commands and how the kernel serves them (net/netfilter/ipvs/ip_vs_ctl.c,
 * ip_vs_genl_ops): GET_SERVICE, GET_INFO and GET_CONFIG have a .doit (one reply, then our ACK);
 * GET_SERVICE, GET_DEST and GET_DAEMON have a .dumpit (NLM_F_DUMP, multipart ending in NLMSG_DONE).
 * All of them need CAP_NET_ADMIN (GENL_ADMIN_PERM). Requests carry nlmsg_seq 0; the socket numbers them.
 */


function request(family: number, cmd: IpvsCmd, flags: number, attrs: Uint8Array, order: ByteOrder): Uint8Array {
  return encodeGenlRequest({ family, cmd, version: IPVS_GENL_VERSION, flags }, attrs, order);
}

const NONE = new Uint8Array(0);

/** IPVS_CMD_GET_SERVICE as a dump: every service of the socket's network namespace. */
export function buildGetServices(family: number, order: ByteOrder): Uint8Array {
  return request(family, IPVS_CMD.GET_SERVICE, NLM_F.REQUEST | NLM_F.DUMP, NONE, order);
}

/** Sizes of the selector's attributes, padding included. */
const ATTR_U16 = NLA_HDRLEN + 4;
const ATTR_U32 = NLA_HDRLEN + 4;
const ATTR_ADDR = NLA_HDRLEN + 16;

/**
 * IPVS_CMD_GET_DEST (dump only) for one service. The selector nest is what ip_vs_genl_parse_service() needs to
 * find the service: IPVS_SVC_ATTR_AF with IPVS_SVC_ATTR_FWMARK, or with PROTOCOL, ADDR and PORT.
 * A service that vanished meanwhile yields an empty dump, not an error.
 */
export function buildGetDests(family: number, key: ServiceKey, order: ByteOrder): Uint8Array {
  // One request per service, 10,000 of them for a big table: written field by field into a buffer of the known
  // size rather than through AttrBuilder (the bytes are the same; requests.test.ts compares them).
  const le = order === 'little';
  if (key.kind === 'fwmark') {
    const m = getDestsHeader(family, ATTR_U16 + ATTR_U32, le);
    const after = selectorFamily(m, SELECTOR_AT, key.family, le);
    writeU32(m, attrHeader(m, after, ATTR_U32, IPVS_SVC_ATTR.FWMARK, le), key.fwmark, le);
    return m;
  }
  const addr = selectorAddress(key);
  const m = getDestsHeader(family, ATTR_U16 + ATTR_U16 + ATTR_ADDR + ATTR_U16, le);
  let next = selectorFamily(m, SELECTOR_AT, key.family, le);
  writeU16(m, attrHeader(m, next, NLA_HDRLEN + 2, IPVS_SVC_ATTR.PROTOCOL, le), protocolNumber(key.protocol), le);
  next += ATTR_U16;
  // union nf_inet_addr: 16 bytes, an IPv4 address in the first 4 and zeros after it
  m.set(addr, attrHeader(m, next, ATTR_ADDR, IPVS_SVC_ATTR.ADDR, le));
  next += ATTR_ADDR;
  writeU16(m, attrHeader(m, next, NLA_HDRLEN + 2, IPVS_SVC_ATTR.PORT, le), key.port, false); // __be16
  return m;
}

/** Where the selector attributes start in a GET_DEST request: after nlmsghdr, genlmsghdr and the nest's nlattr. */
const SELECTOR_AT = NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN;

/**
 * A zeroed GET_DEST request with its struct nlmsghdr (nlmsg_seq and nlmsg_pid 0), struct genlmsghdr and the
 * IPVS_CMD_ATTR_SERVICE nest header written; the nest's `selector` bytes go at SELECTOR_AT.
 */
function getDestsHeader(family: number, selector: number, le: boolean): Uint8Array {
  const length = SELECTOR_AT + selector;
  const m = smallBytes(length);
  writeU32(m, 0, length, le);
  writeU16(m, 4, family, le);
  writeU16(m, 6, NLM_F.REQUEST | NLM_F.DUMP, le);
  m[NLMSG_HDRLEN] = IPVS_CMD.GET_DEST;
  m[NLMSG_HDRLEN + 1] = IPVS_GENL_VERSION;
  attrHeader(m, NLMSG_HDRLEN + GENL_HDRLEN, NLA_HDRLEN + selector, IPVS_CMD_ATTR.SERVICE, le);
  return m;
}

/** IPVS_SVC_ATTR_AF (u16 and its padding) at `at`; returns where the next attribute goes. */
function selectorFamily(m: Uint8Array, at: number, family: Family, le: boolean): number {
  writeU16(m, attrHeader(m, at, NLA_HDRLEN + 2, IPVS_SVC_ATTR.AF, le), FAMILY_NUMBER[family], le);
  return at + ATTR_U16;
}

/** struct nlattr at `at`; returns where its payload starts. */
function attrHeader(m: Uint8Array, at: number, length: number, type: number, le: boolean): number {
  writeU16(m, at, length, le);
  writeU16(m, at + 2, type, le);
  return at + NLA_HDRLEN;
}

/** The bytes of an address service's address, checked against its family (as serviceSelector() does). */
function selectorAddress(key: Extract<ServiceKey, { kind: 'addr' }>): Uint8Array {
  const v4 = key.family === 'inet' ? dottedQuad(key.address) : undefined;
  if (v4 !== undefined) return v4;
  const { family, bytes } = parseAddress(key.address);
  if (family !== key.family) {
    throw new RangeError(`ipvs: service key address ${key.address} is not of family ${key.family}`);
  }
  return bytes;
}

/**
 * A canonical dotted quad (what formatAddress() writes: four decimal octets, no leading zeros), or undefined for
 * anything else, which parseAddress() then judges. Keys come from the kernel's own dump, so this is the path taken.
 */
function dottedQuad(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e; /* '.' ends the last octet */
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return undefined; // a leading zero
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return undefined;
    } else if (c === 0x2e && digits > 0 && part < 4) {
      out[part++] = value;
      value = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  return part === 4 ? out : undefined;
}

/** IPVS_CMD_GET_INFO: version and connection table size (reply IPVS_CMD_SET_INFO). */
export function buildGetInfo(family: number, order: ByteOrder): Uint8Array {
  return request(family, IPVS_CMD.GET_INFO, NLM_F.REQUEST | NLM_F.ACK, NONE, order);
}

/** IPVS_CMD_GET_CONFIG: TCP, TCP FIN and UDP timeouts (reply IPVS_CMD_SET_CONFIG). */
export function buildGetConfig(family: number, order: ByteOrder): Uint8Array {
  return request(family, IPVS_CMD.GET_CONFIG, NLM_F.REQUEST | NLM_F.ACK, NONE, order);
}

/** IPVS_CMD_GET_DAEMON (dump only): one IPVS_CMD_NEW_DAEMON message per running sync daemon. */
export function buildGetDaemons(family: number, order: ByteOrder): Uint8Array {
  return request(family, IPVS_CMD.GET_DAEMON, NLM_F.REQUEST | NLM_F.DUMP, NONE, order);
}
