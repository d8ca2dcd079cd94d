/**
 * The installable app's service worker (SPEC §11). The app's own files are kept per deployment (the
 * build names the cache after their content, so a new deployment replaces the old one); the
 * dashboard, the checklists and the session last read are kept so they stay readable offline, each
 * answered with the time it was read. Nothing that changes anything is ever kept or queued: a
 * signature needs the connection.
 */

import { dataCacheName as dataCache } from './offline-cache.js';

declare const appVersion: string;

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  location: Location;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const worker = self as unknown as WorkerScope;
const shellCache = `equipmansys-shell-${appVersion}`;
const shellFiles = ['/', '/app.js', '/styles.css', '/favicon.svg', '/icon-192.png', '/manifest.webmanifest'];

/**
 * The reads worth having offline: who is signed in, the dashboard, a checklist, the machine at hand,
 * and whether that machine is fit for use (its calibration plan), which a checklist shows above its tasks.
 */
const keptReads = [
  /^\/api\/auth\/session$/,
  /^\/api\/labs\/[^/]+\/dashboard$/,
  /^\/api\/labs\/[^/]+\/records\/[^/]+$/,
  /^\/api\/machines\/[^/]+$/,
  /^\/api\/labs\/[^/]+\/equipment\/[^/]+\/calibration-plan$/,
];

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(shellCache)
      .then((cache) => cache.addAll(shellFiles))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith('equipmansys-shell-') && name !== shellCache).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim()),
  );
});

/** Network first; when it fails, the copy kept last time, marked with when it was read. */
async function readWithCopy(request: Request): Promise<Response> {
  const cache = await caches.open(dataCache);
  try {
    const response = await fetch(request);
    if (response.ok) {
      const headers = new Headers(response.headers);
      headers.set('x-read-at', new Date().toISOString());
      await cache.put(request, new Response(await response.clone().blob(), { status: response.status, headers }));
    }
    return response;
  } catch (error) {
    const kept = await cache.match(request);
    if (!kept) throw error;
    const headers = new Headers(kept.headers);
    headers.set('x-offline-copy', kept.headers.get('x-read-at') ?? '');
    return new Response(await kept.blob(), { status: kept.status, headers });
  }
}

/** The app's pages: the network, or the kept app when there is none (it routes on its own). */
async function page(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    const shell = await caches.open(shellCache).then((cache) => cache.match('/'));
    if (!shell) throw error;
    return shell;
  }
}

async function appFile(request: Request): Promise<Response> {
  return (await caches.open(shellCache).then((cache) => cache.match(request))) ?? fetch(request);
}

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  if (url.pathname.startsWith('/api/')) {
    if (keptReads.some((pattern) => pattern.test(url.pathname))) event.respondWith(readWithCopy(request));
    return;
  }
  if (request.mode === 'navigate') event.respondWith(page(request));
  else if (shellFiles.includes(url.pathname)) event.respondWith(appFile(request));
});
