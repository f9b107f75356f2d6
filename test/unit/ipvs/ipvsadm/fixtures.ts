import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { IpvsadmParseError } from '../../../../src/ipvs/ipvsadm/listing.js';

/**
 * The ipvsadm outputs the tests parse. Those in fixtures/ipvsadm/ follow ipvsadm 1.31's printf formats column for
 * column (print_title(), print_service_entry(), print_largenum() with --exact, list_timeout(), list_daemon()).
 */
export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export const fixture = (name: string): string => readFileSync(path.join(FIXTURES, 'ipvsadm', `${name}.txt`), 'utf8');

/** Every listing of one table, as snapshotFromIpvsadm() takes them. */
export const ALL = {
  list: fixture('list'),
  stats: fixture('stats'),
  rate: fixture('rate'),
  thresholds: fixture('thresholds'),
  persistentConn: fixture('persistent-conn'),
  tunInfo: fixture('tun-info'),
  timeout: fixture('timeout'),
  daemon: fixture('daemon'),
};

/** The IpvsadmParseError `f` throws (the test fails when it throws nothing, or something else). */
export function parseErrorOf(f: () => unknown): IpvsadmParseError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(IpvsadmParseError);
    return err as IpvsadmParseError;
  }
  throw new Error('expected IpvsadmParseError');
}
