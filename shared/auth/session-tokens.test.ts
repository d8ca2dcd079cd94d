import { afterEach, describe, expect, it } from 'vitest';
import { forgetSecrets } from '../platform/secrets.js';
import { signToken, verifyToken } from './session-tokens.js';

const oldKey = 'the key before the rotation, long enough';
const newKey = 'the key after the rotation, also long enough';
const inAnHour = () => new Date(Date.now() + 60 * 60 * 1000);

function useKeys(current: string, previous?: string): void {
  process.env.SESSION_SIGNING_KEY = current;
  if (previous === undefined) delete process.env.SESSION_SIGNING_KEY_PREVIOUS;
  else process.env.SESSION_SIGNING_KEY_PREVIOUS = previous;
  forgetSecrets();
}

afterEach(() => useKeys(oldKey));

describe('rotating the session signing key', () => {
  it('keeps tokens signed with the previous key valid while it is configured, and signs with the new one', async () => {
    useKeys(oldKey);
    const before = await signToken('session', { sid: 'one' }, 'tech1', inAnHour());
    useKeys(newKey, oldKey);
    expect((await verifyToken('session', before))?.sub).toBe('tech1');
    const after = await signToken('session', { sid: 'two' }, 'tech1', inAnHour());
    useKeys(newKey);
    expect(await verifyToken('session', before)).toBeNull();
    expect((await verifyToken('session', after))?.sid).toBe('two');
  });

  it('does not let the previous key stretch what the current key refuses for other reasons', async () => {
    useKeys(newKey, oldKey);
    const flow = await signToken('signin-flow', { state: 's' }, 'tech1', inAnHour());
    expect(await verifyToken('session', flow)).toBeNull();
    useKeys(oldKey);
    const expired = await signToken('session', { sid: 'old' }, 'tech1', new Date(Date.now() - 1000));
    useKeys(newKey, oldKey);
    expect(await verifyToken('session', expired)).toBeNull();
  });
});
