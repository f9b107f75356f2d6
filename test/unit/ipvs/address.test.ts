import { describe, expect, it } from 'vitest';
import { AddressParseError, canonicalAddress, formatAddress, parseAddress } from '../../../src/ipvs/address.js';

describe('formatAddress', () => {
  it('formats IPv4 from the first four bytes of a 16-byte nf_inet_addr', () => {
    expect(formatAddress('inet', Uint8Array.from([10, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]))).toBe('10.0.0.1');
    expect(formatAddress('inet', Uint8Array.from([255, 255, 255, 255]))).toBe('255.255.255.255');
  });

  it('refuses too few bytes', () => {
    expect(() => formatAddress('inet6', new Uint8Array(4))).toThrow(RangeError);
  });

  const v6 = (text: string) => formatAddress('inet6', parseAddress(text).bytes);

  // RFC 5952 section 4 and its examples.
  it.each([
    // 4.1 leading zeros must be suppressed
    ['2001:0db8::0001', '2001:db8::1'],
    // 4.2.1 "::" must shorten as much as possible
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    // 4.2.2 a single 16-bit 0 field must not be shortened
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    // 4.2.3 the longest run is compressed; on a tie the first
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    // 4.3 lowercase
    ['2001:DB8::AbCd', '2001:db8::abcd'],
    // section 2 examples of one address written many ways
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8::1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8::0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8::1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:0:1::1', '2001:db8::1:0:0:1'],
    ['2001:db8:0000:0:1::1', '2001:db8::1:0:0:1'],
    ['2001:DB8:0:0:1::1', '2001:db8::1:0:0:1'],
    // edges
    ['::', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['1:0:2:0:3:0:4:0', '1:0:2:0:3:0:4:0'],
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
    ['1:0:0:2:0:0:0:4', '1:0:0:2::4'],
    // section 5: IPv4-mapped in mixed notation
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['0:0:0:0:0:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['::FFFF:10.0.0.1', '::ffff:10.0.0.1'],
    // other embedded-IPv4 forms are not mixed on output
    ['::192.0.2.1', '::c000:201'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (input, canonical) => {
    expect(v6(input)).toBe(canonical);
    expect(canonicalAddress(input)).toBe(canonical);
    // canonical text is a fixed point
    expect(v6(canonical)).toBe(canonical);
  });
});

describe('parseAddress', () => {
  it('parses IPv4 into 4 bytes and IPv6 into 16', () => {
    expect(parseAddress('192.0.2.1')).toEqual({ family: 'inet', bytes: Uint8Array.from([192, 0, 2, 1]) });
    const v6 = parseAddress('2001:db8::2');
    expect(v6.family).toBe('inet6');
    expect(Buffer.from(v6.bytes).toString('hex')).toBe('20010db8000000000000000000000002');
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.-4',
    ' 1.2.3.4',
    'a.b.c.d',
    ':',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8::',
    '::1:2:3:4:5:6:7:8',
    '12345::',
    'g::',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::1.2.3.4:5',
    '::256.0.0.1',
    '1.2.3.4::',
    'fe80::1%eth0',
    '[2001:db8::1]',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:',
  ])('rejects %j with a typed error', (text) => {
    expect(() => parseAddress(text)).toThrow(AddressParseError);
  });

  it('names the offending text', () => {
    try {
      parseAddress('1.2.3.999');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AddressParseError);
      expect((err as AddressParseError).text).toBe('1.2.3.999');
    }
  });

  it('round-trips random addresses through format and parse', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let n = 0; n < 2000; n++) {
      const b = new Uint8Array(16);
      // Many zero groups, to exercise "::" placement.
      for (let i = 0; i < 16; i += 2) {
        if (rnd() % 3 === 0) continue;
        b[i] = rnd() & 0xff;
        b[i + 1] = rnd() & 0xff;
      }
      const text = formatAddress('inet6', b);
      expect(parseAddress(text).bytes).toEqual(b);
    }
  });
});
