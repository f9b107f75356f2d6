import { addressLength, formatAddressAt } from '../address.js';
import { protocolOfNumber } from '../protocol.js';
import type { Family, ServiceKey } from '../snapshot.js';
import { scanMessageNest, scanTable, statsAt, u32At, viewOf } from './attr-scan.js';
import type { ByteOrder } from './bytes.js';
import { AF, IPVS_CMD, IPVS_CMD_ATTR, IPVS_SVC_ATTR } from './ipvs-constants.js';
import type { ServiceEntry } from './ipvs-service.js';

/**
 * The common case of an IPVS_CMD_NEW_SERVICE message, decoded straight from its bytes, as decodeDestFast() does for
 * real servers: a GET_SERVICE dump of 10,000 services went through AttrSet at an object per attribute and a bigint
 * per counter, and in the kernel guest that was a fifth of the main thread of `lvs-agentx snapshot`. Attributes
 * are found by offset (attr-scan.ts); the objects made are the entry, its key, the address and name texts and its
 * Stats window.
 *
 * It accepts exactly what the general decoder (decodeServiceNest, ipvs-service.ts) accepts and returns the same
 * value, or declines (undefined) so that the general decoder runs and says what is wrong; it also declines names
 * that are not short ASCII, which the general decoder reads as UTF-8. test/unit/ipvs/netlink/ipvs-service-fast holds
 * it to that over fixtures and mutated messages.
 */

const svc = scanTable();

/** Names up to this long are read here (scheduler and persistence engine names are a few letters). */
const NAME_MAX = 32;

/** The last name read and its bytes: consecutive services mostly share a scheduler, so the text is reused. */
let lastName = '';
const lastNameBytes = new Uint8Array(NAME_MAX);
let lastNameLength = 0;

/** The NUL-terminated string attribute `type` (text up to the first NUL) if short ASCII, else undefined. */
function nameAt(message: Uint8Array, type: number): string | undefined {
  const at = svc.at[type] as number;
  let length = svc.len[type] as number;
  for (let i = 0; i < length; i++) {
    if (message[at + i] === 0) {
      length = i;
      break;
    }
  }
  if (length > NAME_MAX) return undefined;
  let same = length === lastNameLength;
  for (let i = 0; i < length; i++) {
    const c = message[at + i] as number;
    if (c >= 0x80) return undefined;
    if (same && lastNameBytes[i] !== c) same = false;
  }
  if (same) return lastName;
  let text = '';
  for (let i = 0; i < length; i++) {
    const c = message[at + i] as number;
    text += String.fromCharCode(c);
    lastNameBytes[i] = c;
  }
  lastName = text;
  lastNameLength = length;
  return text;
}

export function decodeServiceFast(message: Uint8Array, order: ByteOrder): ServiceEntry | undefined {
  const little = order === 'little';
  const view = viewOf(message);
  const base = message.byteOffset;
  if (!scanMessageNest(view, message, little, IPVS_CMD.NEW_SERVICE, IPVS_CMD_ATTR.SERVICE, svc)) return undefined;
  const { at, len } = svc;

  const afAt = at[IPVS_SVC_ATTR.AF] as number;
  if (afAt < 0 || len[IPVS_SVC_ATTR.AF] !== 2) return undefined;
  const af = view.getUint16(base + afAt, little);
  let family: Family;
  if (af === AF.INET) family = 'inet';
  else if (af === AF.INET6) family = 'inet6';
  else return undefined;

  let key: ServiceKey;
  if ((at[IPVS_SVC_ATTR.FWMARK] as number) >= 0) {
    const fwmark = u32At(view, base, little, svc, IPVS_SVC_ATTR.FWMARK);
    if (fwmark < 0) return undefined;
    key = { kind: 'fwmark', family, fwmark };
  } else {
    const p = at[IPVS_SVC_ATTR.PROTOCOL] as number;
    if (p < 0 || len[IPVS_SVC_ATTR.PROTOCOL] !== 2) return undefined;
    const protocol = protocolOfNumber(view.getUint16(base + p, little));
    if (protocol === undefined) return undefined;
    const addrAt = at[IPVS_SVC_ATTR.ADDR] as number;
    const addrLen = len[IPVS_SVC_ATTR.ADDR] as number;
    if (addrAt < 0 || addrLen < addressLength(family)) return undefined;
    const portAt = at[IPVS_SVC_ATTR.PORT] as number;
    if (portAt < 0 || len[IPVS_SVC_ATTR.PORT] !== 2) return undefined;
    key = {
      kind: 'addr',
      family,
      protocol,
      address: formatAddressAt(family, message, addrAt, addrLen),
      port: view.getUint16(base + portAt, false),
    };
  }

  // struct ip_vs_flags { __u32 flags; __u32 mask; }: the flags are flags & mask.
  const flagsAt = at[IPVS_SVC_ATTR.FLAGS] as number;
  if (flagsAt < 0 || len[IPVS_SVC_ATTR.FLAGS] !== 8) return undefined;
  const flags = (view.getUint32(base + flagsAt, little) & view.getUint32(base + flagsAt + 4, little)) >>> 0;

  if ((at[IPVS_SVC_ATTR.SCHED_NAME] as number) < 0) return undefined;
  const scheduler = nameAt(message, IPVS_SVC_ATTR.SCHED_NAME);
  if (scheduler === undefined) return undefined;
  const timeout = u32At(view, base, little, svc, IPVS_SVC_ATTR.TIMEOUT);
  if (timeout < 0) return undefined;

  // IPVS_SVC_ATTR_NETMASK: an IPv4 mask in network order (its leading one bits), or an IPv6 prefix length.
  const maskAt = at[IPVS_SVC_ATTR.NETMASK] as number;
  if (maskAt < 0 || len[IPVS_SVC_ATTR.NETMASK] !== 4) return undefined;
  let netmaskPrefix: number;
  if (family === 'inet') netmaskPrefix = Math.clz32(~view.getUint32(base + maskAt, false));
  else {
    netmaskPrefix = view.getUint32(base + maskAt, little);
    if (netmaskPrefix > 128) return undefined;
  }

  let peName = '';
  if ((at[IPVS_SVC_ATTR.PE_NAME] as number) >= 0) {
    const pe = nameAt(message, IPVS_SVC_ATTR.PE_NAME);
    if (pe === undefined) return undefined;
    peName = pe;
  }
  const stats = statsAt(view, base, little, svc, IPVS_SVC_ATTR.STATS, IPVS_SVC_ATTR.STATS64);
  if (stats === undefined) return undefined;
  return { key, scheduler, flags, timeout, netmaskPrefix, peName, stats };
}
