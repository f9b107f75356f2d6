import { describe, expect, it } from 'vitest';
import { buildGetFamily, decodeFamily } from '../../../../src/ipvs/netlink/genl-ctrl.js';
import { NetlinkDecodeError } from '../../../../src/ipvs/netlink/errors.js';
import { attr, genl, hex, nlmsg, ORDERS, str, toHex, u16, u32 } from '../nl.js';

const FAM = 0x1b;

describe('generic netlink controller', () => {
  it('CTRL_CMD_GETFAMILY "IPVS", literal little-endian bytes', () => {
    expect(toHex(buildGetFamily('IPVS', 'little'))).toBe(
      toHex(hex`
        20000000        # nlmsg_len 32
        1000            # GENL_ID_CTRL
        0500            # NLM_F_REQUEST | NLM_F_ACK
        00000000        # nlmsg_seq (the socket fills it in)
        00000000        # nlmsg_pid
        03 01 0000      # CTRL_CMD_GETFAMILY, version 1
        0900 0200 4950565300 000000   # CTRL_ATTR_FAMILY_NAME "IPVS\\0" + padding
      `),
    );
  });

  it('refuses names the kernel cannot hold (GENL_NAMSIZ 16)', () => {
    expect(() => buildGetFamily('', 'little')).toThrow(RangeError);
    expect(() => buildGetFamily('x'.repeat(16), 'little')).toThrow(RangeError);
  });

  it('decodes the CTRL_CMD_NEWFAMILY reply captured from this machine\'s kernel for "nlctrl"', () => {
    const reply = hex`
      88000000 1000 0000 01000000 025e0008   # nlmsghdr: len 136, GENL_ID_CTRL, flags 0, seq 1, pid
      01 02 0000                             # CTRL_CMD_NEWFAMILY, version 2
      0b00 0200 6e6c6374726c00 00            # CTRL_ATTR_FAMILY_NAME "nlctrl\\0"
      0600 0100 1000 0000                    # CTRL_ATTR_FAMILY_ID 0x10
      0800 0300 02000000                     # CTRL_ATTR_VERSION 2
      0800 0400 00000000                     # CTRL_ATTR_HDRSIZE 0
      0800 0500 00000000                     # CTRL_ATTR_MAXATTR 0
      2c00 0600                              # CTRL_ATTR_OPS (nest, ignored)
        1400 0100 0800 0100 03000000 0800 0200 0e000000
        1400 0200 0800 0100 0a000000 0800 0200 0c000000
      1c00 0700                              # CTRL_ATTR_MCAST_GROUPS (nest, ignored)
        1800 0100 0800 0200 10000000 0b00 0100 6e6f7469667900 00
    `;
    expect(decodeFamily(reply, 'little')).toEqual({ name: 'nlctrl', id: 0x10, version: 2, maxAttr: 0 });
  });

  for (const o of ORDERS) {
    it(`decodes a reply for IPVS (${o} endian)`, () => {
      const reply = nlmsg(
        o,
        { type: 0x10 },
        genl(1, 2, attr(o, 2, str('IPVS')), attr(o, 1, u16(o, FAM)), attr(o, 3, u32(o, 1)), attr(o, 5, u32(o, 6))),
      );
      expect(decodeFamily(reply, o)).toEqual({ name: 'IPVS', id: FAM, version: 1, maxAttr: 6 });
      const noId = nlmsg(o, { type: 0x10 }, genl(1, 2, attr(o, 2, str('IPVS')), attr(o, 3, u32(o, 1))));
      expect(() => decodeFamily(noId, o)).toThrow(/CTRL_ATTR_FAMILY_ID .*missing/);
      const wrongCmd = nlmsg(o, { type: 0x10 }, genl(3, 2));
      expect(() => decodeFamily(wrongCmd, o)).toThrow(NetlinkDecodeError);
    });
  }
});
