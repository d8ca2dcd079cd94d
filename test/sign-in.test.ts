import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scryptHash } from '../shared/auth/scrypt-hashes.js';
import { changeUser, readUser } from '../shared/data/users-repository.js';
import { reloadSettings } from '../shared/platform/config.js';
import { auditTrailOf, newUserBody } from './helpers/fixtures.js';
import { demoPassword, startTestProduct, type TestProduct } from './helpers/test-product.js';

let product: TestProduct;

// The old rule throughout: every wrong password counts toward the lock (test/lockout.test.ts covers the default back-off).
beforeAll(async () => {
  product = await startTestProduct({ LOCKOUT_MODE: 'permanent' });
});
afterAll(async () => product.cleanup());

async function addUser(username: string, password = 'a long first password 1') {
  const admin = await product.signedIn('admin');
  const response = await admin.post('/api/users', newUserBody(username, { lastName: username, password, requirePasswordChange: false }));
  expect(response.status).toBe(201);
  return password;
}

const login = (username: string, password: string) => product.client().post('/api/auth/login', { username, password });

async function actionsOf(username: string): Promise<string[]> {
  return (await auditTrailOf(username)).map((entry) => entry.action);
}

describe('local sign-in', () => {
  it('is the only way offered when Microsoft sign-in is not configured', async () => {
    expect((await product.client().get('/api/auth/methods')).body).toEqual({ local: true, microsoft: false, setupNeeded: false });
  });

  it('answers the app\'s question "who is signed in?" with 200 both ways: null for nobody, the session for a signed-in user', async () => {
    const nobody = await product.client().get('/api/auth/session');
    expect(nobody.status).toBe(200);
    expect(nobody.body).toEqual({ session: null });
    const signed = await product.signedIn('tech1');
    const current = await signed.get<{ session: { user: { username: string }; csrfToken: string } | null }>('/api/auth/session');
    expect(current.status).toBe(200);
    expect(current.body.session?.user.username).toBe('tech1');
    expect(current.body.session?.csrfToken).toBeTruthy();
  });

  it('signs in case-insensitively on the username and records it', async () => {
    const response = await login('  Tech1 ', demoPassword);
    expect(response.status).toBe(200);
    expect((await readUser('tech1'))?.document.lastLoginAt).not.toBeNull();
    expect(await actionsOf('tech1')).toContain('auth.login');
  });

  it('answers an unknown user exactly as a wrong password', async () => {
    const unknown = await login('nobody-here', 'whatever password 1');
    const wrong = await login('tech2', 'whatever password 1');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const { requestId: _a, ...unknownBody } = unknown.body;
    const { requestId: _b, ...wrongBody } = wrong.body;
    expect(unknownBody).toEqual(wrongBody);
    expect(unknown.headers.get('content-type')).toBe(wrong.headers.get('content-type'));
    expect(await actionsOf('~unknown')).toContain('auth.login.failed');
  });
});

describe('lockout', () => {
  it('locks at the third failure; the right password then gets 423; a manager unlocks', async () => {
    const password = await addUser('lockme');
    expect((await login('lockme', 'wrong password one')).status).toBe(401);
    expect((await login('lockme', 'wrong password two')).status).toBe(401);
    expect((await readUser('lockme'))?.document.status).toBe('Active');
    const third = await login('lockme', 'wrong password three');
    expect(third.status).toBe(423);
    expect(third.body.detail).toBe(
      'That was the third wrong password in a row, so the account is now locked. A manager of your lab or an administrator can unlock it.',
    );
    expect((await readUser('lockme'))?.document.status).toBe('Locked');
    const right = await login('lockme', password);
    expect(right.status).toBe(423);
    expect(right.body.detail).toContain('locked');
    // Locked, the right and a wrong password get the same answer: no oracle for the password.
    const wrong = await login('lockme', 'wrong password four');
    const { requestId: _right, ...rightBody } = right.body;
    const { requestId: _wrong, ...wrongBody } = wrong.body;
    expect(wrong.status).toBe(right.status);
    expect(wrongBody).toEqual(rightBody);
    const actions = await actionsOf('lockme');
    expect(actions.filter((action) => action === 'auth.login.failed')).toHaveLength(3);
    expect(actions).toContain('user.locked');

    const manager = await product.signedIn('manager1');
    const unlock = await manager.patch('/api/users/lockme', { status: 'Active' });
    expect(unlock.status).toBe(200);
    expect(await actionsOf('lockme')).toContain('user.unlocked');
    expect((await login('lockme', password)).status).toBe(200);
  });

  it('counts failures in the database, so a fresh client without cookies is still locked', async () => {
    await addUser('nocookies');
    for (const attempt of [1, 2, 3]) {
      const client = product.client();
      expect((await client.post('/api/auth/login', { username: 'nocookies', password: `wrong ${attempt} password` })).status).toBe(attempt < 3 ? 401 : 423);
      expect(client.cookies.size).toBe(0);
    }
    expect((await readUser('nocookies'))?.document.failedLogins).toBe(3);
    expect((await login('nocookies', 'a long first password 1')).status).toBe(423);
  });

  it('answers a disabled account the same to the right and a wrong password', async () => {
    const password = await addUser('disabledone');
    const admin = await product.signedIn('admin');
    expect((await admin.patch('/api/users/disabledone', { status: 'Disabled' })).status).toBe(200);
    const right = await login('disabledone', password);
    const wrong = await login('disabledone', 'not the password at all');
    expect(right.status).toBe(403);
    const { requestId: _right, ...rightBody } = right.body;
    const { requestId: _wrong, ...wrongBody } = wrong.body;
    expect([wrong.status, wrongBody]).toEqual([403, rightBody]);
    expect((await auditTrailOf('disabledone')).filter((entry) => entry.action === 'auth.login.refused').map((entry) => entry.reason)).toEqual([
      'account is Disabled; the password given was right',
      'account is Disabled; the password given was wrong',
    ]);
  });

  it('locks a name nobody holds exactly as it locks a real account, so locking tells no one which names exist', async () => {
    await addUser('realname');
    const answers = async (username: string) => {
      const bodies = [];
      for (const attempt of [1, 2, 3, 4]) {
        const { status, body } = await login(username, `wrong ${attempt} password`);
        const { requestId: _id, ...rest } = body;
        bodies.push([status, rest]);
      }
      return bodies;
    };
    const real = await answers('realname');
    expect(real.map(([status]) => status)).toEqual([401, 401, 423, 423]);
    expect(await answers('nobody-by-this-name')).toEqual(real);
  });

  it('resets the count after a successful sign-in', async () => {
    const password = await addUser('resetcount');
    await login('resetcount', 'wrong password one');
    await login('resetcount', 'wrong password two');
    expect((await login('resetcount', password)).status).toBe(200);
    expect((await readUser('resetcount'))?.document.failedLogins).toBe(0);
    await login('resetcount', 'wrong password three');
    expect((await readUser('resetcount'))?.document.status).toBe('Active');
  });

  it('lets an administrator unlock too, but not a technician', async () => {
    await addUser('adminunlock');
    for (const attempt of [1, 2, 3]) await login('adminunlock', `wrong ${attempt} password`);
    const tech = await product.signedIn('tech1');
    expect((await tech.patch('/api/users/adminunlock', { status: 'Active' })).status).toBe(403);
    const admin = await product.signedIn('admin');
    expect((await admin.patch('/api/users/adminunlock', { status: 'Active' })).status).toBe(200);
  });
});

describe('password changes', () => {
  it('makes a session with a temporary password change it before anything else', async () => {
    const manager = await product.signedIn('manager1');
    const created = await manager.post('/api/users', newUserBody('newstarter', { primaryLabId: 'LAB02', password: 'temporary password 77' }));
    expect(created.status).toBe(201);
    expect(created.body.requirePasswordChange).toBe(true);
    const starter = product.client();
    const signedIn = await starter.post<{ user: { mustChangePassword: boolean } }>('/api/auth/login', {
      username: 'newstarter',
      password: 'temporary password 77',
    });
    expect(signedIn.body.user.mustChangePassword).toBe(true);
    const blocked = await starter.get('/api/labs');
    expect(blocked.status).toBe(403);
    expect(blocked.body.detail).toContain('Change your password');
    expect((await starter.get('/api/auth/me')).status).toBe(200);

    const weak = await starter.post('/api/auth/password', { currentPassword: 'temporary password 77', newPassword: 'password1234' });
    expect(weak.status).toBe(400);
    expect((weak.body.errors as { field: string; message: string }[])[0]).toEqual({
      field: 'newPassword',
      message: 'must meet the rule: not a commonly used password',
    });
    const withName = await starter.post('/api/auth/password', { currentPassword: 'temporary password 77', newPassword: 'i am newstarter here' });
    expect(withName.status).toBe(400);

    const changed = await starter.post('/api/auth/password', { currentPassword: 'temporary password 77', newPassword: 'my own secret phrase 9' });
    expect(changed.status).toBe(204);
    expect((await starter.get('/api/labs')).status).toBe(200);
    expect(await actionsOf('newstarter')).toContain('user.password.changed');
    expect((await login('newstarter', 'temporary password 77')).status).toBe(401);
    expect((await login('newstarter', 'my own secret phrase 9')).status).toBe(200);
  });

  it('requires a change once the password is older than the maximum age', async () => {
    const password = await addUser('oldpassword');
    await changeUser('oldpassword', (user) => ({ user: { ...user, passwordChangedAt: new Date(Date.now() - 91 * 86_400_000).toISOString() }, events: [] }));
    const client = product.client();
    const response = await client.post<{ user: { mustChangePassword: boolean } }>('/api/auth/login', { username: 'oldpassword', password });
    expect(response.body.user.mustChangePassword).toBe(true);
    expect((await client.get('/api/users')).status).toBe(403);
  });

  it('counts a wrong current password as a failed sign-in and ends other sessions on success', async () => {
    const password = await addUser('changer');
    const laptop = await product.signedIn('changer', password);
    const phone = await product.signedIn('changer', password);
    const wrong = await laptop.post('/api/auth/password', { currentPassword: 'not my password', newPassword: 'another fine phrase 3' });
    expect(wrong.status).toBe(400);
    expect((await readUser('changer'))?.document.failedLogins).toBe(1);
    expect((await laptop.post('/api/auth/password', { currentPassword: password, newPassword: 'another fine phrase 3' })).status).toBe(204);
    expect((await laptop.get('/api/auth/me')).status).toBe(200);
    expect((await phone.get('/api/auth/me')).status).toBe(401);
  });

  it('replaces a scrypt hash with Argon2id at the first sign-in, once, and refuses a wrong password on either kind alike', async () => {
    const password = await addUser('rehashme');
    await addUser('argonkeeper');
    const old = await scryptHash(password, { logN: 14, r: 8, p: 1 });
    await changeUser('rehashme', (user) => ({ user: { ...user, passwordHash: old }, events: [] }));
    const wrongOnScrypt = await login('rehashme', 'not the password at all');
    const wrongOnArgon = await login('argonkeeper', 'not the password at all');
    expect(wrongOnScrypt.status).toBe(401);
    const answer = (body: unknown) => ({ title: (body as { title: string }).title, detail: (body as { detail: string }).detail });
    expect(answer(wrongOnScrypt.body)).toEqual(answer(wrongOnArgon.body));
    expect(answer(wrongOnScrypt.body).detail).toBe('The username or password is incorrect.');
    expect((await login('rehashme', password)).status).toBe(200);
    const rehashed = (await readUser('rehashme'))!.document.passwordHash!;
    expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await login('rehashme', password)).status).toBe(200);
    expect((await readUser('rehashme'))!.document.passwordHash).toBe(rehashed);
  });

  it('publishes the rules in force, with character classes when the setting asks for them', async () => {
    const relaxed = await product.client().get<{ rules: { id: string }[] }>('/api/auth/password-rules');
    expect(relaxed.body.rules.map((rule) => rule.id)).toEqual(['length', 'not-common', 'not-username']);
    process.env.PASSWORD_REQUIRE_CHARACTER_CLASSES = 'true';
    reloadSettings();
    try {
      const strict = await product.client().get<{ rules: { id: string }[] }>('/api/auth/password-rules');
      expect(strict.body.rules.map((rule) => rule.id)).toContain('symbol');
      const admin = await product.signedIn('admin');
      const refused = await admin.post('/api/users', newUserBody('classless', { password: 'all lower case words' }));
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toContain('an uppercase letter');
    } finally {
      delete process.env.PASSWORD_REQUIRE_CHARACTER_CLASSES;
      reloadSettings();
    }
  });
});
