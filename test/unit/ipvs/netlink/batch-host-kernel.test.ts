// The native batch addon (src/ipvs/netlink/batch.c, built by scripts/build-native.sh, which npm test runs) against
// this machine's kernel: the generic netlink controller exists on every Linux kernel, so dumps and lookups of
// families prove sending, receiving until each request is complete, and errors in place. What IPVS answers through
// it is proven in the kernel guest (test/kernel).
import { describe, expect, it } from 'vitest';
import { batchUnavailableReason, loadBatch } from '../../../../src/ipvs/netlink/batch.js';
import { HOST_BYTE_ORDER } from '../../../../src/ipvs/netlink/bytes.js';
import { NetlinkError } from '../../../../src/ipvs/netlink/errors.js';
import { buildGetFamily, buildGetFamilyDump, decodeFamily } from '../../../../src/ipvs/netlink/genl-ctrl.js';
import { GenlSocket } from '../../../../src/ipvs/netlink/socket.js';

const o = HOST_BYTE_ORDER;

describe('the native batch addon on this kernel', () => {
  const batch = loadBatch({ order: o, timeoutMs: 2000 });

  it('is built and loads (scripts/build-native.sh)', () => {
    expect(batchUnavailableReason()).toBeUndefined();
    expect(batch).toBeDefined();
  });

  it('answers dumps and lookups in order, a refused lookup as ENOENT in its place, as GenlSocket does', async () => {
    if (batch === undefined) throw new Error(`no addon: ${batchUnavailableReason()}`);
    const requests = [
      buildGetFamilyDump(o),
      buildGetFamily('nlctrl', o),
      buildGetFamily('NO_SUCH_FAMILY', o),
      buildGetFamilyDump(o),
    ];
    const replies = await batch.transact(requests, (i) => `request ${i + 1}`);
    expect(replies).toHaveLength(4);

    const socket = await GenlSocket.open();
    let expected;
    try {
      expected = (await socket.request(buildGetFamilyDump(o), 'dump')).map((m) => decodeFamily(m, o));
    } finally {
      socket.close();
    }
    const decoded = (r: unknown) => (r as Uint8Array[]).map((m) => decodeFamily(m, o));
    expect(decoded(replies[0])).toEqual(expected);
    expect(decoded(replies[3])).toEqual(expected);
    expect(decoded(replies[1])).toEqual([expect.objectContaining({ name: 'nlctrl', id: 0x10 })]);
    expect(replies[2]).toBeInstanceOf(NetlinkError);
    expect(replies[2]).toMatchObject({ errno: 2, code: 'ENOENT', message: expect.stringContaining('request 3: ENOENT') });
  });

  it('a thousand requests in one batch, and two batches at once, each on its own socket', async () => {
    if (batch === undefined) throw new Error(`no addon: ${batchUnavailableReason()}`);
    const many = Array.from({ length: 1000 }, () => buildGetFamily('nlctrl', o));
    const [a, b] = await Promise.all([batch.transact(many, String), batch.transact(many.slice(0, 10), String)]);
    expect(a.every((r) => Array.isArray(r) && r.length === 1)).toBe(true);
    expect(b).toHaveLength(10);
  });

  it('bad request bytes are refused before anything is sent', async () => {
    if (batch === undefined) throw new Error(`no addon: ${batchUnavailableReason()}`);
    const bad = Uint8Array.from(buildGetFamily('nlctrl', o));
    new DataView(bad.buffer).setUint32(0, 4000, o === 'little'); // nlmsg_len past the bytes
    await expect(batch.transact([bad], String)).rejects.toThrow(/nlmsg_len does not fit/);
  });
});
