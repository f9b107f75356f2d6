import { parseAddress } from '../address.js';
import type { Family, Protocol, ServiceKey } from '../snapshot.js';
import { AttrBuilder } from './attr.js';
import type { ByteOrder } from './bytes.js';
import { NLM_F } from './constants.js';
import {
  AF,
  IPPROTO,
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

export const FAMILY_NUMBER: Readonly<Record<Family, number>> = { inet: AF.INET, inet6: AF.INET6 };
export const PROTOCOL_NUMBER: Readonly<Record<Protocol, number>> = {
  tcp: IPPROTO.TCP,
  udp: IPPROTO.UDP,
  sctp: IPPROTO.SCTP,
};

function request(family: number, cmd: IpvsCmd, flags: number, attrs: Uint8Array, order: ByteOrder): Uint8Array {
  return encodeGenlRequest({ family, cmd, version: IPVS_GENL_VERSION, flags }, attrs, order);
}

const NONE = new Uint8Array(0);

/** IPVS_CMD_GET_SERVICE as a dump: every service of the socket's network namespace. */
export function buildGetServices(family: number, order: ByteOrder): Uint8Array {
  return request(family, IPVS_CMD.GET_SERVICE, NLM_F.REQUEST | NLM_F.DUMP, NONE, order);
}

/**
 * IPVS_CMD_GET_DEST (dump only) for one service. The selector nest is what ip_vs_genl_parse_service() needs to
 * find the service: IPVS_SVC_ATTR_AF with IPVS_SVC_ATTR_FWMARK, or with PROTOCOL, ADDR and PORT.
 * A service that vanished meanwhile yields an empty dump, not an error.
 */
export function buildGetDests(family: number, key: ServiceKey, order: ByteOrder): Uint8Array {
  const attrs = new AttrBuilder(order).nest(IPVS_CMD_ATTR.SERVICE, (svc) => serviceSelector(svc, key)).finish();
  return request(family, IPVS_CMD.GET_DEST, NLM_F.REQUEST | NLM_F.DUMP, attrs, order);
}

/** Writes the identifying attributes of a service (used inside IPVS_CMD_ATTR_SERVICE). */
export function serviceSelector(b: AttrBuilder, key: ServiceKey): void {
  b.u16(IPVS_SVC_ATTR.AF, FAMILY_NUMBER[key.family]);
  if (key.kind === 'fwmark') {
    b.u32(IPVS_SVC_ATTR.FWMARK, key.fwmark);
    return;
  }
  const { family, bytes } = parseAddress(key.address);
  if (family !== key.family) {
    throw new RangeError(`ipvs: service key address ${key.address} is not of family ${key.family}`);
  }
  // union nf_inet_addr: always 16 bytes, an IPv4 address in the first 4 (the kernel sends it so too).
  const addr = new Uint8Array(16);
  addr.set(bytes);
  b.u16(IPVS_SVC_ATTR.PROTOCOL, PROTOCOL_NUMBER[key.protocol])
    .binary(IPVS_SVC_ATTR.ADDR, addr)
    .be16(IPVS_SVC_ATTR.PORT, key.port);
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
