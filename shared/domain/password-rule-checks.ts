/**
 * The password rules without the list of common passwords, so the web app can check a password as it
 * is typed and load the list only where a password is chosen. The server uses password-rules.ts.
 */
export interface PasswordPolicy {
  requireCharacterClasses: boolean;
}

export interface PasswordRule {
  id: string;
  description: string;
  /** Whether the rule is met; `username` is the account the password is for. */
  isMet: (password: string, username: string) => boolean;
}

export const minimumPasswordLength = 12;
export const maximumPasswordLength = 128;

/**
 * A common password with digits or symbols tacked on ("password1234!") is as guessable as the word
 * itself, so the check also looks at what is left once those are stripped from either end.
 */
export function isCommonPassword(password: string, commonPasswords: ReadonlySet<string>): boolean {
  const lowered = password.toLowerCase();
  if (commonPasswords.has(lowered)) return true;
  const core = lowered.replace(/^[\d\W_]+/, '').replace(/[\d\W_]+$/, '');
  return core.length >= 4 && commonPasswords.has(core);
}

function baseRules(commonPasswords: ReadonlySet<string>): PasswordRule[] {
  return [
    {
      id: 'length',
      description: `${minimumPasswordLength} to ${maximumPasswordLength} characters`,
      isMet: (password) => [...password].length >= minimumPasswordLength && [...password].length <= maximumPasswordLength,
    },
    {
      id: 'not-common',
      description: 'not a commonly used password',
      isMet: (password) => !isCommonPassword(password, commonPasswords),
    },
    {
      id: 'not-username',
      description: 'does not contain your username',
      isMet: (password, username) => username.length === 0 || !password.toLowerCase().includes(username.toLowerCase()),
    },
  ];
}

const characterClassRules: PasswordRule[] = [
  { id: 'uppercase', description: 'an uppercase letter', isMet: (password) => /\p{Lu}/u.test(password) },
  { id: 'lowercase', description: 'a lowercase letter', isMet: (password) => /\p{Ll}/u.test(password) },
  { id: 'digit', description: 'a digit', isMet: (password) => /\p{Nd}/u.test(password) },
  { id: 'symbol', description: 'a symbol', isMet: (password) => /[^\p{L}\p{Nd}]/u.test(password) },
];

/** The rules in force, checked against the given list of common passwords. */
export function passwordRulesWith(policy: PasswordPolicy, commonPasswords: ReadonlySet<string>): PasswordRule[] {
  const base = baseRules(commonPasswords);
  return policy.requireCharacterClasses ? [...base, ...characterClassRules] : base;
}
