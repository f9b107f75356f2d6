// GenlSocket's own logic (serialization, sequence numbers, timeouts, late and foreign datagrams, socket errors) over a
// scripted raw socket; genl-socket.test.ts runs the real one.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { HOST_BYTE_ORDER } from '../../../../src/ipvs/netlink/bytes.js';
import { NetlinkError } from '../../../../src/ipvs/netlink/errors.js';
import { decodeHeader } from '../../../../src/ipvs/netlink/message.js';
import { GenlSocket, type RawSocket } from '../../../../src/ipvs/netlink/socket.js';
import { genl, nlmsg, s32 } from '../nl.js';

const o = HOST_BYTE_ORDER;
const dumpRequest = nlmsg(o, { type: 0x1b, flags: 0x301 }, genl(4, 1));

class FakeRaw extends EventEmitter implements RawSocket {
  readonly sent: Uint8Array[] = [];
  refs: boolean[] = [];
  closed = false;
  sendError: unknown = undefined;
  send(msg: Uint8Array, _options: undefined, callback: (err?: unknown) => void): void {
    this.sent.push(Uint8Array.from(msg));
    queueMicrotask(() => callback(this.sendError));
  }
  close(): void {
    this.closed = true;
  }
  ref(): void {
    this.refs.push(true);
  }
  unref(): void {
    this.refs.push(false);
  }
  /** The kernel's answer to the last request: data messages then NLMSG_DONE, with its sequence number. */
  answer(count: number, port = 0, seq = this.lastSeq()): void {
    const parts = [];
    for (let i = 0; i < count; i++) parts.push(...nlmsg(o, { type: 0x1b, flags: 2, seq }, genl(1, 1)));
    parts.push(...nlmsg(o, { type: 3, flags: 2, seq }, s32(o, 0)));
    this.emit('message', Uint8Array.from(parts), { port });
  }
  lastSeq(): number {
    const last = this.sent[this.sent.length - 1];
    return last === undefined ? 0 : decodeHeader(last, 0, o).seq;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

/** Ref'd timers of the process (what keeps it alive), as Node counts them. */
const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('GenlSocket over a scripted raw socket', () => {
  it('numbers requests, serializes them, and matches replies by sequence number', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    const timersBefore = liveTimers();
    const a = socket.request(dumpRequest, 'a');
    const b = socket.request(dumpRequest, 'b');
    await tick();
    expect(raw.sent).toHaveLength(1); // b waits for a
    expect(liveTimers()).toBe(timersBefore + 1); // the watchdog keeps the process alive while a request is out
    expect(raw.lastSeq()).toBe(1);
    raw.answer(2, 0, 7); // another sequence: ignored
    raw.answer(2, 4242); // not from the kernel (port 4242): ignored
    raw.answer(3);
    expect(await a).toHaveLength(3);
    await tick();
    expect(raw.sent).toHaveLength(2);
    expect(raw.lastSeq()).toBe(2);
    raw.answer(0);
    expect(await b).toEqual([]);
    // The raw socket never keeps the process alive; the watchdog no longer does once nothing is in flight.
    expect(raw.refs).toEqual([false]);
    expect(liveTimers()).toBe(timersBefore);
    // The caller's request is left as it was: each send numbered a copy.
    expect(decodeHeader(dumpRequest, 0, o).seq).toBe(0);
    socket.close();
    expect(raw.closed).toBe(true);
  });

  it('times out with ETIMEDOUT; the late answer is ignored; the next request works', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw, { timeoutMs: 20 });
    const sent = performance.now();
    const err = await socket.request(dumpRequest, 'slow').catch((e: unknown) => e);
    // Not before timeoutMs (one watchdog ticking every timeoutMs / 4, not a timer per request).
    expect(performance.now() - sent).toBeGreaterThanOrEqual(19);
    expect(err).toBeInstanceOf(NetlinkError);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', errno: 110 });
    const next = socket.request(dumpRequest, 'next');
    await tick();
    raw.answer(5, 0, 1); // late answer to the first request
    raw.answer(1);
    expect(await next).toHaveLength(1);
  });

  it('a send error fails that request only', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    raw.sendError = Object.assign(new Error('sendmsg failed'), { errno: 105, code: 'ENOBUFS' });
    await expect(socket.request(dumpRequest)).rejects.toMatchObject({ code: 'ENOBUFS', errno: 105 });
    raw.sendError = undefined;
    const ok = socket.request(dumpRequest);
    await tick();
    raw.answer(1);
    expect(await ok).toHaveLength(1);
  });

  it('a malformed datagram fails the request with a decode error, not the process', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    const p = socket.request(dumpRequest);
    await tick();
    raw.emit('message', Uint8Array.of(1, 2, 3), { port: 0 });
    await expect(p).rejects.toThrow(/nlmsghdr/);
  });

  it('a socket error fails the pending request and every later one', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    const p = socket.request(dumpRequest);
    await tick();
    raw.emit('error', Object.assign(new Error('recvmsg'), { errno: 105, code: 'ENOBUFS' }));
    await expect(p).rejects.toMatchObject({ code: 'ENOBUFS' });
    await expect(socket.request(dumpRequest)).rejects.toMatchObject({ code: 'ENOBUFS' });
  });

  it('close() fails the pending request', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    const p = socket.request(dumpRequest);
    await tick();
    socket.close();
    await expect(p).rejects.toThrow(/closed/);
  });
});

describe('GenlSocket: the queue and the datagrams', () => {
  it('sends the next waiting request from the callback that completed the one before, in order', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    const order: string[] = [];
    const all = ['a', 'b', 'c'].map((name) => socket.request(dumpRequest, name).then((r) => order.push(`${name}:${r.length}`)));
    await tick();
    expect(raw.sent).toHaveLength(1);
    raw.answer(1);
    expect(raw.sent).toHaveLength(2); // synchronously, inside the datagram callback
    expect(raw.lastSeq()).toBe(2);
    raw.answer(2);
    raw.answer(3);
    await Promise.all(all);
    expect(order).toEqual(['a:1', 'b:2', 'c:3']);
    socket.close();
  });

  it('a socket error fails the pending request and every waiting one', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    const all = [1, 2, 3].map((i) => socket.request(dumpRequest, `r${i}`).catch((e: unknown) => e));
    await tick();
    raw.emit('error', Object.assign(new Error('recvmsg'), { errno: 105, code: 'ENOBUFS' }));
    for (const r of await Promise.all(all)) expect(r).toMatchObject({ code: 'ENOBUFS' });
    expect(raw.sent).toHaveLength(1);
  });

  it('close() fails the waiting requests too, and nothing more is sent', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    const all = [1, 2].map((i) => socket.request(dumpRequest, `r${i}`).catch((e: unknown) => e));
    await tick();
    socket.close();
    for (const r of await Promise.all(all)) expect(String(r)).toMatch(/closed/);
    expect(raw.sent).toHaveLength(1);
  });

  it('reads datagrams that are Buffers into a larger allocation (byteOffset > 0)', async () => {
    const raw = new FakeRaw();
    const socket = GenlSocket.fromRaw(raw);
    const p = socket.request(dumpRequest);
    await tick();
    const seq = raw.lastSeq();
    const data = nlmsg(o, { type: 0x1b, flags: 2, seq }, genl(1, 1, [8, 0, 1, 0, 7, 0, 0, 0]));
    const done = nlmsg(o, { type: 3, flags: 2, seq }, s32(o, 0));
    const junk = new Uint8Array(13).fill(0xee);
    const bigger = Buffer.concat([junk, data, done]);
    raw.emit('message', bigger.subarray(junk.length), { port: 0 });
    const [m] = await p;
    expect(m).toEqual(data);
    socket.close();
  });
});
