import { describe, expect, it } from 'vitest';
import { labDaysAgo } from './lab-days.js';

describe('a demo lab’s dates', () => {
  it('counts from the lab’s own today, which differs from the UTC date for part of each day', () => {
    const earlyUtcMorning = new Date('2026-12-03T02:57:00Z');
    expect(labDaysAgo('LAB01', 0, earlyUtcMorning)).toBe('2026-12-02');
    expect(labDaysAgo('LAB02', 1, earlyUtcMorning)).toBe('2026-12-01');
    expect(labDaysAgo('LAB05', 0, earlyUtcMorning)).toBe('2026-12-03');
    expect(labDaysAgo('LAB09', 0, new Date('2026-12-02T20:00:00Z'))).toBe('2026-12-03');
    expect(() => labDaysAgo('LAB99', 0)).toThrow('LAB99 is not a demo lab');
  });
});
