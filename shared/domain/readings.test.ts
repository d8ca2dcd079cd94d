import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatReading } from './readings.js';

describe('a reading as written', () => {
  it('keeps the digits of the task’s resolution: 0.2 at two decimals is 0.20', () => {
    expect(formatReading(0.2, { decimals: 2 })).toBe('0.20');
    expect(formatReading(7, { decimals: 1 })).toBe('7.0');
    expect(formatReading(12.345, { decimals: 0 })).toBe('12');
    expect(formatReading(0.2, {})).toBe('0.2');
    expect(formatReading(0.2, undefined)).toBe('0.2');
  });

  it('shows every value with exactly the task’s decimals, and reads back as the same number at that resolution', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 6 }), (value, decimals) => {
        const text = formatReading(value, { decimals });
        expect(text.split('.')[1]?.length ?? 0).toBe(decimals);
        expect(Math.abs(Number(text) - value)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-9);
      }),
    );
  });
});
