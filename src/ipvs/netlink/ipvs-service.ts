import { addressLength, formatAddress } from '../address.js';
import { protocolOfNumber } from '../protocol.js';
import type { Family, ForwardMethod, RealServer, Service, ServiceKey, Stats, TunnelType } from '../snapshot.js';
import { AttrSet } from './attr.js';
import type { ByteOrder } from './bytes.js';
import { NetlinkDecodeError } from './errors.js';
import {
  familyOfNumber,
  IP_VS_CONN_F,
  IP_VS_CONN_F_FWD_MASK,
  IP_VS_CONN_F_TUNNEL_TYPE,
  IPVS_CMD,
  IPVS_CMD_ATTR,
  IPVS_CMD_ATTR_NAMES,
  IPVS_CMD_NAMES,
  IPVS_DEST_ATTR,
  IPVS_DEST_ATTR_NAMES,
  IPVS_SVC_ATTR,
  IPVS_SVC_ATTR_NAMES,
} from './ipvs-constants.js';
import { decodeDestFast } from './ipvs-dest-fast.js';
import { decodeServiceFast } from './ipvs-service-fast.js';
import { decodeStats } from './ipvs-stats.js';
import { decodeGenl, decodeMessage } from './message.js';

/**
 * Decoders for the IPVS_CMD_NEW_SERVICE and IPVS_CMD_NEW_DEST messages of the GET_SERVICE and GET_DEST dumps,
 * following ip_vs_genl_fill_service() and ip_vs_genl_fill_dest() in net/netfilter/ipvs/ip_vs_ctl.c.
 * Malformed or missing attributes throw NetlinkDecodeError naming the attribute; unknown ones are ignored.
 */

/** A service as the dump describes it, before its real servers are fetched. */
export type ServiceEntry = Omit<Service, 'reals'>;

/**
 * The first-level attributes of an IPVS message, after checking its command. `names` names them in errors:
 * IPVS_CMD_ATTR_* except in the GET_INFO reply, whose first level is IPVS_INFO_ATTR_*.
 */
export function decodeIpvsMessage(
  message: Uint8Array,
  order: ByteOrder,
  cmd: number,
  names: ReadonlyMap<number, string> = IPVS_CMD_ATTR_NAMES,
): AttrSet {
  const genl = decodeGenl(decodeMessage(message, order));
  const name = IPVS_CMD_NAMES.get(cmd) ?? `command ${cmd}`;
  if (genl.cmd !== cmd) {
    const got = IPVS_CMD_NAMES.get(genl.cmd) ?? `command ${genl.cmd}`;
    throw new NetlinkDecodeError('genlmsghdr', 16, `${got}, expected ${name}`);
  }
  return AttrSet.parse(genl.attrs, genl.attrsOffset, order, names, `${name} message`);
}

/**
 * One service of a GET_SERVICE dump: through decodeServiceFast() (ipvs-service-fast.ts), the same result without an
 * object per attribute; whatever it declines is decoded here, which names what is wrong when something is.
 */
export function decodeServiceMessage(message: Uint8Array, order: ByteOrder): ServiceEntry {
  return decodeServiceFast(message, order) ?? decodeServiceMessageChecked(message, order);
}

/** decodeServiceMessage() through AttrSet: every attribute checked, every error named. */
export function decodeServiceMessageChecked(message: Uint8Array, order: ByteOrder): ServiceEntry {
  const top = decodeIpvsMessage(message, order, IPVS_CMD.NEW_SERVICE);
  return decodeServiceNest(top.nest(top.require(IPVS_CMD_ATTR.SERVICE), IPVS_SVC_ATTR_NAMES));
}

/**
 * One real server of a GET_DEST dump: through decodeDestFast() (ipvs-dest-fast.ts), the same result without an object
 * per attribute; whatever it declines is decoded here, which names what is wrong when something is.
 */
export function decodeDestMessage(message: Uint8Array, order: ByteOrder, serviceFamily: Family): RealServer {
  return decodeDestFast(message, order, serviceFamily) ?? decodeDestMessageChecked(message, order, serviceFamily);
}

/** decodeDestMessage() through AttrSet: every attribute checked, every error named. */
export function decodeDestMessageChecked(message: Uint8Array, order: ByteOrder, serviceFamily: Family): RealServer {
  const top = decodeIpvsMessage(message, order, IPVS_CMD.NEW_DEST);
  return decodeDestNest(top.nest(top.require(IPVS_CMD_ATTR.DEST), IPVS_DEST_ATTR_NAMES), serviceFamily);
}

function family(attrs: AttrSet, type: number): Family {
  const a = attrs.require(type);
  const af = attrs.u16(a);
  const fam = familyOfNumber(af);
  if (fam !== undefined) return fam;
  throw new NetlinkDecodeError(attrs.name(type), a.offset, `unknown address family ${af}`);
}

function address(attrs: AttrSet, type: number, fam: Family): string {
  return formatAddress(fam, attrs.binary(attrs.require(type), addressLength(fam)));
}

export function decodeServiceNest(svc: AttrSet): ServiceEntry {
  const fam = family(svc, IPVS_SVC_ATTR.AF);
  let key: ServiceKey;
  const fwmark = svc.get(IPVS_SVC_ATTR.FWMARK);
  if (fwmark !== undefined) {
    // The kernel sends FWMARK instead of PROTOCOL/ADDR/PORT when svc->fwmark is set.
    key = { kind: 'fwmark', family: fam, fwmark: svc.u32(fwmark) };
  } else {
    const p = svc.require(IPVS_SVC_ATTR.PROTOCOL);
    const protocol = protocolOfNumber(svc.u16(p));
    if (protocol === undefined) {
      throw new NetlinkDecodeError(svc.name(p.type), p.offset, `unsupported protocol ${svc.u16(p)}`);
    }
    key = {
      kind: 'addr',
      family: fam,
      protocol,
      address: address(svc, IPVS_SVC_ATTR.ADDR, fam),
      port: svc.be16(svc.require(IPVS_SVC_ATTR.PORT)),
    };
  }

  // struct ip_vs_flags { __u32 flags; __u32 mask; }: the kernel sends mask ~0; the flags are flags & mask.
  const f = svc.require(IPVS_SVC_ATTR.FLAGS);
  if (f.value.length !== 8) {
    throw new NetlinkDecodeError(
      svc.name(f.type),
      f.offset,
      `length ${f.value.length}, expected 8 (struct ip_vs_flags)`,
    );
  }
  const fv = new DataView(f.value.buffer, f.value.byteOffset, f.value.byteLength);
  const le = svc.order === 'little';
  const flags = (fv.getUint32(0, le) & fv.getUint32(4, le)) >>> 0;

  const pe = svc.get(IPVS_SVC_ATTR.PE_NAME);
  return {
    key,
    scheduler: svc.string(svc.require(IPVS_SVC_ATTR.SCHED_NAME)),
    flags,
    timeout: svc.u32(svc.require(IPVS_SVC_ATTR.TIMEOUT)),
    netmaskPrefix: netmaskPrefix(svc, fam),
    peName: pe === undefined ? '' : svc.string(pe),
    stats: decodeStats(svc, IPVS_SVC_ATTR.STATS, IPVS_SVC_ATTR.STATS64),
  };
}

/**
 * IPVS_SVC_ATTR_NETMASK is nla_put_be32(skb, …, svc->netmask): the 4 bytes of the kernel's field, unswapped.
 * For IPv4 that field is a __be32 mask (ipvsadm -M 255.255.255.0), so the bytes are in network order. For IPv6
 * ip_vs_add_service() stores the prefix length (1..128) as a plain integer in the same field, so the bytes are
 * that integer in host order. A non-contiguous IPv4 mask is reported by its leading one bits.
 */
function netmaskPrefix(svc: AttrSet, fam: Family): number {
  const a = svc.require(IPVS_SVC_ATTR.NETMASK);
  if (fam === 'inet') {
    return Math.clz32(~svc.be32(a));
  }
  const prefix = svc.u32(a);
  if (prefix > 128) throw new NetlinkDecodeError(svc.name(a.type), a.offset, `IPv6 prefix length ${prefix} > 128`);
  return prefix;
}

const FORWARD: ReadonlyMap<number, ForwardMethod> = new Map([
  [IP_VS_CONN_F.MASQ, 'masq'],
  [IP_VS_CONN_F.LOCALNODE, 'local'],
  [IP_VS_CONN_F.TUNNEL, 'tunnel'],
  [IP_VS_CONN_F.DROUTE, 'route'],
  [IP_VS_CONN_F.BYPASS, 'bypass'],
]);

const TUNNEL: ReadonlyMap<number, TunnelType> = new Map([
  [IP_VS_CONN_F_TUNNEL_TYPE.IPIP, 'ipip'],
  [IP_VS_CONN_F_TUNNEL_TYPE.GUE, 'gue'],
  [IP_VS_CONN_F_TUNNEL_TYPE.GRE, 'gre'],
]);

/**
 * One destination. ADDR_FAMILY (Linux 3.18+, mixed-family real servers) gives the real server's own family;
 * without it the real has the service's family, as the kernel assumed before mixed families existed.
 * Tunnel type, port and flags (Linux 5.2+ / 5.3+) are sent for every destination; they are reported only where
 * they mean something: the type for tunnel forwarding (undefined if this code does not know it), the port for
 * GUE, the flags (IP_VS_TUNNEL_ENCAP_FLAG_*) for GUE and GRE — what `ipvsadm -L --tun-info` shows.
 */
export function decodeDestNest(dest: AttrSet, serviceFamily: Family): RealServer {
  const fam = dest.has(IPVS_DEST_ATTR.ADDR_FAMILY) ? family(dest, IPVS_DEST_ATTR.ADDR_FAMILY) : serviceFamily;
  const fwdAttr = dest.require(IPVS_DEST_ATTR.FWD_METHOD);
  const fwd = dest.u32(fwdAttr) & IP_VS_CONN_F_FWD_MASK;
  const forward = FORWARD.get(fwd);
  if (forward === undefined) {
    throw new NetlinkDecodeError(dest.name(fwdAttr.type), fwdAttr.offset, `unknown forwarding method ${fwd}`);
  }
  const u32 = (type: number): number => dest.u32(dest.require(type));

  let tunnelType: TunnelType | undefined;
  let tunnelPort: number | undefined;
  let tunnelFlags: number | undefined;
  if (forward === 'tunnel') {
    const t = dest.get(IPVS_DEST_ATTR.TUN_TYPE);
    tunnelType = t === undefined ? undefined : TUNNEL.get(dest.u8(t));
    // As ipvsadm shows them (fwd_tun_info()): a port only for GUE, checksum flags for GUE and GRE.
    const p = dest.get(IPVS_DEST_ATTR.TUN_PORT);
    const f = dest.get(IPVS_DEST_ATTR.TUN_FLAGS);
    if (tunnelType === 'gue' && p !== undefined) tunnelPort = dest.be16(p);
    if ((tunnelType === 'gue' || tunnelType === 'gre') && f !== undefined) tunnelFlags = dest.u16(f);
  }

  return {
    family: fam,
    address: address(dest, IPVS_DEST_ATTR.ADDR, fam),
    port: dest.be16(dest.require(IPVS_DEST_ATTR.PORT)),
    forward,
    // nla_put_u32(…, atomic_read(&dest->weight)): an int in the kernel.
    weight: dest.s32(dest.require(IPVS_DEST_ATTR.WEIGHT)),
    upperThreshold: u32(IPVS_DEST_ATTR.U_THRESH),
    lowerThreshold: u32(IPVS_DEST_ATTR.L_THRESH),
    activeConns: u32(IPVS_DEST_ATTR.ACTIVE_CONNS),
    inactiveConns: u32(IPVS_DEST_ATTR.INACT_CONNS),
    persistentConns: u32(IPVS_DEST_ATTR.PERSIST_CONNS),
    tunnelType,
    tunnelPort,
    tunnelFlags,
    stats: decodeStats(dest, IPVS_DEST_ATTR.STATS, IPVS_DEST_ATTR.STATS64),
  };
}
