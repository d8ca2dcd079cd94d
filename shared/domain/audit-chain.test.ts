import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, chainEvents, firstBrokenLink, type AuditEvent } from './audit-chain.js';

const event = (index: number): AuditEvent => ({
  action: `test.${index}`,
  entityType: 'user',
  entityId: 'tech1',
  labIds: ['LAB01'],
  actor: { username: 'admin', displayName: 'Ada Admin' },
  at: `2026-11-22T10:00:${String(index % 60).padStart(2, '0')}Z`,
  before: { status: 'Active' },
  after: { status: 'Locked' },
});

describe('audit hash chain', () => {
  it('hashes content regardless of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });

  it('continues a chain from its head', () => {
    const first = chainEvents(undefined, [event(1), event(2)], { username: 'tech1' });
    const second = chainEvents(first.head, [event(3)], { username: 'tech1' });
    const all = [...first.entries, ...second.entries];
    expect(all.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(all.map((entry) => entry.id)).toEqual(['audit-000000000001', 'audit-000000000002', 'audit-000000000003']);
    expect(firstBrokenLink(all)).toBeNull();
  });

  it('finds the first broken link after any edit, removal or reorder', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.nat(), fc.constantFrom('edit', 'remove', 'swap'), (length, pick, tamper) => {
        const { entries } = chainEvents(
          undefined,
          Array.from({ length }, (_, index) => event(index)),
          { username: 'tech1' },
        );
        const index = pick % (length - 1);
        const tampered = [...entries];
        if (tamper === 'edit') tampered[index] = { ...tampered[index]!, after: { status: 'Active' } };
        if (tamper === 'remove') tampered.splice(index, 1);
        if (tamper === 'swap') [tampered[index], tampered[index + 1]] = [tampered[index + 1]!, tampered[index]!];
        const broken = firstBrokenLink(tampered);
        expect(broken).not.toBeNull();
        expect(broken!.seq).toBe(index + 1);
      }),
    );
  });

  it('finds the same first broken link when the chain is checked a slice at a time, each from the last entry of the one before', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.nat(), fc.integer({ min: 1, max: 5 }), fc.boolean(), (length, pick, slice, tamper) => {
        const { entries } = chainEvents(
          undefined,
          Array.from({ length }, (_, index) => event(index)),
          { username: 'tech1' },
        );
        const chain = tamper ? entries.map((entry, index) => (index === pick % length ? { ...entry, reason: 'rewritten' } : entry)) : entries;
        let found: ReturnType<typeof firstBrokenLink> = null;
        for (let start = 0; start < chain.length && !found; start += slice) {
          const before = chain[start - 1];
          found = firstBrokenLink(chain.slice(start, start + slice), before ? { seq: before.seq, hash: before.hash } : undefined);
        }
        expect(found).toEqual(firstBrokenLink(chain));
      }),
    );
  });
});
