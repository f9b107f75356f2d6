import { AttrBuilder, AttrSet } from './attr.js';
import type { ByteOrder } from './bytes.js';
import { attrNames, CTRL_ATTR, CTRL_CMD, CTRL_VERSION, GENL_ID_CTRL, GENL_NAMSIZ, NLM_F } from './constants.js';
import { NetlinkDecodeError } from './errors.js';
import { decodeGenl, decodeMessage, encodeGenlRequest } from './message.js';

/**
 * The generic netlink controller ("nlctrl", fixed id GENL_ID_CTRL): resolves a family name to the id that
 * requests to that family carry as nlmsg_type. CTRL_CMD_GETFAMILY with CTRL_ATTR_FAMILY_NAME answers
 * CTRL_CMD_NEWFAMILY with CTRL_ATTR_FAMILY_ID (u16), CTRL_ATTR_VERSION (u32), CTRL_ATTR_MAXATTR (u32) among
 * others, or ENOENT when no such family is registered (net/netlink/genetlink.c, ctrl_getfamily()).
 */

export interface GenlFamily {
  readonly name: string;
  readonly id: number;
  readonly version: number;
  readonly maxAttr: number;
}

const CTRL_ATTR_NAMES = attrNames('CTRL_ATTR_', CTRL_ATTR);

export function buildGetFamily(name: string, order: ByteOrder): Uint8Array {
  if (name.length === 0 || name.length >= GENL_NAMSIZ) {
    throw new RangeError(`genl: family name ${JSON.stringify(name)} must be 1..${GENL_NAMSIZ - 1} characters`);
  }
  const attrs = new AttrBuilder(order).string(CTRL_ATTR.FAMILY_NAME, name).finish();
  return encodeGenlRequest(
    { family: GENL_ID_CTRL, cmd: CTRL_CMD.GETFAMILY, version: CTRL_VERSION, flags: NLM_F.REQUEST | NLM_F.ACK },
    attrs,
    order,
  );
}

/**
 * CTRL_CMD_GETFAMILY as a dump of every registered family. Unlike a lookup by name, a dump never makes the kernel
 * load a module: genl_ctrl_getfamily() calls request_module("net-pf-16-proto-16-family-%s") for an unknown name
 * (net/netlink/genetlink.c), which would reload ip_vs behind an administrator's `rmmod ip_vs`.
 */
export function buildGetFamilyDump(order: ByteOrder): Uint8Array {
  return encodeGenlRequest(
    { family: GENL_ID_CTRL, cmd: CTRL_CMD.GETFAMILY, version: CTRL_VERSION, flags: NLM_F.REQUEST | NLM_F.DUMP },
    new Uint8Array(0),
    order,
  );
}

/** Decodes one CTRL_CMD_NEWFAMILY reply message. */
export function decodeFamily(message: Uint8Array, order: ByteOrder): GenlFamily {
  const genl = decodeGenl(decodeMessage(message, order));
  if (genl.cmd !== CTRL_CMD.NEWFAMILY) {
    throw new NetlinkDecodeError('genlmsghdr', 16, `cmd ${genl.cmd}, expected CTRL_CMD_NEWFAMILY`);
  }
  const attrs = AttrSet.parse(genl.attrs, genl.attrsOffset, order, CTRL_ATTR_NAMES, 'CTRL_CMD_NEWFAMILY');
  const maxAttr = attrs.get(CTRL_ATTR.MAXATTR);
  return {
    name: attrs.string(attrs.require(CTRL_ATTR.FAMILY_NAME)),
    id: attrs.u16(attrs.require(CTRL_ATTR.FAMILY_ID)),
    version: attrs.u32(attrs.require(CTRL_ATTR.VERSION)),
    maxAttr: maxAttr === undefined ? 0 : attrs.u32(maxAttr),
  };
}
