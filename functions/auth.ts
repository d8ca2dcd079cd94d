import { beginMicrosoftSignIn, completeMicrosoftSignIn } from '../shared/auth/microsoft-sign-in.js';
import { microsoftSignInConfigured } from '../shared/auth/microsoft.js';
import { sessionView } from '../shared/auth/session-view.js';
import { resolveSession } from '../shared/auth/sessions.js';
import { setupNeeded } from '../shared/setup/first-run.js';
import { changeOwnPassword, signIn, signOut } from '../shared/auth/sign-in.js';
import { passwordRules } from '../shared/domain/password-rules.js';
import { settings } from '../shared/platform/config.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import {
  changePasswordSchema,
  currentSessionSchema,
  loginSchema,
  logoutSchema,
  microsoftCallbackSchema,
  microsoftLoginQuerySchema,
  passwordRulesSchema,
  signInMethodsSchema,
  sessionSchema,
} from '../shared/schemas/auth.js';

http({
  name: 'authLogin',
  methods: ['POST'],
  route: 'auth/login',
  access: 'public',
  summary:
    'Sign in with a local username and password; sets the session cookie and the cookie that marks this device as recognised for the account (429 while devices it has not signed in on are paused after wrong passwords)',
  tags: ['auth'],
  body: loginSchema,
  response: sessionSchema,
  checksPassword: true,
  handler: async ({ body, ...facts }) => {
    const { view, cookie, deviceCookie } = await signIn(body.username, body.password, facts);
    return { body: view, cookies: [cookie, deviceCookie] };
  },
});

http({
  name: 'authLogout',
  methods: ['POST'],
  route: 'auth/logout',
  access: 'public',
  summary: 'Sign out; for Microsoft sign-ins also answers the URL that ends the Microsoft session',
  tags: ['auth'],
  response: logoutSchema,
  handler: async (facts) => {
    const { cookie, logoutUrl } = await signOut(facts);
    return { body: { logoutUrl }, cookies: [cookie] };
  },
});

http({
  name: 'authMe',
  methods: ['GET'],
  route: 'auth/me',
  access: 'password-change',
  summary: 'The signed-in user, the labs they see with their role there, and the CSRF token',
  tags: ['auth'],
  response: sessionSchema,
  handler: async (facts) => {
    const principal = principalOf(facts);
    return { body: await sessionView(principal.user, principal.session) };
  },
});

http({
  name: 'authChangePassword',
  methods: ['POST'],
  route: 'auth/password',
  access: 'password-change',
  summary: 'Change your own password',
  tags: ['auth'],
  body: changePasswordSchema,
  successStatus: 204,
  checksPassword: true,
  handler: async ({ body, ...facts }) => {
    await changeOwnPassword(principalOf(facts), body.currentPassword, body.newPassword, facts);
    return { status: 204 };
  },
});

http({
  name: 'authPasswordRules',
  methods: ['GET'],
  route: 'auth/password-rules',
  access: 'public',
  summary: 'The password rules in force, for a checklist shown while typing',
  tags: ['auth'],
  response: passwordRulesSchema,
  handler: async () => ({
    body: {
      rules: passwordRules({ requireCharacterClasses: settings().PASSWORD_REQUIRE_CHARACTER_CLASSES }).map(({ id, description }) => ({
        id,
        description,
      })),
    },
  }),
});

http({
  name: 'authSession',
  methods: ['GET'],
  route: 'auth/session',
  access: 'public',
  summary: 'The current session, or null when nobody is signed in: what the web app asks at every load, without an error answer',
  tags: ['auth'],
  response: currentSessionSchema,
  handler: async (facts) => {
    const resolved = await resolveSession(facts.request);
    return { body: { session: resolved ? await sessionView(resolved.user, resolved.session) : null } };
  },
});

http({
  name: 'authMethods',
  methods: ['GET'],
  route: 'auth/methods',
  access: 'public',
  summary: 'The ways to sign in that this installation offers, so the sign-in page shows only those',
  tags: ['auth'],
  response: signInMethodsSchema,
  handler: async () => ({ body: { local: true as const, microsoft: microsoftSignInConfigured(), setupNeeded: await setupNeeded() } }),
});

http({
  name: 'authMicrosoftLogin',
  methods: ['GET'],
  route: 'auth/microsoft/login',
  access: 'public',
  summary:
    'Starts Microsoft Entra ID sign-in (redirects to Microsoft); purpose=signature asks a signed-in Microsoft user for their credentials again before signing',
  tags: ['auth'],
  query: microsoftLoginQuerySchema,
  successStatus: 302,
  handler: async ({ query, ...facts }) => {
    const redirect = await beginMicrosoftSignIn(facts, query.purpose ?? 'sign-in');
    return { status: 302, headers: { Location: redirect.location }, cookies: redirect.cookies };
  },
});

http({
  name: 'authMicrosoftCallback',
  methods: ['GET'],
  route: 'auth/microsoft/callback',
  access: 'public',
  summary: 'Where Microsoft sends the browser back; starts the session and redirects to the app',
  tags: ['auth'],
  query: microsoftCallbackSchema,
  successStatus: 302,
  handler: async ({ query, ...facts }) => {
    const redirect = await completeMicrosoftSignIn(query, facts);
    return { status: 302, headers: { Location: redirect.location }, cookies: redirect.cookies };
  },
});
