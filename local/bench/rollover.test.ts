import { describe, expect, it } from 'vitest';
import { simulateRollover } from './rollover.js';

const company = { labs: 1000, recordsPerDay: 230, missedShare: 0.1, steadyRequests: 4, ruPerRequest: 3, ruPerRecordWritten: 10, capacityRuPerSecond: 5000 };

describe('the simulated daily rollover', () => {
  it('puts the whole new day of every lab in one minute before, and spreads it under the capacity now', () => {
    const { before, now } = simulateRollover(company, 60, 2);
    // 1,000 labs × (230 records × 10 RU + a run's requests + the missed ones) in one minute.
    expect(before.peakRuPerSecond).toBeGreaterThan((1000 * 230 * 10) / 60);
    expect(before.minutesThrottled).toBeGreaterThanOrEqual(8);
    expect(now.peakRuPerSecond).toBeLessThan(company.capacityRuPerSecond);
    expect(now.minutesThrottled).toBe(0);
  });

  it('stays over the capacity when records are only made ahead, with every lab still in the same minute', () => {
    const { now } = simulateRollover(company, 1, 2);
    expect(now.peakRuPerSecond).toBeGreaterThan(company.capacityRuPerSecond);
    expect(now.minutesThrottled).toBeGreaterThan(0);
  });
});
