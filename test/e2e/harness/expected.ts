/**
 * What the LVS-MIB must show for a snapshot document, written without importing or copying src/: column numbers
 * from the MIB text, values computed the plain way, in the form the Net-SNMP tools print with -On -Ox -Oe (no MIBs).
 * Row names need canonical IPv6 text; it comes from the WHATWG URL parser's host serializer (node's URL), not from
 * an algorithm like src/ipvs/address.ts's, so a mistake there cannot be repeated here.
 * TimeStamp columns are left out (they depend on when snmpd started); their own test checks them.
 */

export interface Expected {
  readonly type: string;
  readonly value: string;
}

type Doc = { info: Record<string, unknown>; services: Record<string, unknown>[] };

const ROOT = '.1.3.6.1.4.1.8225.4711';
const U32 = (1n << 32n) - 1n;

function hex(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

function strHex(text: string): Expected {
  return text === '' ? { type: 'STRING', value: '""' } : { type: 'Hex-STRING', value: hex([...Buffer.from(text)]) };
}

export function stringIndex(text: string): string {
  return `.${text.length}.${[...Buffer.from(text)].join('.')}`;
}

/**
 * IPv6 text as the WHATWG URL Standard serializes an IPv6 host (its "IPv6 serializer"): lowercase hex,
 * no leading zeros, the first longest run of two or more zero pieces as "::". That is RFC 5952 section 4 exactly;
 * the URL serializer writes an IPv4-mapped address in hex ("::ffff:a00:1"), where RFC 5952 section 5 (and the
 * agent's row names) use mixed notation, so that one form is rewritten. Throws on text that is not IPv6.
 */
function v6Canonical(text: string): string {
  const host = new URL(`http://[${text}]/`).hostname; // "[2001:db8::1]"
  const hex = host.slice(1, -1);
  // "::ffff:" and exactly two more pieces: the five leading zero pieces were compressed, so this is ::ffff:0:0/96.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(hex);
  if (mapped === null) return hex;
  const [hi, lo] = [parseInt(mapped[1] as string, 16), parseInt(mapped[2] as string, 16)];
  return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** IPv6 text → 16 bytes, read from the URL serializer's all-hex form (which also expands a dotted-quad tail). */
export function ipv6Bytes(text: string): number[] {
  const hex = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const [head, tail] = hex.includes('::') ? (hex.split('::') as [string, string]) : [hex, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 255];
  });
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

export function serviceNameOf(s: Record<string, unknown>): string {
  if (s.fwmark !== undefined) return `${s.family === 'inet6' ? 'FWM6' : 'FWM'}/${s.fwmark}`;
  const addr = String(s.address);
  const a = addr.includes(':') ? `[${v6Canonical(addr)}]` : addr;
  return `${String(s.protocol).toUpperCase()}/${a}:${s.port}`;
}

export function realNameOf(r: Record<string, unknown>): string {
  const addr = String(r.address);
  return `${addr.includes(':') ? `[${v6Canonical(addr)}]` : addr}:${r.port}`;
}

function big(v: unknown): bigint {
  return v === undefined ? 0n : BigInt(v as string);
}

function statsExpect(stats: Record<string, unknown> | undefined, legacyConns: number, legacyRate: number, hcConns: number, hcRate: number): Map<number, Expected> {
  const s = stats ?? {};
  const m = new Map<number, Expected>();
  const c32 = (v: bigint): Expected => ({ type: 'Counter32', value: String(v & U32) });
  const c64 = (v: bigint): Expected => ({ type: 'Counter64', value: String(v) });
  const g32 = (v: bigint): Expected => ({ type: 'Gauge32', value: String(v > U32 ? U32 : v) });
  m.set(legacyConns, c32(big(s.conns)));
  m.set(legacyConns + 1, c32(big(s.inPkts)));
  m.set(legacyConns + 2, c32(big(s.outPkts)));
  m.set(legacyConns + 3, c64(big(s.inBytes)));
  m.set(legacyConns + 4, c64(big(s.outBytes)));
  ['cps', 'inPps', 'outPps', 'inBps', 'outBps'].forEach((k, i) => {
    m.set(legacyRate + i, g32(big(s[k])));
    m.set(hcRate + i, c64(big(s[k])));
  });
  m.set(hcConns, c64(big(s.conns)));
  m.set(hcConns + 1, c64(big(s.inPkts)));
  m.set(hcConns + 2, c64(big(s.outPkts)));
  return m;
}

const int = (v: number): Expected => ({ type: 'INTEGER', value: String(v) });
const gauge = (v: number): Expected => ({ type: 'Gauge32', value: String(v) });
const ip = (bytes: number[]): Expected => ({ type: 'IpAddress', value: bytes.join('.') });
const octets = (bytes: number[]): Expected => (bytes.length === 0 ? { type: 'STRING', value: '""' } : { type: 'Hex-STRING', value: hex(bytes) });

/** Every expected varbind (OID → printed type and value) of both tables and the scalars, TimeStamps excepted. */
export function expectedVarBinds(doc: Doc, agent: { source: string }): Map<string, Expected> {
  const out = new Map<string, Expected>();
  const info = doc.info;
  const daemons = (info.daemons as { state: string }[] | undefined) ?? [];
  const services = doc.services;
  let numReals = 0;
  for (const s of services) numReals += ((s.reals as unknown[]) ?? []).length;
  out.set(`${ROOT}.1.0`, strHex(String(info.version)));
  out.set(`${ROOT}.2.0`, gauge(services.length));
  out.set(`${ROOT}.3.0`, gauge(Number(info.connTableSize)));
  out.set(`${ROOT}.4.0`, gauge(Number(info.tcpTimeout)));
  out.set(`${ROOT}.5.0`, gauge(Number(info.tcpFinTimeout)));
  out.set(`${ROOT}.6.0`, gauge(Number(info.udpTimeout)));
  out.set(`${ROOT}.7.0`, int(daemons.reduce((a, d) => a | (d.state === 'master' ? 1 : 2), 0)));
  out.set(`${ROOT}.8.0`, strHex(agent.source));
  out.set(`${ROOT}.9.0`, int(1));
  out.set(`${ROOT}.12.0`, { type: 'Counter32', value: '0' });
  out.set(`${ROOT}.13.0`, strHex(''));
  out.set(`${ROOT}.14.0`, gauge(numReals));

  for (const s of services) {
    const name = serviceNameOf(s);
    const idx = stringIndex(name);
    const fwmark = s.fwmark !== undefined;
    const family = fwmark ? String(s.family ?? 'inet') : String(s.address).includes(':') ? 'inet6' : 'inet';
    const addr = fwmark ? [] : family === 'inet' ? ipv4Bytes(String(s.address)) : ipv6Bytes(String(s.address));
    const reals = (s.reals as Record<string, unknown>[]) ?? [];
    const prefix = Number(s.netmaskPrefix ?? (family === 'inet' ? 32 : 128));
    const mask = family === 'inet' ? (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0) : 0;
    const flags = Number(s.flags ?? 0);
    const col = new Map<number, Expected>([
      [2, strHex(String(s.scheduler ?? 'wlc'))],
      [3, int(fwmark ? 0 : ({ tcp: 6, udp: 17, sctp: 132 } as Record<string, number>)[String(s.protocol)] as number)],
      [4, ip(family === 'inet' && !fwmark ? addr : [0, 0, 0, 0])],
      [5, gauge(fwmark ? 0 : Number(s.port))],
      [6, gauge(fwmark ? Number(s.fwmark) : 0)],
      [7, gauge(Number(s.timeout ?? 0))],
      [8, ip(family === 'inet' ? [mask >>> 24, (mask >>> 16) & 255, (mask >>> 8) & 255, mask & 255] : [0, 0, 0, 0])],
      [9, gauge(reals.length)],
      ...statsExpect(s.stats as Record<string, unknown>, 10, 15, 29, 32),
      [21, int(fwmark ? 0 : family === 'inet' ? 1 : 2)],
      [22, octets(addr)],
      // BITS persistent(0) hashed(1) onePacket(2) ... : bit n is 0x80 >> n of the first octet
      [23, { type: 'Hex-STRING', value: hex([[0, 1, 2, 3, 4, 5].reduce((acc, n) => (flags & (1 << n) ? acc | (0x80 >> n) : acc), 0)]) }],
      [24, gauge(prefix)],
      [25, strHex(String(s.peName ?? ''))],
      [26, gauge(reals.reduce((a, r) => a + Number(r.activeConns ?? 0), 0))],
      [27, gauge(reals.reduce((a, r) => a + Number(r.inactiveConns ?? 0), 0))],
      [28, gauge(reals.reduce((a, r) => a + Number(r.persistentConns ?? 0), 0))],
      [38, strHex(name)],
    ]);
    for (const [c, v] of col) out.set(`${ROOT}.17.1.${c}${idx}`, v);

    for (const r of reals) {
      const realName = realNameOf(r);
      const ridx = idx + stringIndex(realName);
      const rv6 = String(r.address).includes(':');
      const raddr = rv6 ? ipv6Bytes(String(r.address)) : ipv4Bytes(String(r.address));
      const tflags = Number(r.tunnelFlags ?? 0);
      const tbits = (tflags & 1 ? 0x40 : 0) | (tflags & 2 ? 0x20 : 0) || 0x80;
      const rc = new Map<number, Expected>([
        [3, ip(rv6 ? [0, 0, 0, 0] : raddr)],
        [4, gauge(Number(r.port))],
        [5, int(({ masq: 0, local: 1, tunnel: 2, route: 3 } as Record<string, number>)[String(r.forward ?? 'masq')] as number)],
        [6, int(Number(r.weight ?? 1))],
        ...statsExpect(r.stats as Record<string, unknown>, 7, 12, 28, 31),
        [18, int(rv6 ? 2 : 1)],
        [19, octets(raddr)],
        [20, gauge(Number(r.upperThreshold ?? 0))],
        [21, gauge(Number(r.lowerThreshold ?? 0))],
        [22, gauge(Number(r.activeConns ?? 0))],
        [23, gauge(Number(r.inactiveConns ?? 0))],
        [24, gauge(Number(r.persistentConns ?? 0))],
        [25, int(({ ipip: 0, gue: 1, gre: 2 } as Record<string, number>)[String(r.tunnelType ?? 'ipip')] as number)],
        [26, gauge(Number(r.tunnelPort ?? 0))],
        [27, { type: 'Hex-STRING', value: hex([tbits]) }],
        // lvsRealDisplayName: both names, as ipvsadm -Ln lists a real under its service
        [37, strHex(`${name} -> ${realName}`)],
      ]);
      for (const [c, v] of rc) out.set(`${ROOT}.18.1.${c}${ridx}`, v);
    }
  }
  return out;
}

/** TimeStamps and the read duration, whose values depend on timing: checked for presence and type only. */
export function isTimingDependent(oid: string): boolean {
  return (
    oid === `${ROOT}.10.0` ||
    oid === `${ROOT}.11.0` ||
    oid.startsWith(`${ROOT}.17.1.37.`) ||
    oid.startsWith(`${ROOT}.18.1.36.`)
  );
}
