import { settings } from './config.js';

/** Secret names as stored in Key Vault; locally each falls back to the environment variable beside it. */
export const secretNames = {
  sessionSigningKey: { vault: 'session-signing-key', env: 'SESSION_SIGNING_KEY' },
  /** The key before the last rotation: still accepted for verification, never used to sign. */
  previousSessionSigningKey: { vault: 'session-signing-key-previous', env: 'SESSION_SIGNING_KEY_PREVIOUS' },
  entraClientSecret: { vault: 'entra-client-secret', env: 'ENTRA_CLIENT_SECRET' },
  /** The one-time token of a new installation's first-run setup (SPEC §12). */
  setupToken: { vault: 'setup-token', env: 'SETUP_TOKEN' },
} as const;

export type SecretName = keyof typeof secretNames;

type SecretReader = (vaultName: string) => Promise<string | undefined>;

const cache = new Map<SecretName, Promise<string | undefined>>();
let vaultReader: SecretReader | undefined;

async function keyVaultReader(vaultUri: string): Promise<SecretReader> {
  // Loaded only when a vault is configured, so local runs and cold starts without one skip the SDKs.
  const [{ SecretClient }, { DefaultAzureCredential }] = await Promise.all([import('@azure/keyvault-secrets'), import('@azure/identity')]);
  const client = new SecretClient(vaultUri, new DefaultAzureCredential());
  return async (name) => (await client.getSecret(name)).value;
}

async function readSecret(name: SecretName): Promise<string | undefined> {
  const { KEY_VAULT_URI } = settings();
  const fromEnvironment = process.env[secretNames[name].env];
  if (!KEY_VAULT_URI) return fromEnvironment || undefined;
  vaultReader ??= await keyVaultReader(KEY_VAULT_URI);
  return vaultReader(secretNames[name].vault);
}

/** A secret's value, read once per process; undefined when it is configured nowhere. */
export function optionalSecret(name: SecretName): Promise<string | undefined> {
  let pending = cache.get(name);
  if (!pending) {
    pending = readSecret(name);
    cache.set(name, pending);
    pending.catch(() => cache.delete(name));
  }
  return pending;
}

export async function requiredSecret(name: SecretName): Promise<string> {
  const value = await optionalSecret(name);
  if (!value) {
    throw new Error(`Secret ${secretNames[name].vault} is not configured (Key Vault secret or ${secretNames[name].env})`);
  }
  return value;
}

/**
 * A secret one lab may have (a Teams webhook URL): undefined where it is not configured. Remembered
 * for ten minutes, so a secret added in Key Vault is used without a restart.
 */
const labSecrets = new Map<string, { value: Promise<string | undefined>; until: number }>();
const labSecretMs = 10 * 60_000;

async function readLabSecret(name: { vault: string; env: string }): Promise<string | undefined> {
  const { KEY_VAULT_URI } = settings();
  if (!KEY_VAULT_URI) return process.env[name.env] || undefined;
  vaultReader ??= await keyVaultReader(KEY_VAULT_URI);
  try {
    return await vaultReader(name.vault);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/**
 * A secret read at every call, never remembered: for one an operator writes just before it is used
 * (the break-glass token), and undefined where it does not exist.
 */
export function freshSecret(name: { vault: string; env: string }): Promise<string | undefined> {
  return readLabSecret(name);
}

export function labSecret(name: { vault: string; env: string }): Promise<string | undefined> {
  const known = labSecrets.get(name.vault);
  if (known && known.until > Date.now()) return known.value;
  const value = readLabSecret(name);
  labSecrets.set(name.vault, { value, until: Date.now() + labSecretMs });
  value.catch(() => labSecrets.delete(name.vault));
  return value;
}

export function forgetSecrets(): void {
  cache.clear();
  labSecrets.clear();
  vaultReader = undefined;
}
