import { describe, expect, it } from 'vitest';
import {
    buildGetConfig,
    buildGetDaemons,
    buildGetDests,
    buildGetInfo,
    buildGetServices,
} from '../../../../src/ipvs/netlink/ipvs-request.js';
import { attr, be16, genl, ip4, ip6, nlmsg, ORDERS, toHex, u16, u32 } from '../nl.js';

const FAM = 0x1b;

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
