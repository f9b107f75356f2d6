import { describe, expect, it } from 'vitest';
import { alerts, parseRange, RangeError } from '../../../src/tools/check/range.js';

describe('threshold ranges (Monitoring Plugins guidelines)', () => {
  // [range, value, alerts?]
  const cases: [string, number, boolean][] = [
    ['10', -1, true],
    ['10', 0, false],
    ['10', 10, false],
    ['10', 10.5, true],
    ['10:', 9, true],
    ['10:', 10, false],
    ['10:', 1e12, false],
    ['~:10', -1e12, false],
    ['~:10', 10, false],
    ['~:10', 11, true],
    ['10:20', 9, true],
    ['10:20', 10, false],
    ['10:20', 20, false],
    ['10:20', 21, true],
    ['@10:20', 9, false],
    ['@10:20', 10, true],
    ['@10:20', 20, true],
    ['@10:20', 21, false],
    ['@10', 0, true],
    ['@10', 11, false],
    ['@~:0', -3, true],
    ['@~:0', 1, false],
    ['1.5:2.5', 1.4, true],
    ['1.5:2.5', 2.5, false],
  ];
  it.each(cases)('%s with %d alerts: %s', (text, value, expected) => {
    expect(alerts(parseRange(text), value)).toBe(expected);
  });

  it('keeps the text for the perfdata', () => {
    expect(parseRange('@10:20')).toEqual({ text: '@10:20', start: 10, end: 20, inside: true });
    expect(parseRange('~:5')).toEqual({ text: '~:5', start: -Infinity, end: 5, inside: false });
    expect(parseRange('3:')).toEqual({ text: '3:', start: 3, end: Infinity, inside: false });
  });

  it.each(['', 'abc', '10:5', ':', '@', '1:2:3', '~', '10x', '~:~', 'x'.repeat(100)])('refuses %j', (text) => {
    expect(() => parseRange(text)).toThrow(RangeError);
  });
});
