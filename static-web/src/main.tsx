import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { api } from './api.js';
import { AuditPage } from './pages/audit.js';
import { CalibrationsDuePage, MachineCalibrationPage } from './pages/calibration.js';
import { DashboardPage } from './pages/dashboard.js';
import { EquipmentHistoryPage } from './pages/equipment-history.js';
import { EquipmentPage } from './pages/equipment.js';
import { GeneratorPage } from './pages/generator.js';
import { IntegrationsPage } from './pages/integrations.js';
import { LabsPage } from './pages/labs.js';
import { ModelPage } from './pages/model.js';
import { LabelsPage, MachineAtHandPage } from './pages/labels.js';
import { NonconformitiesPage, NonconformityPage } from './pages/nonconformities.js';
import { NotificationsPage, OutboxPage, UnsubscribePage } from './pages/notifications.js';
import { OverviewPage } from './pages/overview.js';
import { ModelsPage } from './pages/models.js';
import { PasswordPage } from './pages/password.js';
import { RecordPage } from './pages/record.js';
import { ReportProblemPage } from './pages/report-problem.js';
import { RequestsPage } from './pages/requests.js';
import { ReportsPage } from './pages/reports.js';
import { ReviewPage, ReviewsPage } from './pages/reviews.js';
import { SignInPage } from './pages/sign-in.js';
import { UsersPage } from './pages/users.js';
import { currentPath, Link, match, navigate } from './router.js';
import { chooseLab, currentLab, currentRole, loadSession, may, mayAnywhere, offlineReadAt, session, signatureReady, signedOut, takeReturn } from './state.js';
import { formatDateTime } from './ui.js';

interface Route {
  pattern: string;
  page: (parameters: Record<string, string>) => JSX.Element;
  allowed?: () => boolean;
}

/** Auditors have no checklists to do: they open on the lab's state, and read the checklists a click away. */
const isAuditor = () => currentRole.value === 'Global Audit' || currentRole.value === 'Local Audit';

const routes: Route[] = [
  { pattern: '/', page: () => (isAuditor() ? <OverviewPage /> : <DashboardPage />) },
  { pattern: '/today', page: () => <DashboardPage /> },
  { pattern: '/overview', page: () => <OverviewPage />, allowed: () => may('audit', 'read') },
  {
    pattern: '/records/:labId/:recordNumber',
    page: ({ labId, recordNumber }) => <RecordPage key={`${labId}/${recordNumber}`} labId={labId!} recordNumber={recordNumber!} />,
  },
  { pattern: '/equipment', page: () => <EquipmentPage />, allowed: () => may('equipment', 'read') },
  { pattern: '/calibration', page: () => <CalibrationsDuePage />, allowed: () => may('calibration', 'read') },
  {
    pattern: '/equipment/:labId/:serialNumber/calibration',
    page: ({ labId, serialNumber }) => <MachineCalibrationPage key={`${labId}/${serialNumber}`} labId={labId!} serialNumber={serialNumber!} />,
    allowed: () => mayAnywhere('calibration', 'read'),
  },
  {
    pattern: '/equipment/:labId/:serialNumber',
    page: ({ labId, serialNumber }) => <EquipmentHistoryPage labId={labId!} serialNumber={serialNumber!} />,
    allowed: () => mayAnywhere('equipment', 'read'),
  },
  { pattern: '/labels', page: () => <LabelsPage />, allowed: () => may('equipment', 'read') },
  { pattern: '/e/:serialNumber', page: ({ serialNumber }) => <MachineAtHandPage key={serialNumber} serialNumber={serialNumber!} /> },
  { pattern: '/nonconformities', page: () => <NonconformitiesPage />, allowed: () => may('nonconformities', 'read') },
  { pattern: '/requests', page: () => <RequestsPage />, allowed: () => may('nonconformities', 'read') },
  {
    pattern: '/nonconformities/:labId/:ncNumber',
    page: ({ labId, ncNumber }) => <NonconformityPage key={`${labId}/${ncNumber}`} labId={labId!} ncNumber={ncNumber!} />,
    allowed: () => mayAnywhere('nonconformities', 'read'),
  },
  { pattern: '/models', page: () => <ModelsPage />, allowed: () => mayAnywhere('models', 'read') },
  { pattern: '/models/new', page: () => <ModelPage modelId={null} />, allowed: () => mayAnywhere('models', 'write') },
  { pattern: '/models/:modelId', page: ({ modelId }) => <ModelPage modelId={modelId!} />, allowed: () => mayAnywhere('models', 'read') },
  { pattern: '/users', page: () => <UsersPage />, allowed: () => mayAnywhere('users', 'read') },
  { pattern: '/audit', page: () => <AuditPage />, allowed: () => mayAnywhere('audit', 'read') },
  { pattern: '/reviews', page: () => <ReviewsPage />, allowed: () => may('audit', 'read') },
  {
    pattern: '/reviews/:labId/:reviewNumber',
    page: ({ labId, reviewNumber }) => <ReviewPage key={`${labId}/${reviewNumber}`} labId={labId!} reviewNumber={reviewNumber!} />,
    allowed: () => mayAnywhere('audit', 'read'),
  },
  { pattern: '/reports', page: () => <ReportsPage />, allowed: () => mayAnywhere('audit', 'read') },
  { pattern: '/labs', page: () => <LabsPage />, allowed: () => mayAnywhere('administration', 'write') },
  { pattern: '/integrations', page: () => <IntegrationsPage />, allowed: () => mayAnywhere('administration', 'write') },
  { pattern: '/generator', page: () => <GeneratorPage />, allowed: () => mayAnywhere('administration', 'read') },
  { pattern: '/password', page: () => <PasswordPage />, allowed: () => session.value?.user.authMethod === 'local' },
  { pattern: '/notifications', page: () => <NotificationsPage /> },
  { pattern: '/outbox', page: () => <OutboxPage />, allowed: () => mayAnywhere('administration', 'read') },
];

function navigation(): { href: string; label: string }[] {
  const items = isAuditor()
    ? [
        { href: '/', label: 'Overview' },
        { href: '/today', label: 'Today' },
      ]
    : [{ href: '/', label: 'Today' }, ...(may('audit', 'read') ? [{ href: '/overview', label: 'Overview' }] : [])];
  if (may('equipment', 'read')) items.push({ href: '/equipment', label: 'Equipment' });
  if (may('calibration', 'read')) items.push({ href: '/calibration', label: 'Calibration' });
  if (may('nonconformities', 'read')) items.push({ href: '/nonconformities', label: 'Nonconformities' }, { href: '/requests', label: 'Requests' });
  if (mayAnywhere('models', 'read')) items.push({ href: '/models', label: 'Models' });
  if (mayAnywhere('users', 'read')) items.push({ href: '/users', label: 'Users' });
  if (mayAnywhere('audit', 'read'))
    items.push({ href: '/reports', label: 'Reports' }, { href: '/audit', label: 'Audit trail' }, { href: '/reviews', label: 'Reviews' });
  if (mayAnywhere('administration', 'write')) items.push({ href: '/labs', label: 'Labs' }, { href: '/integrations', label: 'Integrations' });
  if (mayAnywhere('administration', 'read')) items.push({ href: '/generator', label: 'Generator' }, { href: '/outbox', label: 'Outbox' });
  return items;
}

function isCurrent(href: string): boolean {
  const checklists = href === (isAuditor() ? '/today' : '/');
  if (checklists) return currentPath.value === href || currentPath.value.startsWith('/records/');
  return href === '/' ? currentPath.value === '/' : currentPath.value.startsWith(href);
}

async function signOut(): Promise<void> {
  const { body } = await api.post<{ logoutUrl: string | null }>('/api/auth/logout', {}).catch(() => ({ body: { logoutUrl: null } }));
  signedOut('You are signed out.');
  if (body.logoutUrl) location.assign(body.logoutUrl);
  else navigate('/', { replace: true });
}

function Header() {
  const [menuOpen, setMenuOpen] = useState(false);
  const view = session.value!;
  const lab = currentLab.value;
  const forced = view.user.mustChangePassword;
  useEffect(() => setMenuOpen(false), [currentPath.value]);
  return (
    <header class="app-header">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <div class="bar">
        <Link href="/" class="brand">
          EquipManSys
        </Link>
        {!forced && view.labs.length > 0 && (
          <div class="lab-switcher">
            <label for="lab-switcher">Lab</label>
            <select id="lab-switcher" value={lab?.labId} onChange={(event) => chooseLab(event.currentTarget.value)}>
              {view.labs.map((option) => (
                <option key={option.labId} value={option.labId}>
                  {option.labId} · {option.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <button type="button" class="menu-button secondary" aria-expanded={menuOpen} aria-controls="main-menu" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
      </div>
      <nav id="main-menu" class={menuOpen ? 'open' : undefined} aria-label="Main">
        <ul>
          {!forced &&
            navigation().map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={isCurrent(item.href) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
        </ul>
        <div class="who">
          <span>
            {view.user.displayName}
            {lab && <span class="role"> · {lab.role}</span>}
          </span>
          {!forced && <Link href="/notifications">Notifications</Link>}
          {view.user.authMethod === 'local' && !forced && <Link href="/password">Password</Link>}
          <button type="button" class="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </nav>
    </header>
  );
}

/** Says plainly when the page shows what this device kept rather than what the server says now. */
function OfflineLine() {
  const readAt = offlineReadAt.value;
  if (!readAt) return null;
  return (
    <p class="offline-line" role="status">
      Offline: showing what this device last read, at {formatDateTime(readAt)}. Answers you type are kept here; signing needs the connection.
    </p>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address, or your role does not open it. <Link href="/">Go to the checklists.</Link>
      </p>
    </>
  );
}

function App() {
  const view = session.value;
  const path = currentPath.value;
  const [signingInAtMachine, setSigningInAtMachine] = useState(false);
  // After signing in again, go back to where the session was lost (its form kept what was typed).
  useEffect(() => {
    if (!view || view.user.mustChangePassword) return;
    const back = takeReturn();
    if (back && back !== location.pathname + location.search) navigate(back, { replace: true });
  }, [view?.user.username]);
  useEffect(() => {
    document.getElementById('page-title')?.focus({ preventScroll: true });
  }, [path]);
  if (view === undefined) return <p class="loading">Loading…</p>;
  // An e-mail's unsubscribe link works without signing in: its token says whose and what.
  if (path === '/unsubscribe') {
    return (
      <main id="main" tabIndex={-1}>
        <UnsubscribePage />
      </main>
    );
  }
  if (view === null) {
    // A label's QR code carries the machine's report key: someone without an account may report a problem.
    const atMachine = match('/e/:serialNumber', path);
    const reportKey = new URLSearchParams(location.search).get('k');
    if (atMachine && reportKey && !signingInAtMachine)
      return <ReportProblemPage serialNumber={atMachine.serialNumber!} reportKey={reportKey} onSignIn={() => setSigningInAtMachine(true)} />;
    return <SignInPage />;
  }
  let content: JSX.Element = <NotFound />;
  if (view.user.mustChangePassword) content = <PasswordPage />;
  else
    for (const route of routes) {
      const parameters = match(route.pattern, path);
      if (parameters && (route.allowed?.() ?? true)) {
        content = route.page(parameters);
        break;
      }
    }
  return (
    <>
      <Header />
      <OfflineLine />
      <main id="main" tabIndex={-1}>
        {content}
      </main>
    </>
  );
}

/** A return from a fresh Microsoft sign-in for a signature: back to the record, whose form was kept. */
function arrivedFromSignature(): void {
  const search = new URLSearchParams(location.search);
  if (search.get('signature') !== 'ready') return;
  signatureReady.value = true;
  navigate(takeReturn() ?? '/', { replace: true });
}

arrivedFromSignature();
void loadSession();
// The installable app: its files, and the pages last read, stay available offline (static-web/src/service-worker.ts).
if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js').catch(() => undefined);
render(<App />, document.getElementById('app')!);
