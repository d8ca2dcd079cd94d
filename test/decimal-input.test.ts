import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../static-web/src/components/decimal-input.js';

/** The one parser of numbers typed in the web app: checklists, calibrations, return-to-service checks. */
describe('parseDecimal', () => {
  it('reads a decimal comma as a decimal point', () => {
    expect(parseDecimal('708,2')).toBe(708.2);
    expect(parseDecimal(' -0,5 ')).toBe(-0.5);
    expect(parseDecimal(',5')).toBe(0.5);
    expect(parseDecimal('708.2')).toBe(708.2);
  });

  it('reads nothing that is not plainly one number', () => {
    for (const text of ['', ' ', 'abc', '1,234.5', '1.234,5', '1e3', '0x10', '7 08', '--1', '1,2,3', 'Infinity']) expect(parseDecimal(text)).toBeNaN();
  });

  it('gives the same number for a comma as for a point, for any decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 9999 }), (whole, fraction) => {
        const withPoint = `${whole}.${fraction}`;
        expect(parseDecimal(withPoint.replace('.', ','))).toBe(Number(withPoint));
      }),
      { numRuns: 2000 },
    );
  });
});
