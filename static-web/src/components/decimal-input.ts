/**
 * A number as a technician types it: "708,2" and "708.2" alike (a decimal comma is what half the
 * world's keyboards and locales give), a leading sign, spaces around it. Anything else, an empty text
 * included, is NaN: no thousands separators, no exponent, no hexadecimal, so "1,234.5" is never read
 * as a number it might not be. One parser for checklists, calibrations and return-to-service checks.
 */
export function parseDecimal(text: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/.test(trimmed)) return Number.NaN;
  return Number(trimmed.replace(',', '.'));
}
