import { describe, expect, it } from 'vitest';
import {
  canonicalRealName,
  canonicalServiceName,
  NameError,
  parseRealName,
  parseServiceName,
  realOfCanonicalName,
  serviceOfCanonicalName,
} from '../../../src/mib/names.js';

describe('parseServiceName', () => {
  it('reads every kind of service, in any spelling', () => {
    expect(parseServiceName('TCP/10.0.0.1:80')).toEqual({ kind: 'addr', family: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80 });
    expect(parseServiceName('udp/[2001:DB8:0::1]:53')).toEqual({ kind: 'addr', family: 'inet6', protocol: 'udp', address: '2001:db8::1', port: 53 });
    expect(parseServiceName('Sctp/10.0.0.1:9000')).toMatchObject({ protocol: 'sctp' });
    expect(parseServiceName('FWM/7')).toEqual({ kind: 'fwmark', family: 'inet', fwmark: 7 });
    expect(parseServiceName('fwm6/4294967295')).toEqual({ kind: 'fwmark', family: 'inet6', fwmark: 4294967295 });
  });

  it.each(['ICMP/10.0.0.1:80', 'TCP/10.0.0.1', 'TCP/10.0.0.1:65536', 'TCP/2001:db8::1:80', 'TCP/example.org:80', 'FWM/4294967296', 'FWM7', ''])(
    'refuses %j',
    (text) => {
      expect(() => parseServiceName(text)).toThrow(NameError);
    },
  );

  it('gives the canonical names back', () => {
    expect(canonicalServiceName('tcp/[2001:DB8::0:1]:80')).toBe('TCP/[2001:db8::1]:80');
    expect(canonicalServiceName('fwm6/7')).toBe('FWM6/7');
    expect(canonicalRealName('[2001:DB8::2]:80')).toBe('[2001:db8::2]:80');
  });
});

describe('parseRealName', () => {
  it('reads IPv4 and bracketed IPv6', () => {
    expect(parseRealName('10.0.0.2:80')).toEqual({ family: 'inet', address: '10.0.0.2', port: 80 });
    expect(parseRealName('[2001:db8::2]:0')).toEqual({ family: 'inet6', address: '2001:db8::2', port: 0 });
    expect(() => parseRealName('2001:db8::2:80')).toThrow(NameError);
    expect(() => parseRealName('10.0.0.2')).toThrow(NameError);
  });
});

describe('names only in canonical form', () => {
  it('are read; any other spelling is not', () => {
    expect(serviceOfCanonicalName('UDP/[2001:db8::1]:53')).toMatchObject({ protocol: 'udp', address: '2001:db8::1', port: 53 });
    expect(serviceOfCanonicalName('FWM6/7')).toEqual({ kind: 'fwmark', family: 'inet6', fwmark: 7 });
    expect(realOfCanonicalName('[2001:db8::2]:80')).toEqual({ family: 'inet6', address: '2001:db8::2', port: 80 });
    for (const other of ['tcp/10.0.0.1:80', 'TCP/[2001:DB8::1]:53', 'FWM/07', 'TCP/10.0.0.1:080', 'X']) expect(serviceOfCanonicalName(other), other).toBeUndefined();
    for (const other of ['[2001:DB8::2]:80', '010.0.0.2:80', 'no port']) expect(realOfCanonicalName(other), other).toBeUndefined();
  });
});
