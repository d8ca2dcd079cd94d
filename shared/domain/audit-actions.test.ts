import { describe, expect, it } from 'vitest';
import { actionInWords, changedFields } from './audit-actions.js';

describe('audit actions in words', () => {
  it('says every action the product writes in words, and an old system event in its own', () => {
    expect(actionInWords('auth.login')).toBe('Signed in');
    expect(actionInWords('record.completed')).toBe('Checklist completed and signed');
    expect(actionInWords('legacy.Status Change')).toBe('Status Change (old system)');
    expect(actionInWords('something.new-here')).toBe('Something new here');
  });

  it('lists the fields that changed between before and after', () => {
    expect(changedFields({ status: 'Active', failedLogins: 3, name: 'A' }, { status: 'Locked', failedLogins: 3, name: 'A', lockedAt: 't' })).toEqual([
      { field: 'status', before: 'Active', after: 'Locked' },
      { field: 'lockedAt', before: undefined, after: 't' },
    ]);
    expect(changedFields(undefined, { created: 5 })).toEqual([{ field: 'created', before: undefined, after: 5 }]);
  });
});
