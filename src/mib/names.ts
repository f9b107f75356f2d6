import { formatAddress, parseAddress } from '../ipvs/address.js';
import { realName, serviceName } from '../ipvs/service-key.js';
import { protocolOfName } from '../ipvs/protocol.js';
import type { RealServer, ServiceKey } from '../ipvs/snapshot.js';

/**
 * Reading the canonical row names back (for `lvs-agentx oid`): any spelling of the same service or real server
 * (lower-case protocol, uncompressed IPv6) gives the canonical name the agent uses as the index.
 */

export class NameError extends Error {
  override readonly name = 'NameError';
}

const SERVICE_FORMS = 'TCP/10.0.0.1:80, UDP/[2001:db8::1]:53, SCTP/10.0.0.1:9000, FWM/7 or FWM6/7';
const REAL_FORMS = '10.0.0.2:80 or [2001:db8::2]:80';

/** A real server as its name identifies it. */
export type RealEndpoint = Pick<RealServer, 'family' | 'address' | 'port'>;

function hostPort(text: string, what: string, forms: string): RealEndpoint {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new NameError(`${what} "${text}": expected ${forms}`);
  const host = (m[1] ?? m[2]) as string;
  let parsed;
  try {
    parsed = parseAddress(host);
  } catch {
    throw new NameError(`${what} "${text}": "${host}" is not an IPv4 or IPv6 address`);
  }
  if (parsed.family === 'inet6' && m[1] === undefined) throw new NameError(`${what} "${text}": write IPv6 addresses in brackets, like [2001:db8::1]:80`);
  return { family: parsed.family, address: formatAddress(parsed.family, parsed.bytes), port };
}

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
  return { kind: 'addr', protocol, ...hostPort(m[2] as string, 'service', SERVICE_FORMS) };
}

export function canonicalServiceName(text: string): string {
  return serviceName(parseServiceName(text));
}

/** The real server a name in any spelling stands for; throws NameError for a text that names none. */
export function parseRealName(text: string): RealEndpoint {
  return hostPort(text, 'real server', REAL_FORMS);
}

export function canonicalRealName(text: string): string {
  return realName(parseRealName(text));
}

/** The service `name` stands for when it is canonical (what serviceName() writes), else undefined. */
export function serviceOfCanonicalName(name: string): ServiceKey | undefined {
  return ifCanonical(name, parseServiceName, serviceName);
}

/** The real server `name` stands for when it is canonical (what realName() writes), else undefined. */
export function realOfCanonicalName(name: string): RealEndpoint | undefined {
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
