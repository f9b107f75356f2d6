import { describe, expect, it } from 'vitest';
import type { Family, RealServer } from '../../../../src/ipvs/snapshot.js';
import { decodeDestFast } from '../../../../src/ipvs/netlink/ipvs-dest-fast.js';
import { decodeDestMessageChecked } from '../../../../src/ipvs/netlink/ipvs-service.js';
import { DEST_CASES as CASES, dest, destMessage, HUGE } from '../ipvs-fixtures.js';
import { attr, ip4, ip6, ORDERS, u16, u32 } from '../nl.js';
import { plainStats } from '../../plain-stats.js';
import { mutated, random } from '../../random.js';

/**
 * decodeDestFast() must give exactly what the checked decoder gives, or decline: never a value where the checked
 * decoder throws, never a different value.
 */


function plain(r: RealServer): unknown {
  return plainStats(r);
}

/** Checked decoder's verdict: the value, or the error's message. */
function checked(m: Uint8Array, o: 'little' | 'big', fam: Family): { value: unknown } | { error: string } {
  try {
    return { value: plain(decodeDestMessageChecked(m, o, fam)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** What the checked decoder returns for a message it must accept. */
function value(m: Uint8Array, o: 'little' | 'big', fam: Family): unknown {
  const verdict = checked(m, o, fam);
  if (!('value' in verdict)) throw new Error(`the checked decoder refused a valid fixture: ${verdict.error}`);
  return verdict.value;
}

const bigints = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);


describe('decodeDestFast', () => {
  for (const o of ORDERS) {
    describe(`${o} endian`, () => {
      for (const [title, fam, fields] of CASES) {
        it(`decodes ${title} as the checked decoder does`, () => {
          const m = destMessage(o, dest(o, fields));
          const fast = decodeDestFast(m, o, fam);
          expect(fast).toBeDefined();
          expect(plain(fast as RealServer)).toEqual(value(m, o, fam));
        });
      }

      it('decodes STATS alone (pre-4.1 kernel) and no counters at all as the checked decoder does', () => {
        const full = dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1, stats: HUGE });
        const statsOnly = full.slice(0, full.length - (4 + 10 * 12));
        const none = statsOnly.slice(0, statsOnly.length - (4 + 8 * 8 + 2 * 12));
        for (const attrs of [statsOnly, none]) {
          const m = destMessage(o, attrs);
          expect(plain(decodeDestFast(m, o, 'inet') as RealServer)).toEqual(value(m, o, 'inet'));
        }
      });

      it('a repeated attribute: the last one counts, as in nla_parse()', () => {
        const attrs = [...dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1 }), ...attr(o, 4, u32(o, 9))];
        const m = destMessage(o, attrs);
        expect(decodeDestFast(m, o, 'inet')?.weight).toBe(9);
        expect(plain(decodeDestFast(m, o, 'inet') as RealServer)).toEqual(value(m, o, 'inet'));
      });

      it('declines what the checked decoder refuses: unknown family, forwarding method, short attributes', () => {
        const bad = [
          dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1, addrFamily: 7 }),
          dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 5, weight: 1 }),
          dest(o, { addr: ip6('2001:db8::2').slice(0, 8), port: 80, fwd: 0, weight: 1, addrFamily: 10 }),
          [...dest(o, { addr: ip4(10, 0, 0, 2), port: 80, fwd: 0, weight: 1 }), ...attr(o, 11, u16(o, 2).slice(0, 1))],
        ];
        for (const attrs of bad) {
          const m = destMessage(o, attrs);
          expect('error' in checked(m, o, 'inet6')).toBe(true);
          expect(decodeDestFast(m, o, 'inet6')).toBeUndefined();
        }
      });

      it('over 10,000 mutated messages: never a value the checked decoder would not give', () => {
        const next = random(o === 'little' ? 0x1234 : 0x4321);
        let accepted = 0;
        let declined = 0;
        for (let n = 0; n < 10000; n++) {
          const [, fam, fields] = CASES[next() % CASES.length] as (typeof CASES)[number];
          const m = new Uint8Array(destMessage(o, dest(o, fields)));
          const bytes = mutated(m, next);
          const verdict = checked(bytes, o, fam);
          const fast = decodeDestFast(bytes, o, fam);
          if (fast === undefined) {
            declined++;
            continue;
          }
          accepted++;
          if (!('value' in verdict)) expect.fail(`case ${n}: fast decoded what the checked decoder refused (${verdict.error})`);
          const got = plain(fast);
          // Compared by text first: expect() on every case would be most of this test's time.
          if (JSON.stringify(got, bigints) !== JSON.stringify(verdict.value, bigints)) expect(got, `case ${n}`).toEqual(verdict.value);
        }
        // Both branches were exercised, or the test proves nothing.
        expect(accepted).toBeGreaterThan(500);
        expect(declined).toBeGreaterThan(500);
      });
    });
  }
});
