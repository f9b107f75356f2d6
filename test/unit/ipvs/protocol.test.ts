import { describe, expect, it } from 'vitest';
import { PROTOCOLS, protocolName, protocolNumber, protocolOfName, protocolOfNumber } from '../../../src/ipvs/protocol.js';

describe('protocols', () => {
  it('numbers them as IPPROTO_* in include/uapi/linux/in.h', () => {
    expect(PROTOCOLS.map((p) => [p, protocolNumber(p)])).toEqual([
      ['tcp', 6],
      ['udp', 17],
      ['sctp', 132],
    ]);
  });

  it('names them as ipvsadm prints them', () => {
    expect(PROTOCOLS.map(protocolName)).toEqual(['TCP', 'UDP', 'SCTP']);
  });

  it('reads numbers and names back, and nothing else', () => {
    for (const p of PROTOCOLS) {
      expect(protocolOfNumber(protocolNumber(p))).toBe(p);
      expect(protocolOfName(protocolName(p))).toBe(p);
    }
    expect(protocolOfNumber(0)).toBeUndefined();
    expect(protocolOfNumber(136)).toBeUndefined(); // IPPROTO_UDPLITE: not balanced by IPVS
    expect(protocolOfName('tcp')).toBeUndefined();
    expect(protocolOfName('FWM')).toBeUndefined();
  });
});
