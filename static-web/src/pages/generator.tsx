import { useState } from 'preact/hooks';
import type { GeneratorHealth } from '../../../shared/records/generator-runs.js';
import { api } from '../api.js';
import { mayAnywhere } from '../state.js';
import { ErrorMessage, formatDateTime, Loading, Notice, PageTitle, useLoad } from '../ui.js';

export function GeneratorPage() {
  const health = useLoad(() => api.get<GeneratorHealth>('/api/admin/generator').then(({ body }) => body), []);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function runNow() {
    setError(null);
    try {
      const { body } = await api.post<{ runId: string; labs: string[] }>('/api/admin/generate', {});
      setNotice(`Run ${body.runId} queued for ${body.labs.length} labs. Refresh in a moment to see it.`);
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
        {mayAnywhere('administration', 'write') && (
          <button type="button" class="primary" onClick={() => void runNow()}>
            Run now for every lab
          </button>
        )}
      </PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <ErrorMessage error={error ?? health.error} />
      {!data ? (
        health.loading && <Loading what="generator health" />
      ) : (
        <>
          <p class={data.failingLabs.length > 0 || data.poisonMessages > 0 ? 'alert error' : 'alert success'}>
            {data.failingLabs.length > 0 ? `Failing: ${data.failingLabs.join(', ')}.` : 'Every lab generated without failure.'} Poison messages: {data.poisonMessages}.
          </p>
          <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Lab</th>
                <th scope="col">Last run</th>
                <th scope="col">Last success</th>
                <th scope="col">Last failure</th>
              </tr>
            </thead>
            <tbody>
              {data.labs.map((lab) => (
                <tr key={lab.labId} class={lab.failed ? 'late' : lab.active ? undefined : 'muted'}>
                  <td data-label="Lab">
                    {lab.labId}
                    {!lab.active && ' (inactive)'}
                  </td>
                  <td data-label="Last run">{formatDateTime(lab.lastRunAt, lab.labId)}</td>
                  <td data-label="Last success">{formatDateTime(lab.lastSuccessAt, lab.labId)}</td>
                  <td data-label="Last failure">{lab.lastFailure ? `${formatDateTime(lab.lastFailure.at, lab.labId)}: ${lab.lastFailure.error}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        </>
      )}
    </>
  );
}
