import { expect } from 'vitest';
import { NetlinkDecodeError } from '../../../../src/ipvs/netlink/errors.js';

/** The NetlinkDecodeError `thrown` throws (the test fails when it throws nothing, or something else). */
export function decodeErrorOf(thrown: () => unknown): NetlinkDecodeError {
  try {
    thrown();
  } catch (err) {
    expect(err).toBeInstanceOf(NetlinkDecodeError);
    return err as NetlinkDecodeError;
  }
  throw new Error('expected a NetlinkDecodeError');
}
