import { readFileSync } from 'node:fs';
import { connect, type PeerCertificate } from 'node:tls';
import { runCheck, type CheckResult } from './checks.js';
import { EvidenceClient } from './evidence-client.js';
import type { ValidationAccounts } from './scenarios.js';

/** What the pack compares the installation's report of itself with. */
export interface ExpectedBuild {
  commit: string | null;
}

/** The headers Static Web Apps adds to every page, as static-web/staticwebapp.config.json declares them. */
function declaredPageHeaders(): Record<string, string> {
  const config = JSON.parse(readFileSync('static-web/staticwebapp.config.json', 'utf8')) as { globalHeaders?: Record<string, string> };
  return config.globalHeaders ?? {};
}

/** The TLS session an HTTPS installation offers: protocol and certificate. */
function tlsFacts(url: URL): Promise<{ protocol: string | null; authorized: boolean; authorizationError: string | null; certificate: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 443), servername: url.hostname, rejectUnauthorized: false }, () => {
      const facts = {
        protocol: socket.getProtocol(),
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
        certificate: socket.getPeerCertificate(),
      };
      socket.end();
      resolve(facts);
    });
    socket.once('error', reject);
  });
}

/** Installation qualification: the installation answers, runs the build traced here, and is configured as documented. */
export async function installationChecks(baseUrl: string, packDir: string, expected: ExpectedBuild, accounts: ValidationAccounts): Promise<CheckResult[]> {
  const https = new URL(baseUrl).protocol === 'https:';
  const client = (folder: string, actor = 'anonymous') => new EvidenceClient(baseUrl, packDir, `evidence/iq/${folder}`, actor);
  const results: CheckResult[] = [];

  results.push(
    await runCheck('IQ-01', 'The API answers (liveness) and reaches its database (readiness)', async (check) => {
      const http = client('01-health');
      const live = await http.get('/api/health');
      check.keep(live.evidence);
      check.expect(
        live.status === 200 && (live.body as { status?: string }).status === 'ok',
        `GET /api/health answered ${live.status} ${live.text.slice(0, 200)}`,
      );
      const ready = await http.get('/api/health/ready');
      check.keep(ready.evidence);
      check.expect(
        ready.status === 200 && (ready.body as { status?: string }).status === 'ready',
        `GET /api/health/ready answered ${ready.status} ${ready.text.slice(0, 200)}`,
      );
    }),
  );

  results.push(
    await runCheck('IQ-02', 'The installation runs the build whose requirements and tests this pack traces', async (check) => {
      const answer = await client('02-version').get('/api/health/version');
      check.keep(answer.evidence);
      if (!check.expect(answer.status === 200, `GET /api/health/version answered ${answer.status}`)) return;
      const reported = answer.body as { version: string; commit: string | null; dirty: boolean; builtAt: string | null };
      check.note(`The installation reports version ${reported.version}, commit ${reported.commit ?? '(none)'}, built ${reported.builtAt ?? '(not built)'}.`);
      check.expect(
        reported.commit !== null && reported.commit === expected.commit,
        `the reported commit ${reported.commit ?? '(none)'} is the pack's commit ${expected.commit ?? '(none)'}`,
      );
      check.expect(
        !reported.dirty,
        reported.dirty ? 'the build held uncommitted changes, so its commit does not name it exactly' : 'the build held no uncommitted changes',
      );
    }),
  );

  results.push(
    await runCheck('IQ-03', 'Pages carry the security headers staticwebapp.config.json declares', async (check) => {
      const page = await client('03-page-headers').get('/');
      check.keep(page.evidence);
      check.expect(page.status === 200, `GET / answered ${page.status}`);
      for (const [name, value] of Object.entries(declaredPageHeaders())) {
        const served = page.headers.get(name);
        check.expect(served === value, `${name}: ${served ?? '(absent)'}`);
      }
    }),
  );

  results.push(
    await runCheck('IQ-04', 'API answers are neither cached, sniffed nor framed', async (check) => {
      const answer = await client('04-api-headers').get('/api/health');
      check.keep(answer.evidence);
      const expectations: Record<string, (value: string | null) => boolean> = {
        'Cache-Control': (value) => value?.includes('no-store') ?? false,
        'X-Content-Type-Options': (value) => value === 'nosniff',
        'X-Frame-Options': (value) => value === 'DENY',
        'Content-Security-Policy': (value) => value?.includes("frame-ancestors 'none'") ?? false,
      };
      for (const [name, holds] of Object.entries(expectations))
        check.expect(holds(answer.headers.get(name)), `${name}: ${answer.headers.get(name) ?? '(absent)'}`);
    }),
  );

  results.push(
    await runCheck('IQ-05', 'HTTPS: TLS 1.2 or later with a trusted certificate, and Strict-Transport-Security', async (check) => {
      if (!https) {
        check.skip('Not applicable: the installation is served over plain HTTP (a local installation on this machine).');
        return;
      }
      const facts = await tlsFacts(new URL(baseUrl));
      check.expect(facts.protocol === 'TLSv1.2' || facts.protocol === 'TLSv1.3', `protocol ${facts.protocol ?? '(none)'}`);
      check.expect(
        facts.authorized,
        facts.authorized ? 'the certificate chains to a trusted root' : `the certificate is not trusted: ${facts.authorizationError}`,
      );
      const daysLeft = Math.floor((Date.parse(facts.certificate.valid_to) - Date.now()) / 86_400_000);
      check.expect(
        daysLeft > 14,
        `the certificate for ${facts.certificate.subject?.CN ?? '(no name)'} is valid until ${facts.certificate.valid_to} (${daysLeft} days)`,
      );
      const page = await client('05-tls').get('/');
      check.keep(page.evidence);
      check.expect(
        /max-age=\d+/.test(page.headers.get('strict-transport-security') ?? ''),
        `Strict-Transport-Security: ${page.headers.get('strict-transport-security') ?? '(absent)'}`,
      );
    }),
  );

  results.push(
    await runCheck('IQ-06', 'The session cookie is HttpOnly, SameSite, host-only, and Secure over HTTPS', async (check) => {
      const http = client('06-session-cookie', accounts.technician.username);
      const signIn = await http.post('/api/auth/login', { username: accounts.technician.username, password: accounts.technician.password });
      check.keep(signIn.evidence);
      if (!check.expect(signIn.status === 200, `signing in as ${accounts.technician.username} answered ${signIn.status}`)) return;
      const session = signIn.setCookies.find((line) => !/_(device|signin)=/.test(line.split(';')[0]!));
      if (!check.expect(session !== undefined, 'sign-in set a session cookie')) return;
      const attributes = session!
        .split(';')
        .slice(1)
        .map((attribute) => attribute.trim().toLowerCase());
      check.expect(attributes.includes('httponly'), 'HttpOnly');
      check.expect(
        attributes.some((attribute) => attribute === 'samesite=strict' || attribute === 'samesite=lax'),
        `SameSite: ${attributes.find((attribute) => attribute.startsWith('samesite')) ?? '(absent)'}`,
      );
      check.expect(!attributes.some((attribute) => attribute.startsWith('domain=')), 'no Domain attribute (the cookie stays with this host)');
      if (https) check.expect(attributes.includes('secure'), 'Secure');
      else check.note('Secure is not expected over plain HTTP on this machine.');
      check.keep((await http.post('/api/auth/logout')).evidence);
    }),
  );

  results.push(
    await runCheck('IQ-07', 'The settings the installation reports as in force', async (check) => {
      const http = client('07-settings');
      const rules = await http.get('/api/auth/password-rules');
      check.keep(rules.evidence);
      if (check.expect(rules.status === 200, `GET /api/auth/password-rules answered ${rules.status}`)) {
        for (const rule of (rules.body as { rules: { description: string }[] }).rules) check.note(`Password rule in force: ${rule.description}`);
      }
      const methods = await http.get('/api/auth/methods');
      check.keep(methods.evidence);
      if (check.expect(methods.status === 200, `GET /api/auth/methods answered ${methods.status}`)) {
        const offered = methods.body as { local: boolean; microsoft: boolean; setupNeeded: boolean };
        check.note(
          `Sign-in offered: ${[offered.local ? 'username and password' : '', offered.microsoft ? 'Microsoft Entra ID' : ''].filter(Boolean).join(' and ')}.`,
        );
        check.expect(!offered.setupNeeded, 'the installation is set up (it holds an Administrator)');
      }
    }),
  );
  return results;
}
