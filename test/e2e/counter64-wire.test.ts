import { createSocket } from 'node:dgram';
import * as asn1js from 'asn1js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Director } from './harness/director.js';
import { stringIndex } from './harness/expected.js';

/**
 * The bytes themselves: an SNMPv2c GetRequest sent over UDP to the private snmpd, its raw response decoded with
 * asn1js. Each value must be an APPLICATION 6 (Counter64) with the BER integer bytes of the exact number: the
 * defect this project exists to never repeat was a Counter64 whose 32-bit words came out swapped.
 */

const ROOT = '1.3.6.1.4.1.8225.4711';
const IDX = stringIndex('TCP/10.0.0.1:80').slice(1);
const CASES: { oid: string; value: bigint; ber: string }[] = [
  { oid: `${ROOT}.17.1.29.${IDX}`, value: 0n, ber: '00' },
  { oid: `${ROOT}.17.1.30.${IDX}`, value: 2n ** 32n - 1n, ber: '00ffffffff' },
  { oid: `${ROOT}.17.1.31.${IDX}`, value: 2n ** 32n, ber: '0100000000' },
  { oid: `${ROOT}.17.1.13.${IDX}`, value: 2n ** 63n, ber: '008000000000000000' },
  { oid: `${ROOT}.17.1.14.${IDX}`, value: 2n ** 64n - 1n, ber: '00ffffffffffffffff' },
];

let director: Director;

beforeAll(async () => {
  director = await Director.start({ waitFor: `.${CASES[0]?.oid}` });
}, 30_000);

afterAll(async () => {
  await director?.stop();
});

function getRequest(requestId: number, oids: readonly string[]): ArrayBuffer {
  return new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 1 }), // version: SNMPv2c
      new asn1js.OctetString({ valueHex: new TextEncoder().encode('public').buffer }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 }, // [0] GetRequest-PDU
        value: [
          new asn1js.Integer({ value: requestId }),
          new asn1js.Integer({ value: 0 }),
          new asn1js.Integer({ value: 0 }),
          new asn1js.Sequence({
            value: oids.map((oid) => new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), new asn1js.Null()] })),
          }),
        ],
      }),
    ],
  }).toBER();
}

async function exchange(request: ArrayBuffer): Promise<Buffer> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no SNMP response within 5 s')), 5000);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      socket.send(Buffer.from(request), director.snmpd.port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

function hex(view: Uint8Array): string {
  return Buffer.from(view).toString('hex');
}

describe('Counter64 on the wire', () => {
  it('comes out of snmpd as APPLICATION 6 with the exact BER bytes', async () => {
    const raw = await exchange(getRequest(4711, CASES.map((c) => c.oid)));
    const decoded = asn1js.fromBER(new Uint8Array(raw).buffer);
    expect(decoded.offset).toBe(raw.length);
    const message = decoded.result as asn1js.Sequence;
    const pdu = message.valueBlock.value[2] as asn1js.Constructed;
    expect(pdu.idBlock.tagClass).toBe(3);
    expect(pdu.idBlock.tagNumber).toBe(2); // GetResponse-PDU
    const [reqId, errStatus] = pdu.valueBlock.value as asn1js.Integer[];
    expect(reqId?.valueBlock.valueDec).toBe(4711);
    expect(errStatus?.valueBlock.valueDec).toBe(0);
    const list = (pdu.valueBlock.value[3] as asn1js.Sequence).valueBlock.value as asn1js.Sequence[];
    expect(list).toHaveLength(CASES.length);
    list.forEach((vb, i) => {
      const c = CASES[i] as (typeof CASES)[number];
      const [name, value] = vb.valueBlock.value as [asn1js.ObjectIdentifier, asn1js.BaseBlock];
      expect(name.valueBlock.toString()).toBe(c.oid);
      expect(value.idBlock.tagClass).toBe(2); // APPLICATION
      expect(value.idBlock.tagNumber).toBe(6); // Counter64 (RFC 2578 / RFC 3416)
      const bytes = (value as unknown as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView;
      expect(hex(bytes)).toBe(c.ber);
      expect(BigInt(`0x${hex(bytes) || '0'}`)).toBe(c.value);
    });
  });
});
