import commonPasswordList from './common-passwords.json' with { type: 'json' };
import { isCommonPassword as isInList, passwordRulesWith, type PasswordPolicy, type PasswordRule } from './password-rule-checks.js';

export { maximumPasswordLength, minimumPasswordLength, type PasswordPolicy, type PasswordRule } from './password-rule-checks.js';

const commonPasswords: ReadonlySet<string> = new Set(commonPasswordList as string[]);

export function passwordRules(policy: PasswordPolicy): PasswordRule[] {
  return passwordRulesWith(policy, commonPasswords);
}

export function isCommonPassword(password: string): boolean {
  return isInList(password, commonPasswords);
}

/** The descriptions of the rules the password breaks; empty when it is acceptable. */
export function brokenPasswordRules(password: string, username: string, policy: PasswordPolicy): string[] {
  return passwordRules(policy)
    .filter((rule) => !rule.isMet(password, username))
    .map((rule) => rule.description);
}
