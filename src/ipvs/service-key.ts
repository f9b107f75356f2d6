import { AddressParseError, formatAddress, parseAddress } from './address.js';
import { protocolName, protocolOfName } from './protocol.js';
import type { Family, RealServer, ServiceKey } from './snapshot.js';

/**
 * Canonical names of services and real servers, written and read here. The MIB uses them verbatim as table indexes,
 * and sources use serviceName() to de-duplicate a dump, so the exact strings are part of the interface:
 *
 *   TCP/10.0.0.1:80   UDP/[2001:db8::1]:53   SCTP/10.0.0.1:9000   FWM/7 (IPv4 fwmark)   FWM6/7 (IPv6 fwmark)
 *   real servers: 10.0.0.2:80   [2001:db8::2]:80
 *
 * Addresses are taken as given: sources must produce them with formatAddress() (canonical text). Reading accepts
 * any spelling of the same service or real server (lower-case protocol, uncompressed IPv6): `lvs-agentx oid` turns
 * it into the canonical name; ipvsadm's listing, which writes addresses the same way, is read with parseHostPort().
 */

export function serviceName(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `${key.family === 'inet6' ? 'FWM6' : 'FWM'}/${key.fwmark}`;
  return `${protocolName(key.protocol)}/${hostPort(key.family, key.address, key.port)}`;
}

export function realName(real: Pick<RealServer, 'family' | 'address' | 'port'>): string {
  return hostPort(real.family, real.address, real.port);
}

/** Whether two service keys have the same name (serviceName(a) === serviceName(b)), without making either. */
export function sameServiceKey(a: ServiceKey, b: ServiceKey): boolean {
  if (a.kind === 'fwmark') return b.kind === 'fwmark' && a.fwmark === b.fwmark && a.family === b.family;
  return b.kind === 'addr' && a.port === b.port && a.address === b.address && a.protocol === b.protocol && a.family === b.family;
}

/** Whether two real servers have the same name (realName(a) === realName(b)), without making either. */
export function sameRealKey(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && a.address === b.address && a.family === b.family;
}

function hostPort(family: Family, address: string, port: number): string {
  return family === 'inet6' ? `[${address}]:${port}` : `${address}:${port}`;
}

/** A text that names no service or real server; the message says what was expected. */
export class NameError extends Error {
  override readonly name = 'NameError';
}

/** A real server as its name identifies it (and a service address with its port). */
export type Endpoint = Pick<RealServer, 'family' | 'address' | 'port'>;

/** "10.0.0.2:80" or "[2001:db8::2]:80" in any spelling of the address, canonicalized; throws NameError. */
export function parseHostPort(text: string): Endpoint {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) throw new NameError(`expected ADDRESS:PORT or [IPV6]:PORT, got ${JSON.stringify(text)}`);
  const [, v6, v4, portText] = m;
  const port = Number(portText);
  if (port > 65535) throw new NameError(`port ${port} out of range`);
  const host = (v6 ?? v4) as string;
  let parsed: { family: Family; bytes: Uint8Array };
  try {
    parsed = parseAddress(host);
  } catch (err) {
    if (err instanceof AddressParseError) throw new NameError(err.message);
    throw err;
  }
  if (parsed.family === 'inet' && v6 !== undefined) throw new NameError(`${text}: brackets only around IPv6 addresses`);
  return { family: parsed.family, address: formatAddress(parsed.family, parsed.bytes), port };
}

const SERVICE_FORMS = 'TCP/10.0.0.1:80, UDP/[2001:db8::1]:53, SCTP/10.0.0.1:9000, FWM/7 or FWM6/7';

/** The service a name in any spelling stands for; throws NameError for a text that names none. */
export function parseServiceName(text: string): ServiceKey {
  const fw = /^(FWM6?)\/(\d{1,10})$/i.exec(text);
  if (fw) {
    const mark = Number(fw[2]);
    if (mark > 0xffffffff) throw new NameError(`service "${text}": fwmark above 2^32-1`);
    return { kind: 'fwmark', family: (fw[1] as string).toUpperCase() === 'FWM6' ? 'inet6' : 'inet', fwmark: mark };
  }
  const m = /^([a-z]+)\/(.+)$/i.exec(text);
  const protocol = m ? protocolOfName((m[1] as string).toUpperCase()) : undefined;
  if (!m || protocol === undefined) throw new NameError(`service "${text}": expected ${SERVICE_FORMS}`);
  return { kind: 'addr', protocol, ...named('service', text, m[2] as string) };
}

/** The real server a name in any spelling stands for; throws NameError for a text that names none. */
export function parseRealName(text: string): Endpoint {
  return named('real server', text, text);
}

function named(what: string, text: string, endpoint: string): Endpoint {
  try {
    return parseHostPort(endpoint);
  } catch (err) {
    if (err instanceof NameError) throw new NameError(`${what} "${text}": ${err.message}`);
    throw err;
  }
}

export function canonicalServiceName(text: string): string {
  return serviceName(parseServiceName(text));
}

export function canonicalRealName(text: string): string {
  return realName(parseRealName(text));
}

/** The service `name` stands for when it is canonical (what serviceName() writes), else undefined. */
export function serviceOfCanonicalName(name: string): ServiceKey | undefined {
  return ifCanonical(name, parseServiceName, serviceName);
}

/** The real server `name` stands for when it is canonical (what realName() writes), else undefined. */
export function realOfCanonicalName(name: string): Endpoint | undefined {
  return ifCanonical(name, parseRealName, realName);
}

function ifCanonical<T>(name: string, parse: (text: string) => T, format: (parsed: T) => string): T | undefined {
  let parsed: T;
  try {
    parsed = parse(name);
  } catch (err) {
    if (err instanceof NameError) return undefined;
    throw err;
  }
  return format(parsed) === name ? parsed : undefined;
}
