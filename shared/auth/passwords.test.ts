import { afterEach, describe, expect, it } from 'vitest';
import { reloadSettings } from '../platform/config.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { scryptHash } from './scrypt-hashes.js';

describe('password hashing', () => {
  afterEach(() => {
    delete process.env.PASSWORD_HASH_MEMORY_KIB;
    reloadSettings();
  });

  it('stores Argon2id at OWASP’s first recommendation in a PHC string', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  });

  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('correct horse battery staple', 'not-a-hash')).toBe(false);
    expect(await verifyPassword('correct horse battery staple', hash.replace('$argon2id$', '$argon2i$'))).toBe(false);
  });

  it('treats the password as Unicode text: a composed and a decomposed é are the same password', async () => {
    const hash = await hashPassword('caf\u00e9 au lait tous les jours');
    expect(await verifyPassword('cafe\u0301 au lait tous les jours', hash)).toBe(true);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password twice')).not.toBe(await hashPassword('same password twice'));
  });

  it('verifies the scrypt hashes of earlier releases and asks to replace them', async () => {
    const old = await scryptHash('an older scrypt hash', { logN: 14, r: 8, p: 1 });
    expect(await verifyPassword('an older scrypt hash', old)).toBe(true);
    expect(await verifyPassword('an older scrypt hasH', old)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword('a current hash here'))).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });

  it('asks to replace an Argon2id hash cheaper than the setting now in force, and only that', async () => {
    const today = await hashPassword('hashed at the default cost');
    process.env.PASSWORD_HASH_MEMORY_KIB = '32768';
    reloadSettings();
    expect(needsRehash(today)).toBe(true);
    const raised = await hashPassword('hashed at the raised cost');
    expect(raised).toContain('$m=32768,t=2,p=1$');
    expect(needsRehash(raised)).toBe(false);
    expect(await verifyPassword('hashed at the default cost', today)).toBe(true);
  });
});
