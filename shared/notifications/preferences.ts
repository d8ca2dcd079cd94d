import { actorOf, grantsOf, type Principal } from '../auth/principal.js';
import { signToken, verifyToken } from '../auth/session-tokens.js';
import { listLabs } from '../data/labs-repository.js';
import { changeUser, usersOfLab, type UserDocument } from '../data/users-repository.js';
import { labsWhere, roleAt } from '../domain/permissions.js';
import type { RequestFacts } from '../platform/http-pipeline.js';
import { badRequest, HttpProblem, notFound } from '../platform/problems.js';
import type { NotificationPreferences, NotificationSettings } from '../schemas/notifications.js';
import { selfActor, userEvent } from '../auth/user-events.js';

/**
 * Until a user saves their own choice: the digest of every lab they hold a role in, immediate notices,
 * by e-mail to their Microsoft sign-in name (a local account has no address until they give one).
 */
export function defaultPreferences(user: Pick<UserDocument, 'authMethod' | 'username' | 'labAccess'>): NotificationPreferences {
  return {
    email: user.authMethod === 'microsoft' && user.username.includes('@') ? user.username : null,
    digestLabs: user.labAccess.map((access) => access.labId),
    immediateNotices: true,
    channels: { email: true, teams: false },
  };
}

export function preferencesOf(user: UserDocument): NotificationPreferences {
  return user.notifications ?? defaultPreferences(user);
}

async function choosableLabs(user: UserDocument): Promise<{ labId: string; name: string }[]> {
  const visible = labsWhere(grantsOf(user), 'records', 'read');
  return (await listLabs())
    .filter((lab) => lab.active && (visible === 'all' || visible.includes(lab.labId)))
    .map((lab) => ({ labId: lab.labId, name: lab.name }));
}

export async function notificationSettingsOf(user: UserDocument): Promise<NotificationSettings> {
  return { ...preferencesOf(user), labs: await choosableLabs(user), saved: Boolean(user.notifications) };
}

export async function saveNotificationPreferences(principal: Principal, chosen: NotificationPreferences, facts: RequestFacts): Promise<NotificationSettings> {
  const labs = await choosableLabs(principal.user);
  const unknown = chosen.digestLabs.filter((labId) => !labs.some((lab) => lab.labId === labId));
  if (unknown.length > 0) {
    throw badRequest(`You have no role in ${unknown.join(', ')}: choose digests of your own labs.`, [
      { field: 'digestLabs', message: `may name only labs you work in (${labs.map((lab) => lab.labId).join(', ') || 'none'})` },
    ]);
  }
  const preferences: NotificationPreferences = { ...chosen, digestLabs: [...new Set(chosen.digestLabs)].sort() };
  const updated = await changeUser(principal.username, (current) => {
    const before = preferencesOf(current);
    if (current.notifications && JSON.stringify(before) === JSON.stringify(preferences)) return null;
    const next = { ...current, notifications: preferences, notificationVersions: versionsAfter(current, before, preferences) };
    return {
      user: next,
      events: [
        userEvent('user.notifications.changed', next, actorOf(principal), facts, { before: { notifications: before }, after: { notifications: preferences } }),
      ],
    };
  });
  if (!updated) throw notFound(`There is no user ${principal.username}.`);
  return notificationSettingsOf(updated);
}

/** Who gets a lab's digest, or its immediate notices, by which channels: Active users who still hold a role there and asked for it. */
export async function subscribersOf(labId: string, what: 'digest' | 'notice'): Promise<{ user: UserDocument; preferences: NotificationPreferences }[]> {
  return (await usersOfLab(labId))
    .filter((user) => roleAt(grantsOf(user), labId) !== null)
    .map((user) => ({ user, preferences: preferencesOf(user) }))
    .filter(({ preferences }) => (what === 'digest' ? preferences.digestLabs.includes(labId) : preferences.immediateNotices))
    .filter(({ preferences }) => (preferences.channels.email && preferences.email !== null) || preferences.channels.teams);
}

const unsubscribeValidity = 400 * 24 * 60 * 60 * 1000;

/** The preference an unsubscribe link turns off: a lab's digest, or immediate notices. */
const preferenceKey = (labId: string | null): string => (labId ? `digest:${labId}` : 'notices');

function versionOf(user: UserDocument, labId: string | null): number {
  return user.notificationVersions?.[preferenceKey(labId)] ?? 0;
}

/**
 * Counts a change of every preference that an unsubscribe link turns off and that changed (a lab's
 * digest on or off, notices on or off), so each link made before it stops working.
 */
function versionsAfter(user: UserDocument, before: NotificationPreferences, after: NotificationPreferences): Record<string, number> {
  const versions = { ...user.notificationVersions };
  const changed = [...new Set([...before.digestLabs, ...after.digestLabs])].filter(
    (labId) => before.digestLabs.includes(labId) !== after.digestLabs.includes(labId),
  );
  for (const labId of [...changed, ...(before.immediateNotices !== after.immediateNotices ? [null] : [])]) {
    versions[preferenceKey(labId)] = versionOf(user, labId) + 1;
  }
  return versions;
}

/**
 * The token of an e-mail's unsubscribe link: the lab's digest, or (without a lab) immediate notices.
 * It carries the preference's version, so it works once, and never after the user changed that
 * preference again: a link seen in one e-mail cannot keep turning someone's notices off.
 */
export function unsubscribeToken(user: UserDocument, labId: string | null): Promise<string> {
  return signToken(
    'unsubscribe',
    { ...(labId ? { lab: labId } : {}), v: String(versionOf(user, labId)) },
    user.username,
    new Date(Date.now() + unsubscribeValidity),
  );
}

const linkSpent = () =>
  new HttpProblem(
    410,
    'Link no longer valid',
    'This unsubscribe link was used already, or these notifications were changed since the e-mail was sent, so it changes nothing. Sign in and choose your notifications on the Notifications page.',
  );

/** Follows an unsubscribe link: no sign-in needed, the signed token says who and what. */
export async function unsubscribe(token: string, facts: RequestFacts): Promise<{ username: string; labId: string | null; message: string }> {
  const claims = await verifyToken('unsubscribe', token);
  if (!claims)
    throw badRequest('This unsubscribe link is not valid or has expired. Sign in and change your notifications instead.', [
      { field: 'token', message: 'is not a valid unsubscribe link' },
    ]);
  const labId = typeof claims.lab === 'string' ? claims.lab : null;
  const changed = await changeUser(claims.sub, (current) => {
    // Links made before versions were counted carry none: they are spent like any older link.
    if (claims.v !== String(versionOf(current, labId))) throw linkSpent();
    const before = preferencesOf(current);
    const after: NotificationPreferences = labId
      ? { ...before, digestLabs: before.digestLabs.filter((lab) => lab !== labId) }
      : { ...before, immediateNotices: false };
    if (current.notifications && JSON.stringify(before) === JSON.stringify(after)) return null;
    const next = { ...current, notifications: after, notificationVersions: versionsAfter(current, before, after) };
    return {
      user: next,
      events: [
        userEvent('user.notifications.unsubscribed', next, selfActor(current), facts, {
          before: { notifications: before },
          after: { notifications: after },
          reason: 'unsubscribe link in an e-mail',
        }),
      ],
    };
  });
  if (!changed) throw notFound('The account of this link no longer exists.');
  return {
    username: claims.sub,
    labId,
    message: labId ? `You will no longer receive the daily digest of ${labId}.` : 'You will no longer receive immediate notices.',
  };
}
