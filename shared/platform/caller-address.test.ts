import { describe, expect, it } from 'vitest';
import { callerAddress } from './http-pipeline.js';

describe('the caller address', () => {
  it('is the entry the platform appended, not the one a client wrote before it', () => {
    expect(callerAddress('6.6.6.6, 203.0.113.7:50312', 1)).toBe('203.0.113.7');
    expect(callerAddress('6.6.6.6,203.0.113.7', 1)).toBe('203.0.113.7');
    expect(callerAddress('203.0.113.7:50312', 1)).toBe('203.0.113.7');
  });

  it('counts back as many entries as the platform appended', () => {
    // Static Web Apps appends the browser's address, the Function App's front end Static Web Apps' own.
    expect(callerAddress('6.6.6.6, 203.0.113.7:50312, [fd00::d63d:e0b8]:64909', 2)).toBe('203.0.113.7');
    expect(callerAddress('203.0.113.7:50312', 2)).toBe('203.0.113.7');
  });

  it('strips the port of an IPv6 address in brackets and keeps a bare one whole', () => {
    expect(callerAddress('[2001:DB8::1]:443', 1)).toBe('2001:db8::1');
    expect(callerAddress('[2001:db8::1]', 1)).toBe('2001:db8::1');
    expect(callerAddress('2001:db8::1', 1)).toBe('2001:db8::1');
    expect(callerAddress('::ffff:127.0.0.1', 1)).toBe('::ffff:127.0.0.1');
  });

  it('is unknown when there is no header or its entry is no address, so no text a client wrote is stored', () => {
    expect(callerAddress(null, 1)).toBe('unknown');
    expect(callerAddress(' , ', 1)).toBe('unknown');
    expect(callerAddress('203.0.113.7, <script>', 1)).toBe('unknown');
    expect(callerAddress('203.0.113.7, a/b#c', 1)).toBe('unknown');
  });
});
