import { computed, signal } from '@preact/signals';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { SessionView } from '../../shared/schemas/auth.js';
import type { Role } from '../../shared/schemas/common.js';
import type { RecordSummary } from '../../shared/schemas/records.js';
import { allows, type Action, type Area } from '../../shared/domain/permissions.js';
import { api, onOfflineCopy, onSessionExpired, useCsrfToken } from './api.js';
import { dataCacheName } from './offline-cache.js';

/** When the page shows what the device kept because the server could not be reached: the time it was read. */
export const offlineReadAt = signal<string | null>(null);
onOfflineCopy((readAt) => {
  offlineReadAt.value = readAt;
});

/** undefined while the app asks the server whether someone is signed in. */
export const session = signal<SessionView | null | undefined>(undefined);
/** Why the sign-in page is shown, when it is not the first visit. */
export const signInNotice = signal<string | null>(null);
const returnKey = 'equipmansys.return';

/** Where to come back to after signing in again, kept across a trip to Microsoft. */
export function rememberReturn(path: string): void {
  sessionStorage.setItem(returnKey, path);
}

export function takeReturn(): string | null {
  const path = sessionStorage.getItem(returnKey);
  sessionStorage.removeItem(returnKey);
  return path;
}

/** The list a checklist was last opened from, so that signing it leads on to the next of that list. */
export const workList = signal<{ labId: string; records: RecordSummary[] } | null>(null);

/**
 * Takes a signed checklist off the list it was opened from and answers the one after it (or the
 * first left, when it was the last): where the technician goes next.
 */
export function takeNextInWorkList(labId: string, recordNumber: string): RecordSummary | null {
  const list = workList.value;
  if (!list || list.labId !== labId) return null;
  const position = list.records.findIndex((record) => record.recordNumber === recordNumber);
  const left = list.records.filter((record) => record.recordNumber !== recordNumber);
  workList.value = { labId, records: left };
  return left[Math.max(position, 0)] ?? left[0] ?? null;
}

const labStorageKey = 'equipmansys.lab';
export const currentLabId = signal<string | null>(localStorage.getItem(labStorageKey));

export const currentLab = computed(() => {
  const labs = session.value?.labs ?? [];
  return labs.find((lab) => lab.labId === currentLabId.value) ?? labs.find((lab) => lab.labId === session.value?.user.primaryLabId) ?? labs[0] ?? null;
});

export function chooseLab(labId: string): void {
  currentLabId.value = labId;
  localStorage.setItem(labStorageKey, labId);
}

/** The signed-in user's role at the current lab (company-wide roles hold everywhere). */
export const currentRole = computed<Role | null>(() => currentLab.value?.role ?? null);

/** Mirrors the server's permission matrix so the app hides what would be refused; the server still decides. */
export function may(area: Area, action: Action, role: Role | null = currentRole.value): boolean {
  return allows(role, area, action);
}

/** Whether any of the user's labs allows it (company-wide pages such as models). */
export function mayAnywhere(area: Area, action: Action): boolean {
  return (session.value?.labs ?? []).some((lab) => allows(lab.role, area, action));
}

export const isCompanyWide = computed(() => {
  const role = currentRole.value;
  return role === 'Administrator' || role === 'Global Audit';
});

export function signedIn(view: SessionView): void {
  useCsrfToken(view.csrfToken);
  session.value = view;
  signInNotice.value = null;
}

export function signedOut(notice: string | null = null): void {
  useCsrfToken(null);
  // What the service worker kept of this user's reads goes with the session.
  if (globalThis.caches) void caches.delete(dataCacheName);
  session.value = null;
  signInNotice.value = notice;
}

export async function loadSession(): Promise<void> {
  try {
    const { session: current } = (await api.get<{ session: SessionView | null }>('/api/auth/session')).body;
    if (current) signedIn(current);
    else signedOut();
  } catch {
    signedOut();
  }
}

// ---- Drafts: what a person typed survives a lost session or a trip to Microsoft for a signature.

const draftPrefix = 'equipmansys.draft:';
const liveDrafts = new Map<string, () => unknown>();

/**
 * Keeps a form's content while it is shown, so that it survives a lost session or a trip to
 * Microsoft; `restore` receives what was kept for the same form earlier, once. Never pass a password.
 */
export function useKeptDraft<T>(key: string, value: T, restore: (kept: T) => void): void {
  const latest = useRef(value);
  latest.current = value;
  // Written as it is typed, so a reload (or the phone closing the tab while offline) keeps it too: in
  // the commit of the render that shows it, since an effect waits for the next frame, and a tick
  // followed at once by a reload was lost.
  useLayoutEffect(() => {
    if (liveDrafts.get(key)) sessionStorage.setItem(draftPrefix + key, JSON.stringify(value));
  });
  // Put back before the form is first painted, so nobody sees (or reads) it empty for a frame.
  useLayoutEffect(() => {
    liveDrafts.set(key, () => latest.current);
    const stored = sessionStorage.getItem(draftPrefix + key);
    if (stored !== null) {
      sessionStorage.removeItem(draftPrefix + key);
      restore(JSON.parse(stored) as T);
    }
    return () => {
      liveDrafts.delete(key);
    };
  }, [key]);
}

export function forgetDraft(key: string): void {
  liveDrafts.delete(key);
  sessionStorage.removeItem(draftPrefix + key);
}

/** Writes every open form to session storage (this tab only, gone when it closes). */
export function saveDrafts(): void {
  for (const [key, read] of liveDrafts) sessionStorage.setItem(draftPrefix + key, JSON.stringify(read()));
}

onSessionExpired(() => {
  if (!session.value) return;
  saveDrafts();
  rememberReturn(location.pathname + location.search);
  signedOut('Your session has ended, so nothing was saved. Sign in again to go back to what you were doing; what you typed is kept.');
});

/** Set on return from a fresh Microsoft sign-in: the next completion may be signed without a password. */
export const signatureReady = signal(false);
