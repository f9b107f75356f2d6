// The real socket layer against this machine's kernel. The generic netlink controller exists on every Linux
// kernel, so resolving "nlctrl" proves open/send/receive/decode; "IPVS" is absent unless ip_vs is loaded
// (this machine's kernel has no IPVS), which must come back as ENOENT with the modprobe hint.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NetlinkSource } from '../../../src/ipvs/netlink-source.js';
import { HOST_BYTE_ORDER } from '../../../src/ipvs/netlink/bytes.js';
import { NetlinkError } from '../../../src/ipvs/netlink/errors.js';
import { buildGetFamily, buildGetFamilyDump, decodeFamily } from '../../../src/ipvs/netlink/genl-ctrl.js';
import { GenlSocket } from '../../../src/ipvs/netlink/socket.js';
import { IpvsReadError } from '../../../src/ipvs/read-error.js';

const linux = process.platform === 'linux';
// /proc/net/ip_vs exists exactly when the ip_vs module is loaded in this network namespace.
const ipvsLoaded = existsSync('/proc/net/ip_vs');

describe.skipIf(!linux)('GenlSocket on this kernel', () => {
  it('lists the registered families with a dump, which loads no module', async () => {
    const socket = await GenlSocket.open();
    try {
      const families = (await socket.request(buildGetFamilyDump(HOST_BYTE_ORDER), 'dump families')).map((m) =>
        decodeFamily(m, HOST_BYTE_ORDER),
      );
      expect(families.find((f) => f.name === 'nlctrl')).toMatchObject({ id: 0x10 });
      expect(families.length).toBeGreaterThan(1);
    } finally {
      socket.close();
    }
  });

  it('NetlinkSource on this kernel, which has no IPVS: a read error with the modprobe hint', async () => {
    const source = new NetlinkSource({});
    try {
      await expect(source.read()).rejects.toMatchObject({ name: 'IpvsReadError', errno: 'ENOENT', hint: 'IPVS kernel module not loaded: modprobe ip_vs' });
    } finally {
      await source.close();
    }
  });

  it('resolves the generic netlink controller "nlctrl" (id 0x10)', async () => {
    const socket = await GenlSocket.open();
    try {
      const replies = await socket.request(buildGetFamily('nlctrl', HOST_BYTE_ORDER), 'resolve nlctrl');
      expect(replies).toHaveLength(1);
      const family = decodeFamily(replies[0] as Uint8Array, HOST_BYTE_ORDER);
      expect(family).toMatchObject({ name: 'nlctrl', id: 0x10 });
      expect(family.version).toBeGreaterThanOrEqual(1);

      // Several requests on one socket, issued at once: serialized, each gets its own answer.
      const names = ['nlctrl', 'NO_SUCH_FAMILY', 'nlctrl'];
      const results = await Promise.allSettled(names.map((n) => socket.request(buildGetFamily(n, HOST_BYTE_ORDER), n)));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const rejected = results[1] as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(NetlinkError);
      expect(rejected.reason).toMatchObject({ errno: 2, code: 'ENOENT' });
    } finally {
      socket.close();
    }
    await expect(socket.request(buildGetFamily('nlctrl', HOST_BYTE_ORDER))).rejects.toThrow(/closed/);
  });

  it.skipIf(ipvsLoaded)('family "IPVS" is absent here: NLMSG_ERROR ENOENT from our own decoding', async () => {
    const socket = await GenlSocket.open();
    try {
      const err = await socket
        .request(buildGetFamily('IPVS', HOST_BYTE_ORDER), 'resolve family IPVS')
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NetlinkError);
      expect(err).toMatchObject({ errno: 2, code: 'ENOENT' });
      expect((err as Error).message).toBe('netlink: resolve family IPVS: ENOENT (No such file or directory)');
    } finally {
      socket.close();
    }
  });

  it.skipIf(ipvsLoaded)('NetlinkSource.read() reports the missing module with the modprobe hint', async () => {
    const source = new NetlinkSource();
    try {
      const err = await source.read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IpvsReadError);
      expect(err).toMatchObject({
        step: 'resolve family IPVS',
        errno: 'ENOENT',
        hint: 'IPVS kernel module not loaded: modprobe ip_vs',
      });
      // Recoverable: the next read tries again (and fails the same way here).
      await expect(source.read()).rejects.toMatchObject({ errno: 'ENOENT' });
    } finally {
      await source.close();
    }
  });

  it('an idle socket does not keep the process alive; a closed one refuses requests', async () => {
    const socket = await GenlSocket.open({ timeoutMs: 1000 });
    socket.close();
    socket.close(); // idempotent
    await expect(socket.request(buildGetFamily('nlctrl', HOST_BYTE_ORDER))).rejects.toThrow(/closed/);
  });
});
