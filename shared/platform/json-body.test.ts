import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonBody, utf8Bytes } from './json-body.js';

const asText = (body: string | Buffer) => (typeof body === 'string' ? body : body.toString('utf8'));

describe('JSON answers', () => {
  it('are the UTF-8 bytes of any text, ASCII or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Bytes(text).equals(Buffer.from(text, 'utf8'))).toBe(true);
      }),
      { numRuns: 500 },
    );
    for (const text of ['{"name":"Zoë"}', '±0.5 °C', 'Prüfung ✓', '🔬 microscope', '\ud800', 'plain ASCII', '']) {
      expect(utf8Bytes(text)).toEqual(Buffer.from(text, 'utf8'));
    }
  });

  it('encode a long list in slices to exactly the JSON of the whole, whatever its rows and the fields beside them', () => {
    const row = fc.record({
      recordNumber: fc.string({ unit: 'binary' }),
      late: fc.boolean(),
      value: fc.option(fc.double({ noNaN: true })),
      note: fc.option(fc.string(), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 95, maxLength: 450, size: 'max' }),
        fc.option(fc.string({ unit: 'binary' })),
        fc.boolean(),
        (items, continuationToken, withMore) => {
          const answer = { items, continuationToken, ...(withMore ? { more: { total: items.length } } : {}) };
          expect(asText(jsonBody(answer))).toBe(JSON.stringify(answer));
        },
      ),
      { numRuns: 40 },
    );
    const onlyItems = { items: Array.from({ length: 250 }, (_, index) => ({ index })) };
    expect(asText(jsonBody(onlyItems))).toBe(JSON.stringify(onlyItems));
  });

  it('leave answers that are not long lists as JSON.stringify writes them', () => {
    for (const answer of [{ items: [{ a: 1 }] }, { username: 'tech1' }, [1, 2, 3], null, 'text']) {
      expect(jsonBody(answer)).toBe(JSON.stringify(answer));
    }
  });
});
