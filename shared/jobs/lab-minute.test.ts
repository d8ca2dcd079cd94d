import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labMinute } from './generator-runs.js';

describe('the minute of the hour a lab is queued at', () => {
  it('is the same for a lab at every firing and lies within the spread', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9-]{2,10}$/), fc.integer({ min: 1, max: 60 }), (labId, spread) => {
        const minute = labMinute(labId, spread);
        expect(minute).toBe(labMinute(labId, spread));
        expect(minute).toBeGreaterThanOrEqual(0);
        expect(minute).toBeLessThan(spread);
      }),
    );
  });

  it('spreads 1,000 labs numbered as a company numbers them evenly over the hour', () => {
    const perMinute = new Array<number>(60).fill(0);
    for (let index = 1; index <= 1000; index++) perMinute[labMinute(`LAB${String(index).padStart(4, '0')}`, 60)]! += 1;
    // 16.7 a minute on average; no minute gets more than twice that, none is empty.
    expect(Math.max(...perMinute)).toBeLessThanOrEqual(34);
    expect(Math.min(...perMinute)).toBeGreaterThan(0);
  });
});
