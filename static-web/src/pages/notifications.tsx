import { useEffect, useState } from 'preact/hooks';
import type { NotificationSettings, OutboxMessage } from '../../../shared/schemas/notifications.js';
import { api, ApiError, describeError } from '../api.js';
import { Link } from '../router.js';
import { CheckboxField, ErrorMessage, formatDateTime, Loading, Notice, PageTitle, TextField, useLoad } from '../ui.js';

/** Each user's own reminders (SPEC §11): which labs' daily digests, immediate notices, and by which channels. */
export function NotificationsPage() {
  const loaded = useLoad(() => api.get<NotificationSettings>('/api/me/notifications').then(({ body }) => body), []);
  const [draft, setDraft] = useState<NotificationSettings | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(loaded.data), [loaded.data]);

  if (!draft) {
    return (
      <>
        <PageTitle title="Notifications" />
        <ErrorMessage error={loaded.error} />
        {loaded.loading && <Loading what="your notifications" />}
      </>
    );
  }
  const change = (patch: Partial<NotificationSettings>) => {
    setSaved(false);
    setDraft({ ...draft, ...patch });
  };
  const toggleLab = (labId: string, wanted: boolean) =>
    change({ digestLabs: wanted ? [...draft.digestLabs, labId].sort() : draft.digestLabs.filter((chosen) => chosen !== labId) });

  async function save(event: Event) {
    event.preventDefault();
    setError(null);
    setFieldErrors({});
    setBusy(true);
    try {
      const { labs: _labs, saved: _saved, ...chosen } = draft!;
      const { body } = await api.put<NotificationSettings>('/api/me/notifications', { ...chosen, email: chosen.email?.trim() || null });
      setDraft(body);
      setSaved(true);
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setFieldErrors(refusal.fieldErrors);
      else setError(describeError(refusal));
    } finally {
      setBusy(false);
    }
  }

  const noEmail = draft.channels.email && !draft.email?.trim();
  return (
    <>
      <PageTitle title="Notifications" />
      <p class="hint">
        A daily digest of each lab you choose arrives at the start of the lab’s day: checklists due today, overdue and missed ones, calibrations coming due,
        open nonconformities. Immediate notices tell you when a machine is quarantined or found out of tolerance.
      </p>
      {!draft.saved && <p class="alert info">These are the defaults; nothing is sent by e-mail until you give an address and save.</p>}
      {saved && <Notice>Your notifications are saved.</Notice>}
      <form class="narrow" onSubmit={save} noValidate>
        <TextField
          label="E-mail address"
          type="email"
          autocomplete="email"
          value={draft.email ?? ''}
          onValue={(email) => change({ email })}
          hint={noEmail ? 'Without an address nothing is sent by e-mail.' : undefined}
          error={fieldErrors.email}
        />
        <fieldset>
          <legend>Daily digest</legend>
          {draft.labs.length === 0 && <p class="hint">You have no role in a lab yet.</p>}
          {draft.labs.map((lab) => (
            <CheckboxField
              key={lab.labId}
              label={`${lab.labId} · ${lab.name}`}
              checked={draft.digestLabs.includes(lab.labId)}
              onChecked={(wanted) => toggleLab(lab.labId, wanted)}
            />
          ))}
          {fieldErrors.digestLabs && <p class="field-error">{fieldErrors.digestLabs}</p>}
        </fieldset>
        <fieldset>
          <legend>Immediate notices</legend>
          <CheckboxField
            label="Tell me when a machine of my labs is quarantined or found out of tolerance"
            checked={draft.immediateNotices}
            onChecked={(immediateNotices) => change({ immediateNotices })}
          />
        </fieldset>
        <fieldset>
          <legend>Channels</legend>
          <CheckboxField label="E-mail" checked={draft.channels.email} onChecked={(email) => change({ channels: { ...draft.channels, email } })} />
          <CheckboxField
            label="Mention me in the lab’s Teams channel"
            checked={draft.channels.teams}
            onChecked={(teams) => change({ channels: { ...draft.channels, teams } })}
            hint="Where the lab has a Teams channel set up, its post of the digest and of each notice mentions you."
          />
        </fieldset>
        <ErrorMessage error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Save
        </button>
      </form>
    </>
  );
}

/** Where an e-mail's unsubscribe link lands: no sign-in, one button, a plain answer. */
export function UnsubscribePage() {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(token ? null : 'This link has no unsubscribe token. Sign in and change your notifications instead.');
  const [busy, setBusy] = useState(false);
  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      const { body } = await api.post<{ message: string }>('/api/notifications/unsubscribe', { token });
      setResult(body.message);
    } catch (refusal) {
      setError(refusal);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <PageTitle title="Unsubscribe" />
      {result ? (
        <Notice>{result}</Notice>
      ) : (
        <>
          <p>Stop the e-mails this link came with?</p>
          <button type="button" class="primary" disabled={busy || !token} onClick={() => void confirm()}>
            Stop these e-mails
          </button>
        </>
      )}
      <ErrorMessage error={error} />
      <p>
        <Link href="/notifications">Choose all your notifications</Link> after signing in.
      </p>
    </>
  );
}

/** The local outbox: what would have been sent, newest first, for an Administrator to read. */
export function OutboxPage() {
  const outbox = useLoad(() => api.get<{ folder: string | null; messages: OutboxMessage[] }>('/api/admin/outbox').then(({ body }) => body), []);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <PageTitle title="Outbox">
        <button type="button" class="secondary" onClick={outbox.reload}>
          Refresh
        </button>
      </PageTitle>
      <ErrorMessage error={outbox.error} />
      {!outbox.data ? (
        outbox.loading && <Loading what="the outbox" />
      ) : (
        <>
          <p class="hint">
            Nothing leaves this computer: e-mails and Teams posts are written to{' '}
            {outbox.data.folder ? <code>{outbox.data.folder}</code> : 'a folder on the server'}. In Azure they go through Azure Communication Services and each
            lab’s Teams webhook.
          </p>
          {outbox.data.messages.length === 0 ? (
            <p>Nothing has been sent yet.</p>
          ) : (
            <div class="table-box">
              <table class="responsive">
                <thead>
                  <tr>
                    <th scope="col">Written</th>
                    <th scope="col">Channel</th>
                    <th scope="col">To</th>
                    <th scope="col">Subject</th>
                  </tr>
                </thead>
                <tbody>
                  {outbox.data.messages.map((message) => (
                    <>
                      <tr key={message.messageId}>
                        <td data-label="Written">{formatDateTime(message.writtenAt, message.labId)}</td>
                        <td data-label="Channel">
                          {message.channel === 'email' ? 'E-mail' : 'Teams'} · {message.kind === 'digest' ? 'digest' : 'notice'}
                        </td>
                        <td data-label="To">{message.to.join(', ')}</td>
                        <td data-label="Subject">
                          <button
                            type="button"
                            class="link"
                            aria-expanded={open === message.messageId}
                            onClick={() => setOpen(open === message.messageId ? null : message.messageId)}
                          >
                            {message.subject}
                          </button>
                        </td>
                      </tr>
                      {open === message.messageId && (
                        <tr key={`${message.messageId}-body`}>
                          <td colSpan={4}>
                            <pre class="message-body" tabIndex={0} aria-label={`Message: ${message.subject}`}>
                              {message.channel === 'email' ? (message.body as { plainText: string }).plainText : JSON.stringify(message.body, null, 2)}
                            </pre>
                          </td>
                        </tr>
                      )}
                    </>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
