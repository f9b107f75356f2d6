import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../../src/daemon/settings.js';
import { createSource } from '../../../src/daemon/source-factory.js';
import { parseSourceSpec, SourceSpecError } from '../../../src/daemon/source-spec.js';
import { DEFAULT_SIM } from '../../../src/ipvs/sim-source.js';

describe('parseSourceSpec', () => {
  it('reads every form', () => {
    expect(parseSourceSpec('netlink')).toEqual({ kind: 'netlink' });
    expect(parseSourceSpec('ipvsadm')).toEqual({ kind: 'ipvsadm', path: undefined });
    expect(parseSourceSpec('ipvsadm:/usr/sbin/ipvsadm')).toEqual({ kind: 'ipvsadm', path: '/usr/sbin/ipvsadm' });
    expect(parseSourceSpec('file:/var/lib/lvs/snap.json')).toEqual({ kind: 'file', path: '/var/lib/lvs/snap.json' });
    expect(parseSourceSpec('file:C:x')).toEqual({ kind: 'file', path: 'C:x' });
    expect(parseSourceSpec('sim')).toEqual({ kind: 'sim', options: DEFAULT_SIM });
    expect(parseSourceSpec('sim:services=5,seed=9')).toEqual({ kind: 'sim', options: { ...DEFAULT_SIM, services: 5, seed: 9 } });
    expect(parseSourceSpec(`file:/${'p'.repeat(4094)}`)).toMatchObject({ kind: 'file' });
    expect(parseSourceSpec('sim:services=10000,reals=100')).toMatchObject({ kind: 'sim', options: { services: 10000, reals: 100 } });
  });

  it.each([
    ['kernel', /expected netlink, ipvsadm\[:PATH\], file:PATH or sim\[:OPTIONS\]$/],
    ['netlink:x', /expected netlink, ipvsadm/],
    ['simulator', /expected netlink, ipvsadm/],
    ['file:', /expected file:PATH with a path/],
    ['ipvsadm:', /expected ipvsadm:PATH with a path/],
    ['file', /expected netlink, ipvsadm/],
    ['sim:services=many', /expected sim\[:OPTIONS\] \(sim: "services=many"/],
    ['ipvsadm:/usr/sbin/ipvsadm\0x', /expected ipvsadm:PATH with a path without NUL characters$/],
    ['sim:services=1000001', /expected sim with services=N at most 1000000$/],
    ['sim:reals=65536', /expected sim with reals=N at most 65535/],
    ['sim:services=10000,reals=101', /expected sim with services x reals at most 1000000 \(every row is held in memory\), not 1010000$/],
  ])('refuses %j', (text, message) => {
    expect(() => parseSourceSpec(text)).toThrow(SourceSpecError);
    expect(() => parseSourceSpec(text)).toThrow(message);
  });

  it('refuses a path of PATH_MAX bytes or more (a 1 MB path was accepted and written to stderr 3 MB at a time)', () => {
    for (const path of [`/${'p'.repeat(4095)}`, `/${'p'.repeat(1 << 20)}`]) {
      expect(() => parseSourceSpec(`file:${path}`)).toThrow(/^source "file:\/p{58}\.\.\." \(\d+ bytes\): expected file:PATH with a path shorter than 4096 bytes \(PATH_MAX\)$/);
    }
  });

  it('is what the settings validate and the factory builds from', async () => {
    const source = (value: string) => resolveSettings({}, { source: { value, origin: '--source' } }).source;
    expect(source(' sim:reals=2 ')).toBe('sim:reals=2');
    expect(() => source('sim:reals=x')).toThrow('--source: source "sim:reals=x": expected sim[:OPTIONS] (sim: "reals=x"');
    expect(() => source('file:')).toThrow('--source: source "file:": expected file:PATH with a path');
    await expect(createSource('ipvsadm:')).rejects.toThrow('--source: source "ipvsadm:": expected ipvsadm:PATH with a path');
    const sim = await createSource('sim:services=3,reals=1');
    try {
      expect((await sim.read()).services).toHaveLength(3);
    } finally {
      await sim.close();
    }
    const file = await createSource('file:/nonexistent/snap.json');
    await file.close();
    expect(file.name).toContain('/nonexistent/snap.json');
  });
});
