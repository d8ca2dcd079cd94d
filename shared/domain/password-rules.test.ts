import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brokenPasswordRules, isCommonPassword, passwordRules } from './password-rules.js';

const relaxed = { requireCharacterClasses: false };
const strict = { requireCharacterClasses: true };

describe('password rules', () => {
  it('accepts a long unusual passphrase', () => {
    expect(brokenPasswordRules('violet tractor under 9 clouds', 'tech1', relaxed)).toEqual([]);
  });

  it('enforces 12 to 128 characters', () => {
    expect(brokenPasswordRules('short-Pw1!', 'tech1', relaxed)).toContain('12 to 128 characters');
    expect(brokenPasswordRules('x'.repeat(129) + 'Qz', 'tech1', relaxed)).toContain('12 to 128 characters');
  });

  it('refuses common passwords, also with digits or symbols added', () => {
    expect(isCommonPassword('qwerty123456')).toBe(true);
    expect(isCommonPassword('Password1234!')).toBe(true);
    expect(isCommonPassword('!!sunshine2024')).toBe(true);
    expect(isCommonPassword('violet tractor under 9 clouds')).toBe(false);
    expect(brokenPasswordRules('Password1234!', 'tech1', relaxed)).toEqual(['not a commonly used password']);
  });

  it('refuses a password containing the username, whatever the case', () => {
    expect(brokenPasswordRules('my name is TECH1 here ok', 'tech1', relaxed)).toEqual(['does not contain your username']);
  });

  it('asks for character classes only when the setting is on', () => {
    const lower = 'violet tractor under clouds';
    expect(brokenPasswordRules(lower, 'tech1', relaxed)).toEqual([]);
    expect(brokenPasswordRules(lower, 'tech1', strict)).toEqual(['an uppercase letter', 'a digit']);
    expect(passwordRules(strict).map((rule) => rule.id)).toEqual(['length', 'not-common', 'not-username', 'uppercase', 'lowercase', 'digit', 'symbol']);
  });

  it('never accepts anything shorter than 12 characters, under any policy', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 11 }), fc.boolean(), (password, requireCharacterClasses) => {
        expect(brokenPasswordRules(password, 'someone', { requireCharacterClasses })).toContain('12 to 128 characters');
      }),
    );
  });
});
