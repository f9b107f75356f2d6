import { describe, expect, it } from 'vitest';
import { snapshotFromJson } from '../../../src/ipvs/snapshot-json.js';
import { MrtgConfigError, mrtgConfig, targetName, type MrtgOptions } from '../../../src/tools/mrtg.js';

const INFO = { version: '1.2.1', connTableSize: 4096, tcpTimeout: 900, tcpFinTimeout: 120, udpTimeout: 300, daemons: [] };

/** The string index written out the plain way (RFC 2578 7.7): length, then one sub-identifier per character. */
function idx(text: string): string {
  return [text.length, ...[...text].map((c) => c.charCodeAt(0))].join('.');
}

const SVC = '1.3.6.1.4.1.8225.4711.17.1';
const REAL = '1.3.6.1.4.1.8225.4711.18.1';

/** lvsServiceStatsInBytes."TCP/10.0.0.1:80", spelled out by hand: 15 characters, T C P / 1 0 . 0 . 0 . 1 : 8 0. */
const TCP_IN = '1.3.6.1.4.1.8225.4711.17.1.13.15.84.67.80.47.49.48.46.48.46.48.46.49.58.56.48';
const TCP_OUT = '1.3.6.1.4.1.8225.4711.17.1.14.15.84.67.80.47.49.48.46.48.46.48.46.49.58.56.48';

const FOUR_SERVICES = snapshotFromJson({
  info: INFO,
  services: [
    { protocol: 'udp', address: '2001:db8::1', port: 53, scheduler: 'rr', reals: [{ address: '2001:db8::2', port: 53 }] },
    { protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wlc', reals: [{ address: '10.0.0.3', port: 80 }, { address: '10.0.0.2', port: 80 }] },
    { fwmark: 7, family: 'inet6', scheduler: 'lc', reals: [] },
    { fwmark: 7, scheduler: 'wrr', reals: [] },
  ],
});

const OPTIONS: MrtgOptions = { host: '192.0.2.10', community: 'public', workDir: '/var/www/html/mrtg' };

describe('mrtgConfig', () => {
  it('spells the hand-computed OIDs of TCP/10.0.0.1:80', () => {
    expect(`${SVC}.13.${idx('TCP/10.0.0.1:80')}`).toBe(TCP_IN);
    const text = mrtgConfig(FOUR_SERVICES, OPTIONS);
    expect(text).toContain(`Target[lvs_tcp_10.0.0.1_80]: ${TCP_IN}&${TCP_OUT}:public@192.0.2.10:161::::2\n`);
  });

  it('writes every service in SNMP index order (golden text)', () => {
    const fwm = idx('FWM/7');
    const fwm6 = idx('FWM6/7');
    const udp = idx('UDP/[2001:db8::1]:53');
    const at = 'public@192.0.2.10:161::::2';
    const expected = `# MRTG targets for LVS-MIB (enterprises.8225.4711), written by \`lvs-agentx mrtg\`.
# 4 service(s): traffic.
# Targets are named after the row index (lvsServiceName, lvsRealName): a target keeps its service when others
# are added or removed. Run \`lvs-agentx mrtg\` again to add targets for new services.
# SNMP v2c: the byte counters are Counter64. mrtg refuses a UTF-8 LANG: run \`env LANG=C mrtg THIS_FILE\`.

WorkDir: /var/www/html/mrtg

# FWM/7
Target[lvs_fwm_7]: ${SVC}.13.${fwm}&${SVC}.14.${fwm}:${at}
MaxBytes[lvs_fwm_7]: 12500000000
Title[lvs_fwm_7]: LVS service FWM/7: traffic
PageTop[lvs_fwm_7]: <h1>LVS service FWM/7: traffic</h1>
Options[lvs_fwm_7]: growright, bits, nopercent

# FWM6/7
Target[lvs_fwm6_7]: ${SVC}.13.${fwm6}&${SVC}.14.${fwm6}:${at}
MaxBytes[lvs_fwm6_7]: 12500000000
Title[lvs_fwm6_7]: LVS service FWM6/7: traffic
PageTop[lvs_fwm6_7]: <h1>LVS service FWM6/7: traffic</h1>
Options[lvs_fwm6_7]: growright, bits, nopercent

# TCP/10.0.0.1:80
Target[lvs_tcp_10.0.0.1_80]: ${TCP_IN}&${TCP_OUT}:${at}
MaxBytes[lvs_tcp_10.0.0.1_80]: 12500000000
Title[lvs_tcp_10.0.0.1_80]: LVS service TCP/10.0.0.1:80: traffic
PageTop[lvs_tcp_10.0.0.1_80]: <h1>LVS service TCP/10.0.0.1:80: traffic</h1>
Options[lvs_tcp_10.0.0.1_80]: growright, bits, nopercent

# UDP/[2001:db8::1]:53
Target[lvs_udp6_2001-db8--1_53]: ${SVC}.13.${udp}&${SVC}.14.${udp}:${at}
MaxBytes[lvs_udp6_2001-db8--1_53]: 12500000000
Title[lvs_udp6_2001-db8--1_53]: LVS service UDP/[2001:db8::1]:53: traffic
PageTop[lvs_udp6_2001-db8--1_53]: <h1>LVS service UDP/[2001:db8::1]:53: traffic</h1>
Options[lvs_udp6_2001-db8--1_53]: growright, bits, nopercent
`;
    expect(mrtgConfig(FOUR_SERVICES, OPTIONS)).toBe(expected);
  });

  it('adds real servers and gauge targets on request (golden text)', () => {
    const snapshot = snapshotFromJson({
      info: INFO,
      services: [{ protocol: 'tcp', address: '10.0.0.1', port: 80, reals: [{ address: '10.0.0.2', port: 80 }] }],
    });
    const s = idx('TCP/10.0.0.1:80');
    const r = `${s}.${idx('10.0.0.2:80')}`;
    const at = 'c0mmunity!@lvs-director.example:1161::::2';
    const conns = (name: string): string => `YLegend[${name}]: Connections
ShortLegend[${name}]: conns
LegendI[${name}]: &nbsp;Active:
LegendO[${name}]: &nbsp;Inactive:
Legend1[${name}]: Active connections
Legend2[${name}]: Inactive connections
Legend3[${name}]: Maximal active connections
Legend4[${name}]: Maximal inactive connections`;
    const expected = `# MRTG targets for LVS-MIB (enterprises.8225.4711), written by \`lvs-agentx mrtg\`.
# 1 service(s), 1 real server(s): traffic, connections, rate estimates.
# Targets are named after the row index (lvsServiceName, lvsRealName): a target keeps its service when others
# are added or removed. Run \`lvs-agentx mrtg\` again to add targets for new services.
# SNMP v2c: the byte counters are Counter64. mrtg refuses a UTF-8 LANG: run \`env LANG=C mrtg THIS_FILE\`.

WorkDir: /srv/mrtg

# TCP/10.0.0.1:80
Target[lvs_tcp_10.0.0.1_80]: ${TCP_IN}&${TCP_OUT}:${at}
MaxBytes[lvs_tcp_10.0.0.1_80]: 12500000000
Title[lvs_tcp_10.0.0.1_80]: LVS service TCP/10.0.0.1:80: traffic
PageTop[lvs_tcp_10.0.0.1_80]: <h1>LVS service TCP/10.0.0.1:80: traffic</h1>
Options[lvs_tcp_10.0.0.1_80]: growright, bits, nopercent
Target[lvs_tcp_10.0.0.1_80_conns]: ${SVC}.26.${s}&${SVC}.27.${s}:${at}
MaxBytes[lvs_tcp_10.0.0.1_80_conns]: 4294967295
Title[lvs_tcp_10.0.0.1_80_conns]: LVS service TCP/10.0.0.1:80: connections
PageTop[lvs_tcp_10.0.0.1_80_conns]: <h1>LVS service TCP/10.0.0.1:80: connections</h1>
Options[lvs_tcp_10.0.0.1_80_conns]: growright, gauge, nopercent, integer
${conns('lvs_tcp_10.0.0.1_80_conns')}
Target[lvs_tcp_10.0.0.1_80_rate]: ${SVC}.35.${s}&${SVC}.36.${s}:${at}
MaxBytes[lvs_tcp_10.0.0.1_80_rate]: 12500000000
Title[lvs_tcp_10.0.0.1_80_rate]: LVS service TCP/10.0.0.1:80: kernel rate estimate
PageTop[lvs_tcp_10.0.0.1_80_rate]: <h1>LVS service TCP/10.0.0.1:80: kernel rate estimate</h1>
Options[lvs_tcp_10.0.0.1_80_rate]: growright, gauge, bits, nopercent

# TCP/10.0.0.1:80 -> 10.0.0.2:80
Target[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80]: ${REAL}.10.${r}&${REAL}.11.${r}:${at}
MaxBytes[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80]: 12500000000
Title[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80]: LVS real server 10.0.0.2:80 of TCP/10.0.0.1:80: traffic
PageTop[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80]: <h1>LVS real server 10.0.0.2:80 of TCP/10.0.0.1:80: traffic</h1>
Options[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80]: growright, bits, nopercent
Target[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_conns]: ${REAL}.22.${r}&${REAL}.23.${r}:${at}
MaxBytes[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_conns]: 4294967295
Title[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_conns]: LVS real server 10.0.0.2:80 of TCP/10.0.0.1:80: connections
PageTop[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_conns]: <h1>LVS real server 10.0.0.2:80 of TCP/10.0.0.1:80: connections</h1>
Options[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_conns]: growright, gauge, nopercent, integer
${conns('lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_conns')}
Target[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_rate]: ${REAL}.34.${r}&${REAL}.35.${r}:${at}
MaxBytes[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_rate]: 12500000000
Title[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_rate]: LVS real server 10.0.0.2:80 of TCP/10.0.0.1:80: kernel rate estimate
PageTop[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_rate]: <h1>LVS real server 10.0.0.2:80 of TCP/10.0.0.1:80: kernel rate estimate</h1>
Options[lvs_tcp_10.0.0.1_80_real_10.0.0.2_80_rate]: growright, gauge, bits, nopercent
`;
    const text = mrtgConfig(snapshot, {
      host: 'lvs-director.example',
      community: 'c0mmunity!',
      port: 1161,
      workDir: '/srv/mrtg',
      reals: true,
      rates: true,
    });
    expect(text).toBe(expected);
  });

  it('orders real servers by their index within each service, after the service', () => {
    const text = mrtgConfig(FOUR_SERVICES, { ...OPTIONS, reals: true });
    const targets = [...text.matchAll(/^Target\[([^\]]+)\]/gm)].map((m) => m[1]);
    expect(targets).toEqual([
      'lvs_fwm_7',
      'lvs_fwm6_7',
      'lvs_tcp_10.0.0.1_80',
      'lvs_tcp_10.0.0.1_80_real_10.0.0.2_80',
      'lvs_tcp_10.0.0.1_80_real_10.0.0.3_80',
      'lvs_udp6_2001-db8--1_53',
      'lvs_udp6_2001-db8--1_53_real6_2001-db8--2_53',
    ]);
    expect(text).toContain(`# UDP/[2001:db8::1]:53 -> [2001:db8::2]:53\n`);
  });

  it('does not depend on the order the source listed services in, and keeps the first of a duplicate', () => {
    const doc = {
      info: INFO,
      services: [
        { protocol: 'tcp', address: '10.0.0.1', port: 80, reals: [] },
        { protocol: 'udp', address: '10.0.0.1', port: 53, reals: [] },
        { fwmark: 1, reals: [] },
      ],
    };
    const reversed = { ...doc, services: [...doc.services].reverse() };
    const a = mrtgConfig(snapshotFromJson(doc), OPTIONS);
    expect(mrtgConfig(snapshotFromJson(reversed), OPTIONS)).toBe(a);
    // A snapshot file may not list a service twice (snapshot-json refuses it); a kernel dump racing with changes may.
    const parsed = snapshotFromJson(doc);
    expect(mrtgConfig({ ...parsed, services: [...parsed.services, parsed.services[0]!] }, OPTIONS)).toBe(a);
  });

  it('keeps a service target byte for byte when other services come and go', () => {
    const block = (text: string): string => text.split('\n').filter((l) => l.includes('[lvs_tcp_10.0.0.1_80]')).join('\n');
    const before = mrtgConfig(FOUR_SERVICES, OPTIONS);
    const after = mrtgConfig(
      snapshotFromJson({
        info: INFO,
        services: [{ fwmark: 1, reals: [] }, { protocol: 'tcp', address: '10.0.0.0', port: 80, reals: [] }, { protocol: 'tcp', address: '10.0.0.1', port: 80, reals: [] }],
      }),
      OPTIONS,
    );
    expect(block(after)).toBe(block(before));
    expect(block(after).split('\n')).toHaveLength(5);
  });

  it('writes an empty table as a config with no targets', () => {
    const text = mrtgConfig(snapshotFromJson({ info: INFO, services: [] }), OPTIONS);
    expect(text).toContain('# 0 service(s): traffic.\n');
    expect(text).toContain('WorkDir: /var/www/html/mrtg\n');
    expect(text).not.toContain('Target[');
  });

  it('brackets an IPv6 host and turns EnableIPv6 on', () => {
    for (const host of ['::1', '[::1]']) {
      const text = mrtgConfig(FOUR_SERVICES, { ...OPTIONS, host, port: 16161 });
      expect(text).toContain(`&${TCP_OUT}:public@[::1]:16161::::2\n`);
      expect(text).toContain('\nEnableIPv6: yes\n');
    }
    expect(mrtgConfig(FOUR_SERVICES, OPTIONS)).not.toContain('EnableIPv6');
  });

  it('refuses hosts, communities, ports and work directories MRTG cannot take', () => {
    const bad: Partial<MrtgOptions>[] = [
      { host: 'a b' },
      { host: '' },
      { host: '::ffff:192.0.2.1' },
      { host: 'fe80::1%eth0' },
      { community: 'with space' },
      { community: 'at@sign' },
      { community: 'back`tick`' },
      { community: 'back\\slash' },
      { community: '' },
      { community: 'caf\u00e9' },
      { port: 0 },
      { port: 65536 },
      { port: 1.5 },
      { workDir: '' },
      { workDir: '/tmp/x\nTarget[evil]: `rm -rf /`' },
    ];
    for (const b of bad) expect(() => mrtgConfig(FOUR_SERVICES, { ...OPTIONS, ...b }), JSON.stringify(b)).toThrow(MrtgConfigError);
  });
});

describe('targetName', () => {
  it('maps canonical names readably', () => {
    expect(targetName('TCP/10.0.0.1:80')).toBe('lvs_tcp_10.0.0.1_80');
    expect(targetName('SCTP/10.0.0.1:9000')).toBe('lvs_sctp_10.0.0.1_9000');
    expect(targetName('UDP/[2001:db8::1]:53')).toBe('lvs_udp6_2001-db8--1_53');
    expect(targetName('TCP/[::]:0')).toBe('lvs_tcp6_--_0');
    expect(targetName('FWM/7')).toBe('lvs_fwm_7');
    expect(targetName('FWM6/7')).toBe('lvs_fwm6_7');
    expect(targetName('FWM/7', '10.0.0.2:80')).toBe('lvs_fwm_7_real_10.0.0.2_80');
    expect(targetName('FWM6/7', '[2001:db8::2]:80', 'conns')).toBe('lvs_fwm6_7_real6_2001-db8--2_80_conns');
    expect(targetName('TCP/10.0.0.1:80', undefined, 'rate')).toBe('lvs_tcp_10.0.0.1_80_rate');
    expect(targetName('TCP/[::ffff:10.0.0.1]:443', '[::ffff:10.0.0.2]:443')).toBe('lvs_tcp6_--ffff-10.0.0.1_443_real6_--ffff-10.0.0.2_443');
  });

  it('falls back to hex for names that are not canonical', () => {
    expect(targetName('TCP/[2001:DB8::1]:53')).toBe(`lvs_x_${Buffer.from('TCP/[2001:DB8::1]:53').toString('hex')}`);
    expect(targetName('FWM/7', 'no port')).toBe(`lvs_fwm_7_realx_${Buffer.from('no port').toString('hex')}`);
  });

  it('is injective over tricky names, and MRTG lower-casing and file naming change nothing', () => {
    const services = [
      'TCP/10.0.0.1:80',
      'TCP/10.0.0.18:0',
      'TCP/10.0.0.1:8',
      'UDP/10.0.0.1:80',
      'SCTP/10.0.0.1:80',
      'TCP/[2001:db8::1]:80',
      'TCP/[2001:db8::1:80]:80',
      'TCP/[2001:db8:0:1::]:80',
      'TCP/[2001:db8::]:180',
      'TCP/[2001:db8::1]:53',
      'UDP/[2001:db8::1]:53',
      'TCP/[::]:0',
      'TCP/[::1]:1',
      'TCP/[::11]:',
      'TCP/[::ffff:10.0.0.1]:80',
      'TCP/[::ffff:a00:1]:80',
      'FWM/7',
      'FWM6/7',
      'FWM/67',
      'FWM/76',
      'FWM6/76',
      // not canonical: must still get names of their own
      'FWM/6_7',
      'fwm/7',
      'TCP/[2001:DB8::1]:80',
      'TCP/10.0.0.1_80',
      'tcp/10.0.0.1:80',
      'TCP/10.0.0.1-80',
      'TCP/010.0.0.1:80',
      'TCP/10.0.0.1:080',
      'X',
      '',
      'lvs_tcp_10.0.0.1_80',
    ];
    const reals = [undefined, '10.0.0.2:80', '10.0.0.28:0', '[2001:db8::2]:80', '[2001:db8::2:80]:80', '[::]:0', 'bad', '10.0.0.2_80'];
    const suffixes = [undefined, 'conns', 'rate'] as const;
    const seen = new Map<string, string>();
    for (const s of services) {
      for (const r of reals) {
        for (const x of suffixes) {
          const name = targetName(s, r, x);
          const what = JSON.stringify([s, r, x]);
          expect(name, what).toMatch(/^[a-z0-9._-]+$/);
          expect(name.toLowerCase()).toBe(name);
          const other = seen.get(name);
          expect(other, `${what} and ${other} both map to ${name}`).toBeUndefined();
          seen.set(name, what);
        }
      }
    }
    expect(seen.size).toBe(services.length * reals.length * suffixes.length);
  });
});
