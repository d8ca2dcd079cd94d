import { describe, expect, it } from 'vitest';
import { readRequirements, readRequirementsMap, testFiles, testTitlesIn, traceRequirements, type Requirement } from '../local/validation/requirements.js';

describe('user requirements', () => {
  it('are each verified by a test that exists, and every map entry and tag names a requirement', () => {
    const requirements = readRequirements();
    expect(requirements.length).toBeGreaterThan(40);
    expect(traceRequirements(requirements, readRequirementsMap(), testFiles()).problems).toEqual([]);
  });

  it('name a requirement without a test, a mapped test that is not in its file, and a map entry for no requirement', () => {
    const requirements: Requirement[] = [
      { id: 'URS-901', risk: 'high', text: 'Traced.' },
      { id: 'URS-902', risk: 'low', text: 'Untested.' },
    ];
    const map = {
      'URS-901': [
        { file: 'test/requirements-traceability.test.ts', test: 'are each verified by a test that exists, and every map entry and tag names a requirement' },
      ],
      'URS-903': [{ file: 'test/requirements-traceability.test.ts', test: 'a test nobody wrote' }],
    };
    expect(traceRequirements(requirements, map, ['test/requirements-traceability.test.ts']).problems).toEqual([
      'docs/requirements-tests.json maps tests to URS-903, which is not a requirement.',
      'URS-903 names a test "a test nobody wrote" that test/requirements-traceability.test.ts does not hold.',
      'URS-902 has no test: map one in docs/requirements-tests.json or tag a test with it.',
    ]);
  });

  it('read test titles as vitest reports them, escaped quotes and modifiers included', () => {
    const titles = testTitlesIn('test/sign-in.test.ts');
    expect(titles).toContain('answers the app\'s question "who is signed in?" with 200 both ways: null for nobody, the session for a signed-in user');
    expect(testFiles()).toContain('shared/domain/audit-chain.test.ts');
  });
});
