import { describe, expect, it } from 'vitest';
import { parseTransportAddress, TransportAddressError } from '../../../src/agentx/transport.js';

describe('parseTransportAddress errors', () => {
  const refusal = (text: string): TransportAddressError => {
    try {
      parseTransportAddress(text);
    } catch (err) {
      expect(err).toBeInstanceOf(TransportAddressError);
      return err as TransportAddressError;
    }
    throw new Error(`${text} was accepted`);
  };

  it('says what the address lacks, for the settings to show', () => {
    expect(refusal('tcp:HOST:70000').expected).toBe('tcp:HOST:PORT with a port from 1 to 65535');
    expect(refusal('tcp:HOST:0').expected).toBe('tcp:HOST:PORT with a port from 1 to 65535');
    expect(refusal('tcp::705').expected).toBe('tcp:HOST:PORT with a host before the port');
    expect(refusal('unix:run/agentx').expected).toBe('unix:/absolute/path');
    expect(refusal('udp:1.2.3.4:161').message).toBe('agentx: socket "udp:1.2.3.4:161": expected unix:/path, /path or tcp:HOST:PORT');
  });

  it('refuses a Unix socket path longer than sun_path holds, and quotes a long address bounded', () => {
    expect(parseTransportAddress(`/${'a'.repeat(106)}`)).toEqual({ kind: 'unix', path: `/${'a'.repeat(106)}` });
    expect(refusal(`unix:/${'a'.repeat(107)}`).expected).toBe('a socket path of at most 107 bytes (sun_path)');
    expect(refusal(`tcp:${'h'.repeat(1 << 20)}`).message).toMatch(/^agentx: socket "tcp:h+\.\.\." \(1048580 bytes\): expected/);
  });
});
