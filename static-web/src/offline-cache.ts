/** Read copies of what the signed-in user last saw, kept by the service worker; the app empties it at sign-out. */
export const dataCacheName = 'equipmansys-data';
