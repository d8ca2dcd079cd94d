import { describe, expect, it } from 'vitest';
import { currentParameters, hashPassword, needsRehash, verifyPassword } from './passwords.js';

describe('password hashing', () => {
  it('stores scrypt at OWASP minimums in a self-describing format', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(currentParameters).toEqual({ logN: 17, r: 8, p: 1 });
  });

  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('correct horse battery staple', 'not-a-hash')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password twice')).not.toBe(await hashPassword('same password twice'));
  });

  it('asks for a rehash only when the stored parameters are weaker than today', async () => {
    const weak = await hashPassword('an older weaker hash', { logN: 14, r: 8, p: 1 });
    expect(await verifyPassword('an older weaker hash', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('a current hash here'))).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });
});
