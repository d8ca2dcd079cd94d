import { describe, expect, it } from 'vitest';
import { latestLabToday } from './lab-today.js';

describe('the latest of the labs’ todays', () => {
  it('is the date of the lab furthest east, ahead of the UTC date there, and the UTC date for no lab', () => {
    const utcEvening = new Date('2026-12-02T20:00:00Z');
    expect(latestLabToday(['America/New_York', 'Australia/Sydney'], utcEvening)).toBe('2026-12-03');
    expect(latestLabToday(['America/New_York'], utcEvening)).toBe('2026-12-02');
    const utcEarlyMorning = new Date('2026-12-03T02:00:00Z');
    expect(latestLabToday(['America/New_York', 'Pacific/Honolulu'], utcEarlyMorning)).toBe('2026-12-02');
    expect(latestLabToday([], utcEarlyMorning)).toBe('2026-12-03');
  });
});
