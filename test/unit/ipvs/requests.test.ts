import { describe, expect, it } from 'vitest';
import { buildGetFamily, decodeFamily } from '../../../src/ipvs/netlink/genl-ctrl.js';
import {
  buildGetConfig,
  buildGetDaemons,
  buildGetDests,
  buildGetInfo,
  buildGetServices,
} from '../../../src/ipvs/netlink/ipvs-request.js';
import { NetlinkDecodeError } from '../../../src/ipvs/netlink/errors.js';
import { attr, be16, genl, hex, ip4, ip6, nlmsg, ORDERS, str, toHex, u16, u32 } from './nl.js';

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

describe('IPVS requests', () => {
  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      const DUMP = 0x01 | 0x300;
      const ACK = 0x01 | 0x04;

      it('GET_SERVICE, GET_DAEMON are dumps; GET_INFO, GET_CONFIG are acked requests', () => {
        expect(toHex(buildGetServices(FAM, o))).toBe(toHex(nlmsg(o, { type: FAM, flags: DUMP }, genl(4, 1))));
        expect(toHex(buildGetDaemons(FAM, o))).toBe(toHex(nlmsg(o, { type: FAM, flags: DUMP }, genl(11, 1))));
        expect(toHex(buildGetInfo(FAM, o))).toBe(toHex(nlmsg(o, { type: FAM, flags: ACK }, genl(15, 1))));
        expect(toHex(buildGetConfig(FAM, o))).toBe(toHex(nlmsg(o, { type: FAM, flags: ACK }, genl(13, 1))));
      });

      it('GET_DEST selects an address service by AF + PROTOCOL + ADDR (16 bytes) + PORT (__be16)', () => {
        const got = buildGetDests(
          FAM,
          { kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 },
          o,
        );
        const want = nlmsg(
          o,
          { type: FAM, flags: DUMP },
          genl(
            8, // IPVS_CMD_GET_DEST
            1,
            attr(o, 1, [
              // IPVS_CMD_ATTR_SERVICE
              ...attr(o, 1, u16(o, 2)), //          IPVS_SVC_ATTR_AF AF_INET
              ...attr(o, 2, u16(o, 6)), //          IPVS_SVC_ATTR_PROTOCOL IPPROTO_TCP
              ...attr(o, 3, ip4(10, 0, 0, 1)), //   IPVS_SVC_ATTR_ADDR
              ...attr(o, 4, be16(80)), //           IPVS_SVC_ATTR_PORT
            ]),
          ),
        );
        expect(toHex(got)).toBe(toHex(want));

        const v6 = buildGetDests(
          FAM,
          { kind: 'addr', family: 'inet6', protocol: 'sctp', address: '2001:db8::1', port: 9000 },
          o,
        );
        expect(toHex(v6)).toBe(
          toHex(
            nlmsg(
              o,
              { type: FAM, flags: DUMP },
              genl(
                8,
                1,
                attr(o, 1, [
                  ...attr(o, 1, u16(o, 10)),
                  ...attr(o, 2, u16(o, 132)),
                  ...attr(o, 3, ip6('2001:db8::1')),
                  ...attr(o, 4, be16(9000)),
                ]),
              ),
            ),
          ),
        );
      });

      it('GET_DEST selects a fwmark service by AF + FWMARK', () => {
        const got = buildGetDests(FAM, { kind: 'fwmark', family: 'inet6', fwmark: 7 }, o);
        const want = nlmsg(
          o,
          { type: FAM, flags: DUMP },
          genl(8, 1, attr(o, 1, [...attr(o, 1, u16(o, 10)), ...attr(o, 5, u32(o, 7))])),
        );
        expect(toHex(got)).toBe(toHex(want));
      });

      it('GET_DEST writes IPv4 addresses at the edges of the range byte for byte', () => {
        for (const [address, bytes] of [
          ['0.0.0.0', [0, 0, 0, 0]],
          ['255.255.255.255', [255, 255, 255, 255]],
          ['192.0.2.10', [192, 0, 2, 10]],
        ] as const) {
          const got = buildGetDests(FAM, { kind: 'addr', family: 'inet', protocol: 'udp', address, port: 65535 }, o);
          const want = nlmsg(
            o,
            { type: FAM, flags: DUMP },
            genl(8, 1, attr(o, 1, [...attr(o, 1, u16(o, 2)), ...attr(o, 2, u16(o, 17)), ...attr(o, 3, ip4(...bytes)), ...attr(o, 4, be16(65535))])),
          );
          expect(toHex(got)).toBe(toHex(want));
        }
      });

      it.each(['256.0.0.1', '10.0.0', '10.0.0.1.2', '010.0.0.1', '10..0.1', ' 10.0.0.1', '10.0.0.1x', ''])(
        'refuses the address text %j, as parseAddress() does',
        (address) => {
          expect(() => buildGetDests(FAM, { kind: 'addr', family: 'inet', protocol: 'tcp', address, port: 1 }, o)).toThrow();
        },
      );

      it('refuses a key whose address is not of its family', () => {
        expect(() =>
          buildGetDests(FAM, { kind: 'addr', family: 'inet6', protocol: 'tcp', address: '10.0.0.1', port: 1 }, o),
        ).toThrow(RangeError);
      });
    });
  }
});
