import type * as Msal from '@azure/msal-node';
import type { ConfidentialClientApplication, Configuration } from '@azure/msal-node';
import { settings } from '../platform/config.js';
import { requiredSecret } from '../platform/secrets.js';

/** Scopes for signing in only: the ID token says who the user is and which groups they are in. */
export const signInScopes = ['openid', 'profile', 'email'];

export const callbackPath = '/api/auth/microsoft/callback';

export function microsoftSignInConfigured(): boolean {
  const config = settings();
  return Boolean(config.ENTRA_CLIENT_ID && (config.ENTRA_TENANT_ID || config.ENTRA_AUTHORITY) && config.ENTRA_GROUP_MAP);
}

interface OpenIdMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  jwks_uri: string;
}

let pendingClient: Promise<{ client: ConfidentialClientApplication; logoutEndpoint: string }> | undefined;

/**
 * With ENTRA_AUTHORITY the provider is any OpenID Connect issuer (tests run a local one); otherwise it
 * is the Entra tenant in msal's default mode.
 */
async function createClient(): Promise<{ client: ConfidentialClientApplication; logoutEndpoint: string }> {
  const { ENTRA_CLIENT_ID, ENTRA_TENANT_ID, ENTRA_AUTHORITY } = settings();
  const { ConfidentialClientApplication, ProtocolMode } = await msal();
  const clientSecret = await requiredSecret('entraClientSecret');
  if (ENTRA_AUTHORITY) {
    const authority = ENTRA_AUTHORITY.replace(/\/$/, '');
    const response = await fetch(`${authority}/.well-known/openid-configuration`);
    if (!response.ok) throw new Error(`The sign-in provider's metadata answered ${response.status}`);
    const metadata = (await response.json()) as OpenIdMetadata;
    const configuration: Configuration = {
      auth: {
        clientId: ENTRA_CLIENT_ID!,
        clientSecret,
        authority,
        knownAuthorities: [new URL(authority).host],
        authorityMetadata: JSON.stringify(metadata),
      },
      system: { protocolMode: ProtocolMode.OIDC },
    };
    return { client: new ConfidentialClientApplication(configuration), logoutEndpoint: metadata.end_session_endpoint ?? `${authority}/logout` };
  }
  const authority = `https://login.microsoftonline.com/${ENTRA_TENANT_ID}`;
  return {
    client: new ConfidentialClientApplication({ auth: { clientId: ENTRA_CLIENT_ID!, clientSecret, authority } }),
    logoutEndpoint: `${authority}/oauth2/v2.0/logout`,
  };
}

/**
 * msal-node is loaded on the first Microsoft sign-in, not at start-up: most requests never need it,
 * and every cold start of the function app would pay for loading it.
 */
function msal(): Promise<typeof Msal> {
  return import('@azure/msal-node');
}

export function microsoftClient(): Promise<{ client: ConfidentialClientApplication; logoutEndpoint: string }> {
  pendingClient ??= createClient().catch((error: unknown) => {
    pendingClient = undefined;
    throw error;
  });
  return pendingClient;
}

export function redirectUriFor(origin: string): string {
  const publicOrigin = settings().PUBLIC_ORIGINS?.[0];
  return `${publicOrigin ? new URL(publicOrigin).origin : origin}${callbackPath}`;
}

export interface SignInStart {
  url: string;
  state: string;
  nonce: string;
  verifier: string;
}

/**
 * `prompt: 'login'` makes Microsoft ask for the credentials again even within a Microsoft session:
 * what an electronic signature needs (SPEC §5).
 */
export async function startMicrosoftSignIn(origin: string, options: { prompt?: 'login' | 'select_account'; loginHint?: string } = {}): Promise<SignInStart> {
  const { client } = await microsoftClient();
  const { CryptoProvider, ResponseMode } = await msal();
  const crypto = new CryptoProvider();
  const { verifier, challenge } = await crypto.generatePkceCodes();
  const state = crypto.createNewGuid();
  const nonce = crypto.createNewGuid();
  const url = await client.getAuthCodeUrl({
    scopes: signInScopes,
    redirectUri: redirectUriFor(origin),
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    state,
    nonce,
    responseMode: ResponseMode.QUERY,
    prompt: options.prompt ?? 'select_account',
    ...(options.loginHint ? { loginHint: options.loginHint } : {}),
  });
  return { url, state, nonce, verifier };
}

export async function microsoftLogoutUrl(origin: string, logoutHint: string | undefined): Promise<string | null> {
  if (!microsoftSignInConfigured()) return null;
  const { logoutEndpoint } = await microsoftClient();
  const url = new URL(logoutEndpoint);
  url.searchParams.set('post_logout_redirect_uri', `${origin}/`);
  if (logoutHint) url.searchParams.set('logout_hint', logoutHint);
  return url.toString();
}
