import { useEffect, useState } from 'preact/hooks';
import type { GeneratorHealth } from '../../../shared/jobs/generator-runs.js';
import { api } from '../api.js';
import { mayAnywhere } from '../state.js';
import { ErrorMessage, formatDateTime, Loading, Notice, PageTitle, useLoad } from '../ui.js';

type LabHealth = GeneratorHealth['labs'][number];

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** What a lab's last successful run did, in words: "4 checklists created, 1 marked missed". */
export function whatTheRunDid(summary: LabHealth['lastSummary']): string {
  if (!summary) return '—';
  if (typeof summary.skipped === 'string') return `Skipped: ${summary.skipped}`;
  const count = (key: string) => (typeof summary[key] === 'number' ? (summary[key] as number) : 0);
  const parts = [
    count('created') > 0 && `${plural(count('created'), 'checklist')} created${count('backfilled') > 0 ? ` (${count('backfilled')} for past days)` : ''}`,
    count('missed') > 0 && `${count('missed')} marked missed`,
    count('cancelled') > 0 && `${count('cancelled')} cancelled`,
    count('reopened') > 0 && `${count('reopened')} reopened`,
  ].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(', ') : 'Nothing to do: every checklist was already there';
}

export function GeneratorPage() {
  const health = useLoad(() => api.get<GeneratorHealth>('/api/admin/generator').then(({ body }) => body), []);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [waiting, setWaiting] = useState(false);
  const mayRun = mayAnywhere('administration', 'write');
  const labs = health.data?.labs ?? [];
  const nameOf = (labId: string) => labs.find((lab) => lab.labId === labId)?.name ?? labId;

  // A queued run takes a moment: the page looks again by itself rather than asking for a refresh.
  useEffect(() => {
    if (!waiting) return undefined;
    const timer = setTimeout(() => {
      setWaiting(false);
      health.reload();
    }, 1500);
    return () => clearTimeout(timer);
  }, [waiting]);

  async function run(labId?: string) {
    setError(null);
    try {
      const { body } = await api.post<{ runId: string; labs: string[] }>('/api/admin/generate', labId ? { labId } : {});
      setNotice(
        labId
          ? `A run for ${nameOf(labId)} is queued; this page shows what it did in a moment.`
          : `A run for ${plural(body.labs.length, 'active lab')} is queued; this page shows what each did in a moment.`,
      );
      setWaiting(true);
    } catch (refusal) {
      setError(refusal);
    }
  }
  const data = health.data;
  return (
    <>
      <PageTitle title="Generator">
        <button type="button" class="secondary" onClick={health.reload}>
          Refresh
        </button>
        {mayRun && (
          <button type="button" class="primary" onClick={() => void run()}>
            Run now for every lab
          </button>
        )}
      </PageTitle>
      <p class="hint">
        The generator creates each day’s checklists for every machine in service, and marks missed what was not done in time. It runs every hour by itself.
      </p>
      {notice && <Notice>{notice}</Notice>}
      <ErrorMessage error={error ?? health.error} />
      {!data ? (
        health.loading && <Loading what="generator health" />
      ) : (
        <>
          <p class={data.failingLabs.length > 0 || data.poisonMessages > 0 ? 'alert error' : 'alert success'}>
            {data.failingLabs.length > 0 ? `Failing: ${data.failingLabs.map(nameOf).join(', ')}.` : 'Every lab generated without failure.'}{' '}
            {data.poisonMessages > 0 ? `${plural(data.poisonMessages, 'lab')} gave up after every retry.` : 'No run gave up after its retries.'}
          </p>
          <div class="table-box">
            <table class="responsive">
              <thead>
                <tr>
                  <th scope="col">Lab</th>
                  <th scope="col">Last run</th>
                  <th scope="col">What it did</th>
                  <th scope="col">Last failure</th>
                  {mayRun && <th scope="col">Run</th>}
                </tr>
              </thead>
              <tbody>
                {data.labs.map((lab) => (
                  <tr key={lab.labId} class={lab.failed ? 'late' : lab.active ? undefined : 'muted'}>
                    <td data-label="Lab">
                      {lab.name} <span class="id">{lab.labId}</span>
                      {!lab.active && ' (inactive)'}
                    </td>
                    <td data-label="Last run">
                      {formatDateTime(lab.lastRunAt, lab.labId)}
                      {lab.failed && lab.lastSuccessAt && <> (last success {formatDateTime(lab.lastSuccessAt, lab.labId)})</>}
                    </td>
                    <td data-label="What it did">{whatTheRunDid(lab.lastSummary)}</td>
                    <td data-label="Last failure">{lab.lastFailure ? `${formatDateTime(lab.lastFailure.at, lab.labId)}: ${lab.lastFailure.error}` : '—'}</td>
                    {mayRun && (
                      <td data-label="Run">
                        {lab.active ? (
                          <button type="button" class="secondary" onClick={() => void run(lab.labId)} aria-label={`Run now for ${lab.name}`}>
                            Run now
                          </button>
                        ) : (
                          'Inactive: not generated'
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <RemindersHealth notifications={data.notifications} nameOf={nameOf} />
        </>
      )}
    </>
  );
}

const digestWords: Record<string, string> = {
  sent: 'Sent',
  sending: 'Being sent',
  retrying: 'Some messages failed; trying again',
  failed: 'Given up after every retry',
};

/** Each lab's digest of its today and every message that failed: the reminders' part of the health page. */
function RemindersHealth(props: { notifications: GeneratorHealth['notifications']; nameOf: (labId: string) => string }) {
  const { notifications, nameOf } = props;
  return (
    <section aria-labelledby="reminders-title">
      <h2 id="reminders-title">Reminders</h2>
      <p class={notifications.failures.length > 0 ? 'alert error' : 'alert success'}>
        E-mail: {notifications.email}.{' '}
        {notifications.failures.length > 0
          ? `${plural(notifications.failures.length, 'message')} failed in the last two days.`
          : 'No message failed in the last two days.'}
      </p>
      <div class="table-box">
        <table class="responsive">
          <thead>
            <tr>
              <th scope="col">Lab</th>
              <th scope="col">Digest of</th>
              <th scope="col">State</th>
              <th scope="col">Messages</th>
            </tr>
          </thead>
          <tbody>
            {notifications.labs.map((lab) => (
              <tr key={lab.labId} class={lab.digest && lab.digest.failed > 0 ? 'late' : undefined}>
                <td data-label="Lab">
                  {nameOf(lab.labId)} <span class="id">{lab.labId}</span>
                </td>
                <td data-label="Digest of">{lab.date ?? 'Unknown: the lab’s time zone does not exist'}</td>
                <td data-label="State">
                  {lab.digest ? (digestWords[lab.digest.state] ?? lab.digest.state) : 'Not sent yet'}
                  {lab.digest?.nextAttemptAt && <> (next try {formatDateTime(lab.digest.nextAttemptAt, lab.labId)})</>}
                </td>
                <td data-label="Messages">{lab.digest ? `${lab.digest.sent} sent${lab.digest.failed > 0 ? `, ${lab.digest.failed} failed` : ''}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {notifications.failures.length > 0 && (
        <>
          <h3>Failed messages</h3>
          <ul class="failures">
            {notifications.failures.map((failure) => (
              <li key={failure.messageId}>
                {failure.channel === 'teams' ? 'Teams post' : 'E-mail'} to {failure.to.join(', ')} ({failure.key}, {plural(failure.attempts, 'try', 'tries')}):{' '}
                {failure.lastError}
                {failure.state === 'failed' ? ' Given up.' : failure.nextAttemptAt ? ` Next try ${formatDateTime(failure.nextAttemptAt, failure.labId)}.` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
