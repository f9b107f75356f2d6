import { describe, expect, it } from 'vitest';
import { ValueType, type Value } from '../../../src/agentx/pdu.js';
import { snapshotFromJson } from '../../../src/ipvs/snapshot-json.js';
import { REAL_COLUMNS, SERVICE_COLUMNS } from '../../../src/mib/lvs-mib.js';
import { buildRows } from '../../../src/mib/model.js';

const INFO = { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] };

const ROWS = buildRows(
  snapshotFromJson({
    info: INFO,
    services: [
      {
        protocol: 'sctp',
        address: '10.0.0.1',
        port: 9000,
        scheduler: 'sh',
        // IP_VS_SVC_F_PERSISTENT | HASHED | SCHED2, and a bit above them that LVS-MIB does not name
        flags: 0x1 | 0x2 | 0x10 | 0x100,
        reals: [
          { address: '10.0.0.2', port: 9000, forward: 'tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelFlags: 0x1 | 0x2 },
          { address: '10.0.0.3', port: 9000, forward: 'tunnel', tunnelType: 'gre', tunnelFlags: 0x2 },
          { address: '10.0.0.4', port: 9000, forward: 'tunnel', tunnelType: 'gre', tunnelFlags: 0 },
        ],
      },
    ],
  }),
);

function serviceValue(name: string): Value {
  const column = SERVICE_COLUMNS.find((c) => c.name === name);
  if (!column) throw new Error(name);
  return column.value(ROWS.services[0]!, () => 0);
}

function realValues(name: string): Value[] {
  const column = REAL_COLUMNS.find((c) => c.name === name);
  if (!column) throw new Error(name);
  return ROWS.reals.map((r) => column.value(r, () => 0));
}

describe('LVS-MIB values', () => {
  it('lvsServiceProto is the IPPROTO number', () => {
    expect(serviceValue('lvsServiceProto')).toEqual({ type: ValueType.Integer, value: 132 });
  });

  it('lvsServiceFlags: bit n for IP_VS_SVC_F 2^n, six named bits, nothing above them', () => {
    // persistent(0), hashed(1), schedFlag2(4): 1100 1000
    expect(serviceValue('lvsServiceFlags')).toMatchObject({ value: new Uint8Array([0xc8]) });
  });

  it('lvsRealTunnelFlags: checksum and remoteChecksum from IP_VS_TUNNEL_ENCAP_FLAG_*, else noChecksum', () => {
    // checksum(1) and remoteChecksum(2): 0110 0000; remoteChecksum(2): 0010 0000; noChecksum(0): 1000 0000
    expect(realValues('lvsRealTunnelFlags').map((v) => 'value' in v && v.value)).toEqual([0x60, 0x20, 0x80].map((b) => new Uint8Array([b])));
  });

  it('lvsServiceDisplayName is the index text; lvsRealDisplayName is the service name, " -> ", the real name', () => {
    const text = (v: Value): string => ('value' in v && v.value instanceof Uint8Array ? Buffer.from(v.value).toString('latin1') : `not octets: ${v.type}`);
    expect(serviceValue('lvsServiceDisplayName').type).toBe(ValueType.OctetString);
    expect(text(serviceValue('lvsServiceDisplayName'))).toBe('SCTP/10.0.0.1:9000');
    expect(realValues('lvsRealDisplayName').map(text)).toEqual([
      'SCTP/10.0.0.1:9000 -> 10.0.0.2:9000',
      'SCTP/10.0.0.1:9000 -> 10.0.0.3:9000',
      'SCTP/10.0.0.1:9000 -> 10.0.0.4:9000',
    ]);
    const v6 = buildRows(
      snapshotFromJson({
        info: INFO,
        services: [{ fwmark: 7, family: 'inet6', reals: [{ address: '2001:0db8:0:0:0:0:0:2', port: 0 }] }],
      }),
    );
    const col = REAL_COLUMNS.find((c) => c.name === 'lvsRealDisplayName')!;
    expect(text(col.value(v6.reals[0]!, () => 0))).toBe('FWM6/7 -> [2001:db8::2]:0');
  });

  it('the name columns are the last of each entry', () => {
    expect(SERVICE_COLUMNS.at(-1)).toMatchObject({ name: 'lvsServiceDisplayName', subid: 38 });
    expect(REAL_COLUMNS.at(-1)).toMatchObject({ name: 'lvsRealDisplayName', subid: 37 });
  });
});
