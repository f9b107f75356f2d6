import { describe, expect, it } from 'vitest';
import { decodeServiceFast } from '../../../../src/ipvs/netlink/ipvs-service-fast.js';
import { decodeServiceMessageChecked, type ServiceEntry } from '../../../../src/ipvs/netlink/ipvs-service.js';
import type { ByteOrder } from '../../../../src/ipvs/netlink/bytes.js';
import { SERVICE_CASES, serviceMessage, svcFwmark, svcTcp4StatsOnly } from '../ipvs-fixtures.js';
import { attr, be32, ORDERS, str, u16, u32, type Bytes } from '../nl.js';
import { plainStats } from '../../plain-stats.js';
import { mutated, random } from '../../random.js';

/**
 * decodeServiceFast() must give exactly what the checked decoder gives, or decline: never a value where the checked
 * decoder throws, never a different value.
 */


function checked(m: Uint8Array, o: ByteOrder): { value: unknown } | { error: string } {
  try {
    return { value: plainStats(decodeServiceMessageChecked(m, o)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);

describe('decodeServiceFast', () => {
  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      for (const [title, attrs] of SERVICE_CASES) {
        it(`decodes ${title} as the checked decoder does`, () => {
          const m = serviceMessage(o, attrs(o));
          const verdict = checked(m, o);
          expect(verdict).toHaveProperty('value');
          const fast = decodeServiceFast(m, o);
          expect(fast).toBeDefined();
          expect(plainStats(fast as ServiceEntry)).toEqual((verdict as { value: unknown }).value);
        });
      }

      it('a repeated attribute: the last one counts, as in nla_parse(); a shared scheduler name is the same text', () => {
        const m = serviceMessage(o, [...svcTcp4StatsOnly(o), ...attr(o, 8, u32(o, 9)), ...attr(o, 6, str('sed'))]);
        expect(decodeServiceFast(m, o)).toMatchObject({ timeout: 9, scheduler: 'sed' });
        expect(plainStats(decodeServiceFast(m, o))).toEqual((checked(m, o) as { value: unknown }).value);
      });

      it('declines what the checked decoder refuses, and names it cannot read as short ASCII', () => {
        const base = svcTcp4StatsOnly(o);
        const bad = [
          [...base, ...attr(o, 1, u16(o, 7))], // unknown family
          [...base, ...attr(o, 2, u16(o, 1))], // unknown protocol
          [...base, ...attr(o, 7, u32(o, 3))], // flags not a struct ip_vs_flags
          [...svcFwmark(o, 10, 1, u32(o, 129))], // IPv6 prefix above 128
          [...base.slice(0, 8), ...base.slice(16)], // no protocol
        ];
        for (const attrs of bad) {
          const m = serviceMessage(o, attrs);
          expect('error' in checked(m, o)).toBe(true);
          expect(decodeServiceFast(m, o)).toBeUndefined();
        }
        const utf8 = serviceMessage(o, [...base, ...attr(o, 6, str('sch\u00e9d'))]);
        expect(decodeServiceFast(utf8, o)).toBeUndefined();
        expect(checked(utf8, o)).toMatchObject({ value: { scheduler: 'sch\u00e9d' } });
      });

      it('over 10,000 mutated messages: never a value the checked decoder would not give', () => {
        const next = random(o === 'little' ? 0x5e1 : 0x1e5);
        let accepted = 0;
        let declined = 0;
        for (let n = 0; n < 10000; n++) {
          const [, attrs] = SERVICE_CASES[next() % SERVICE_CASES.length] as (typeof SERVICE_CASES)[number];
          const m = new Uint8Array(serviceMessage(o, attrs(o)));
          const bytes = mutated(m, next);
          const verdict = checked(bytes, o);
          const fast = decodeServiceFast(bytes, o);
          if (fast === undefined) {
            declined++;
            continue;
          }
          accepted++;
          if (!('value' in verdict)) expect.fail(`case ${n}: fast decoded what the checked decoder refused (${verdict.error})`);
          const got = plainStats(fast);
          if (JSON.stringify(got, bigints) !== JSON.stringify(verdict.value, bigints)) expect(got, `case ${n}`).toEqual(verdict.value);
        }
        expect(accepted).toBeGreaterThan(500);
        expect(declined).toBeGreaterThan(500);
      });
    });
  }
});
