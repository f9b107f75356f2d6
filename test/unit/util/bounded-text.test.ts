import { describe, expect, it } from 'vitest';
import { asciiLine, describeValue, quoted, shown } from '../../../src/util/bounded-text.js';

describe('bounded text for messages', () => {
  it('quotes short values whole and cuts long ones with their size in bytes', () => {
    expect(quoted('often')).toBe('"often"');
    expect(quoted('a'.repeat(64))).toBe(`"${'a'.repeat(64)}"`);
    expect(quoted('a'.repeat(1 << 20))).toBe(`"${'a'.repeat(64)}..." (1048576 bytes)`);
    expect(quoted('é'.repeat(100), 12)).toBe('"\\u00e9\\u00e9..." (200 bytes)');
  });

  it('escapes quotes, control and non-ASCII characters, so the result is printable ASCII', () => {
    expect(quoted('a"b\\c\n\u0000\u001b[2J\u00ff')).toBe('"a\\"b\\\\c\\n\\u0000\\u001b[2J\\u00ff"');
    expect(shown('/var/lib/lvs/snap.json')).toBe('/var/lib/lvs/snap.json');
    expect(shown('/tmp/new\nline')).toBe('"/tmp/new\\nline"');
    expect(shown(`/${'x'.repeat(5000)}`)).toMatch(/^"\/x{63}\.\.\." \(5001 bytes\)$/);
  });

  it('describes values by kind, never serializing an array or object whole', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(-1)).toBe('-1');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(true)).toBe('true');
    expect(describeValue([])).toBe('[]');
    expect(describeValue({})).toBe('{}');
    expect(describeValue([1, 2, 3])).toBe('an array of 3');
    expect(describeValue({ a: 1 })).toBe('an object with 1 key');
  });

  it('makes one bounded line of printable ASCII (lvsAgentLastError)', () => {
    expect(asciiLine('plain text', 255)).toBe('plain text');
    const binary = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    const line = asciiLine(binary, 255);
    expect(line.length).toBeLessThanOrEqual(255);
    expect(line).toMatch(/^[\x20-\x7e]*\.\.\.$/);
    expect(asciiLine('x'.repeat(300), 255)).toBe(`${'x'.repeat(252)}...`);
    expect(asciiLine('\ufffd', 255)).toBe('\\ufffd');
  });
});
