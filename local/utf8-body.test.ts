import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Body } from './utf8-body.js';

describe('answer bodies', () => {
  it('are the UTF-8 bytes of any text, ASCII or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Body(text).equals(Buffer.from(text, 'utf8'))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keep accents, symbols, emoji and lone surrogates as UTF-8 encodes them', () => {
    for (const text of ['{"name":"Zoë"}', '±0.5 °C', 'Prüfung ✓', '🔬 microscope', '\ud800', 'plain ASCII', '']) {
      expect(utf8Body(text)).toEqual(Buffer.from(text, 'utf8'));
    }
  });
});
