import { describe, expect, it } from 'vitest';
import type { Source } from '../../../src/ipvs/source.js';
import { namespaceGuardedSource, namespaceProblem, netnsPath, type NamespaceId } from '../../../src/daemon/netns.js';
import { parseCommandLine } from '../../../src/daemon/cli.js';
import { parseConfigText } from '../../../src/daemon/config-file.js';
import { resolveSettings, SettingError } from '../../../src/daemon/settings.js';

/**
 * --netns and --context: which namespace path a value names, how "this process is in that namespace" is decided
 * (nsfs device and inode), what a deleted or replaced namespace looks like, and the settings' validation.
 */

const SELF = '/proc/self/ns/net';

/** A stat over a table of paths; a missing path is ENOENT. */
function statOf(table: Record<string, NamespaceId>): (path: string) => NamespaceId {
  return (path) => {
    const id = table[path];
    if (id === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return id;
  };
}

describe('netnsPath', () => {
  it('takes a NAME as ip netns does, and a path as it is', () => {
    expect(netnsPath('blue', () => false)).toBe('/run/netns/blue');
    expect(netnsPath('blue', (p) => p === '/var/run/netns/blue')).toBe('/var/run/netns/blue');
    expect(netnsPath('blue', () => true)).toBe('/run/netns/blue');
    expect(netnsPath('/var/run/docker/netns/ingress_sbox', () => false)).toBe('/var/run/docker/netns/ingress_sbox');
  });
});

describe('namespaceProblem', () => {
  it('is none when the path is the namespace the process is in', () => {
    expect(namespaceProblem('/run/netns/blue', statOf({ [SELF]: { dev: 4, ino: 100 }, '/run/netns/blue': { dev: 4, ino: 100 } }))).toBeUndefined();
  });

  it('names another namespace, a deleted one and an unreadable one', () => {
    expect(namespaceProblem('/run/netns/blue', statOf({ [SELF]: { dev: 4, ino: 100 }, '/run/netns/blue': { dev: 4, ino: 200 } }))).toBe(
      '/run/netns/blue is network namespace 200, this process is in 100',
    );
    expect(namespaceProblem('/run/netns/blue', statOf({ [SELF]: { dev: 4, ino: 100 } }))).toBe(
      '/run/netns/blue does not exist (deleted, e.g. by ip netns del?)',
    );
    const denied = (path: string): NamespaceId => {
      if (path === SELF) return { dev: 4, ino: 100 };
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    };
    expect(namespaceProblem('/run/netns/blue', denied)).toBe('cannot read /run/netns/blue (EACCES)');
  });

  it('on the real file system: this process is in its own namespace and not in another process-less file', () => {
    expect(namespaceProblem(SELF)).toBeUndefined();
    expect(namespaceProblem(`/proc/${process.pid}/ns/net`)).toBeUndefined();
    // /proc/self/ns/mnt is an nsfs file too, of another namespace type: never the same inode.
    expect(namespaceProblem('/proc/self/ns/mnt')).toMatch(/^\/proc\/self\/ns\/mnt is network namespace \d+, this process is in \d+$/);
  });
});

describe('namespaceGuardedSource', () => {
  it('checks before every read, reports the loss once, and still reads', async () => {
    const table: Record<string, NamespaceId> = { [SELF]: { dev: 4, ino: 100 }, '/run/netns/blue': { dev: 4, ino: 100 } };
    let reads = 0;
    const inner: Source = { name: 'sim', read: () => Promise.resolve((reads++, { services: [] }) as never), close: () => Promise.resolve() };
    const lost: string[] = [];
    const source = namespaceGuardedSource(inner, '/run/netns/blue', (p) => lost.push(p), statOf(table));
    expect(source.name).toBe('sim');
    await source.read();
    expect(lost).toEqual([]);
    delete table['/run/netns/blue'];
    await source.read();
    table['/run/netns/blue'] = { dev: 4, ino: 300 }; // re-created under the same name: another namespace
    await source.read();
    expect(lost).toEqual(['/run/netns/blue does not exist (deleted, e.g. by ip netns del?)']);
    expect(reads).toBe(3);
  });
});

describe('the context and netns settings', () => {
  const run = (argv: string[]) => {
    const cmd = parseCommandLine(argv);
    if (cmd.kind !== 'run') throw new Error('not run');
    return resolveSettings({}, cmd.flags);
  };

  it('default to the default context and no namespace check', () => {
    expect(run([])).toMatchObject({ context: '', netns: '' });
  });

  it('take a context and a namespace NAME or path, from flags and from the config file', () => {
    expect(run(['--context', 'ns-a', '--netns', '/var/run/docker/netns/ingress_sbox'])).toMatchObject({
      context: 'ns-a',
      netns: '/var/run/docker/netns/ingress_sbox',
    });
    expect(run(['--netns=blue']).netns).toMatch(/^\/(var\/)?run\/netns\/blue$/);
    const file = parseConfigText('context = docker-ingress\nnetns = /var/run/docker/netns/ingress_sbox\n', '/etc/x.conf');
    expect(resolveSettings(file, {})).toMatchObject({ context: 'docker-ingress', netns: '/var/run/docker/netns/ingress_sbox' });
    expect(resolveSettings(file, { context: { value: 'other', origin: '--context' } }).context).toBe('other');
  });

  it('refuse a context that is not a printable name of at most 32 characters, and a namespace that is neither', () => {
    expect(run(['--context', 'a'.repeat(32)]).context).toHaveLength(32);
    for (const bad of ['a'.repeat(33), 'two words', 'tab\there', 'caf\u00e9']) {
      expect(() => run(['--context', bad])).toThrow(SettingError);
    }
    expect(() => run(['--context', 'two words'])).toThrow(/^--context: context "two words": expected an SNMP context name: up to 32 printable ASCII characters/);
    for (const bad of ['..', 'a/b', 'relative/path', `/${'x'.repeat(4096)}`]) {
      expect(() => run(['--netns', bad])).toThrow(SettingError);
    }
    expect(() => run(['--netns', 'a/b'])).toThrow(/^--netns: netns "a\/b": expected a network namespace NAME/);
  });
});
