import { describe, expect, it } from 'vitest';
import { labNumber } from './lab-numbers.js';

describe('labNumber', () => {
  it('reads as the numbers already stored and shown: records without a separator, calibrations and nonconformities with their kind', () => {
    expect(labNumber('record', 'LAB01', 123)).toBe('LAB01000123');
    expect(labNumber('calibration', 'LAB01', 1)).toBe('LAB01-CAL-000001');
    expect(labNumber('nonconformity', 'LAB02', 42)).toBe('LAB02-NC-000042');
  });

  it('grows past six digits instead of wrapping', () => {
    expect(labNumber('record', 'LAB01', 1_000_000)).toBe('LAB011000000');
  });
});
