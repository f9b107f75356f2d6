import { protocolName } from './protocol.js';
import type { RealServer, ServiceKey } from './snapshot.js';

/**
 * Canonical names of services and real servers. The MIB uses them verbatim as table indexes, and sources use
 * serviceName() to de-duplicate a dump, so the exact strings are part of the interface:
 *
 *   TCP/10.0.0.1:80   UDP/[2001:db8::1]:53   SCTP/10.0.0.1:9000   FWM/7 (IPv4 fwmark)   FWM6/7 (IPv6 fwmark)
 *   real servers: 10.0.0.2:80   [2001:db8::2]:80
 *
 * Addresses are taken as given: sources must produce them with formatAddress() (canonical text).
 */

export function serviceName(key: ServiceKey): string {
  if (key.kind === 'fwmark') return `${key.family === 'inet6' ? 'FWM6' : 'FWM'}/${key.fwmark}`;
  return `${protocolName(key.protocol)}/${hostPort(key.family, key.address, key.port)}`;
}

export function realName(real: Pick<RealServer, 'family' | 'address' | 'port'>): string {
  return hostPort(real.family, real.address, real.port);
}

function hostPort(family: 'inet' | 'inet6', address: string, port: number): string {
  return family === 'inet6' ? `[${address}]:${port}` : `${address}:${port}`;
}
