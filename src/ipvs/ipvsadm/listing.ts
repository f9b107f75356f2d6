import { protocolOfName } from '../protocol.js';
import { type Endpoint, NameError, parseHostPort } from '../service-key.js';
import type { ServiceKey } from '../snapshot.js';

/**
 * Parsers for `ipvsadm -L -n --exact [--stats|--rate|--thresholds|--persistent-conn|--tun-info]`, written from
 * ipvsadm 1.31's list_all(), print_title() and print_service_entry() (ipvsadm.c):
 *
 *   IP Virtual Server version 1.2.1 (size=4096)                      "IP Virtual Server version %d.%d.%d (size=%d)"
 *   Prot LocalAddress:Port Scheduler Flags                           title, columns depend on the format
 *     -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
 *   TCP  10.0.0.1:80 wlc persistent 300 mask 255.255.255.0           "%-4s %s" protocol, address; then options
 *   FWM  1 IPv6 rr                                                   "FWM  %d" or "FWM  %d IPv6"
 *     -> 10.0.0.2:80                  Masq    1      0          0    "  -> %-28s %-7s %-6d %-10u %-10u"
 *
 * Service lines carry the options (scheduler, "(sched flags)", persistent N, mask M, pe NAME, ops) in every
 * format but --stats and --rate, which print five numbers instead. Columns are separated by spaces; the
 * fixed widths only pad, so lines are split on whitespace. Addresses are printed by inet_ntop, IPv6 in brackets.
 */

export class IpvsadmParseError extends Error {
  override readonly name = 'IpvsadmParseError';
  constructor(
    /** 1-based line number within the output. */
    readonly line: number,
    readonly text: string,
    reason: string,
  ) {
    super(`ipvsadm: line ${line} ${JSON.stringify(text)}: ${reason}`);
  }
}

/** Service options as the plain listing prints them. Flags: IP_VS_SVC_F_* bits (ip_vs.h). */
export interface ServiceOptions {
  readonly scheduler: string;
  readonly flags: number;
  readonly timeout: number;
  readonly netmaskPrefix: number;
  readonly peName: string;
}

export interface ListedReal<V> extends Endpoint {
  readonly line: number;
  readonly values: V;
}

export interface ListedService<S, V> {
  readonly key: ServiceKey;
  readonly line: number;
  readonly values: S;
  readonly reals: ListedReal<V>[];
}

export interface Listing<S, V> {
  readonly version: string;
  readonly connTableSize: number;
  readonly services: ListedService<S, V>[];
}

type Fail = (reason: string) => never;

/** How one output format looks: its title columns and how to read the values of service and real rows. */
export interface ListingFormat<S, V> {
  /** ipvsadm options that select it (after -L -n --exact). */
  readonly option: string | undefined;
  readonly serviceColumns: readonly string[];
  readonly realColumns: readonly string[];
  readonly service: (tokens: readonly string[], key: ServiceKey, fail: Fail) => S;
  readonly real: (tokens: readonly string[], fail: Fail) => V;
}

const HEADER = /^IP Virtual Server version (\d+)\.(\d+)\.(\d+) \(size=(\d+)\)$/;

export function parseListing<S, V>(text: string, format: ListingFormat<S, V>): Listing<S, V> {
  const lines = text.split('\n');
  const failAt =
    (n: number): Fail =>
    (reason: string): never => {
      throw new IpvsadmParseError(n + 1, lines[n] ?? '', reason);
    };

  const failHeader: Fail = failAt(0);
  const h = HEADER.exec((lines[0] ?? '').trimEnd());
  if (!h) failHeader('expected "IP Virtual Server version X.Y.Z (size=N)"');
  expectTitle(lines[1] ?? '', 'Prot LocalAddress:Port', format.serviceColumns, failAt(1));
  expectTitle(lines[2] ?? '', '-> RemoteAddress:Port', format.realColumns, failAt(2));

  const services: ListedService<S, V>[] = [];
  for (let n = 3; n < lines.length; n++) {
    const line = lines[n] as string;
    if (line.trim() === '') continue;
    const fail: Fail = failAt(n);
    const tokens = line.trim().split(/\s+/);
    if (tokens[0] === '->') {
      const current = services[services.length - 1];
      if (current === undefined) fail('real server before any service');
      const endpoint = parseEndpoint(tokens[1] ?? '', fail);
      current.reals.push({ ...endpoint, line: n + 1, values: format.real(tokens.slice(2), fail) });
      continue;
    }
    const { key, rest } = parseServiceIdentity(tokens, fail);
    services.push({ key, line: n + 1, values: format.service(rest, key, fail), reals: [] });
  }
  return {
    version: `${h[1]}.${h[2]}.${h[3]}`,
    connTableSize: Number(h[4]),
    services,
  };
}

function expectTitle(line: string, lead: string, columns: readonly string[], fail: Fail): void {
  const t = line.trim();
  if (!t.startsWith(lead)) fail(`expected a title line starting with "${lead}"`);
  const got = t
    .slice(lead.length)
    .trim()
    .split(/\s+/)
    .filter((c) => c !== '');
  if (got.join(' ') !== columns.join(' ')) {
    fail(`title columns "${got.join(' ')}", expected "${columns.join(' ')}" (wrong listing option?)`);
  }
}

function parseServiceIdentity(tokens: readonly string[], fail: Fail): { key: ServiceKey; rest: readonly string[] } {
  const [first, second] = tokens;
  if (first === 'FWM') {
    const fwmark = unsigned32(second, 'firewall mark', fail);
    if (tokens[2] === 'IPv6') return { key: { kind: 'fwmark', family: 'inet6', fwmark }, rest: tokens.slice(3) };
    return { key: { kind: 'fwmark', family: 'inet', fwmark }, rest: tokens.slice(2) };
  }
  const protocol = first === undefined ? undefined : protocolOfName(first);
  if (protocol === undefined) fail(`unknown service type ${JSON.stringify(first)} (expected TCP, UDP, SCTP or FWM)`);
  const ep = parseEndpoint(second ?? '', fail);
  return {
    key: { kind: 'addr', family: ep.family, protocol, address: ep.address, port: ep.port },
    rest: tokens.slice(2),
  };
}

/** An address and port as ipvsadm -n prints them (the form of canonical real server names), canonicalized. */
function parseEndpoint(text: string, fail: Fail): Endpoint {
  try {
    return parseHostPort(text);
  } catch (err) {
    if (err instanceof NameError) fail(err.message);
    throw err;
  }
}

export function unsigned32(text: string | undefined, what: string, fail: Fail): number {
  if (text === undefined || !/^\d{1,10}$/.test(text) || Number(text) > 0xffffffff) {
    fail(`${what}: expected an unsigned 32-bit number, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

export function signed32(text: string | undefined, what: string, fail: Fail): number {
  if (text === undefined || !/^-?\d{1,10}$/.test(text) || Number(text) > 0x7fffffff || Number(text) < -0x80000000) {
    fail(`${what}: expected a signed 32-bit number, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** An exact counter (--exact); a K/M/G/T suffix means the output was not exact. */
export function counter(text: string | undefined, what: string, fail: Fail): bigint {
  if (text === undefined || !/^\d{1,20}$/.test(text)) {
    const hint = text !== undefined && /^\d+[KMGT]$/.test(text) ? ' (rounded: run ipvsadm with --exact)' : '';
    fail(`${what}: expected an exact counter, got ${JSON.stringify(text)}${hint}`);
  }
  const v = BigInt(text);
  if (v > 0xffffffffffffffffn) fail(`${what}: ${text} exceeds 64 bits`);
  return v;
}

export function expectCount(tokens: readonly string[], n: number, what: string, fail: Fail): void {
  if (tokens.length !== n) fail(`${what}: expected ${n} columns, got ${tokens.length}`);
}
