import type { Protocol } from './snapshot.js';

/**
 * The protocols of an address service, each with its IPPROTO_* number (include/uapi/linux/in.h: the kernel's
 * IPVS_SVC_ATTR_PROTOCOL and LVS-MIB's lvsServiceProto) and its name as ipvsadm prints it and the canonical
 * service names spell it ("TCP/10.0.0.1:80").
 */
const PROTOCOL_TABLE = {
  tcp: { number: 6, name: 'TCP' },
  udp: { number: 17, name: 'UDP' },
  sctp: { number: 132, name: 'SCTP' },
} as const satisfies Readonly<Record<Protocol, { readonly number: number; readonly name: string }>>;

export const PROTOCOLS = Object.keys(PROTOCOL_TABLE) as readonly Protocol[];

export function protocolNumber(protocol: Protocol): number {
  return PROTOCOL_TABLE[protocol].number;
}

export function protocolName(protocol: Protocol): string {
  return PROTOCOL_TABLE[protocol].name;
}

const BY_NUMBER: ReadonlyMap<number, Protocol> = new Map(PROTOCOLS.map((p) => [protocolNumber(p), p]));
const BY_NAME: ReadonlyMap<string, Protocol> = new Map(PROTOCOLS.map((p) => [protocolName(p), p]));

/** The protocol with IPPROTO_* number `n`, or undefined for one IPVS does not balance. */
export function protocolOfNumber(n: number): Protocol | undefined {
  return BY_NUMBER.get(n);
}

/** The protocol named `name` exactly as protocolName() writes it ("TCP"), or undefined. */
export function protocolOfName(name: string): Protocol | undefined {
  return BY_NAME.get(name);
}
