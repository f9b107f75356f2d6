import { describe, expect, it } from 'vitest';
import { CONTENT_TYPE, escapeHelp, escapeLabelValue, negotiateFormat } from '../../../src/metrics/format.js';

describe('exposition format', () => {
  it.each([
    [undefined, 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'prometheus'],
    // Prometheus 2.42's scrape Accept header.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    ['Application/OpenMetrics-Text; version="1.0.0"', 'openmetrics'],
    ['application/openmetrics-text;version=0.0.1', 'prometheus'],
    ['application/openmetrics-text;q=0.2,text/plain;q=0.9', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    ['application/json', 'prometheus'],
    [',,;', 'prometheus'],
  ] as const)('Accept %j gets %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });

  it('names each format by its media type and version', () => {
    expect(CONTENT_TYPE.prometheus).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(CONTENT_TYPE.openmetrics).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  });

  it('escapes backslash, double quote and line feed in label values, and nothing else', () => {
    expect(escapeLabelValue('TCP/10.0.0.1:80')).toBe('TCP/10.0.0.1:80');
    expect(escapeLabelValue('a\\b"c\nd\te')).toBe('a\\\\b\\"c\\nd\te');
    expect(escapeLabelValue('""')).toBe('\\"\\"');
  });

  it('escapes HELP as each format says: the text format leaves double quotes alone', () => {
    expect(escapeHelp('a\\b"c\nd', 'prometheus')).toBe('a\\\\b"c\\nd');
    expect(escapeHelp('a\\b"c\nd', 'openmetrics')).toBe('a\\\\b\\"c\\nd');
  });
});
