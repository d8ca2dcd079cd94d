import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiKey, ApiKeyScope } from '../../../shared/schemas/api-keys.js';
import type { VisibleLab } from '../../../shared/schemas/labs.js';
import { apiKeyScopes, webhookEventTypes } from '../../../shared/schemas/vocabulary.js';
import type { Webhook, WebhookDelivery, WebhookEventType } from '../../../shared/schemas/webhooks.js';
import { allPages, api, ApiError } from '../api.js';
import { Badge, Dialog, DialogActions, ErrorMessage, formatDate, formatDateTime, Loading, Notice, PageTitle, TextField, useLoad } from '../ui.js';

const scopeMeanings: Record<ApiKeyScope, string> = {
  'feed:read': 'read the OData feed (Power BI, Excel)',
  'fitness:read': 'ask whether a machine is fit for use',
  'meters:write': 'post meter readings',
};

/** Several choices under one legend, with the API's word on them below. */
function CheckboxGroup<T extends string>(props: {
  legend: string;
  choices: readonly { value: T; label: string }[];
  chosen: T[];
  onChosen: (chosen: T[]) => void;
  error: string | undefined;
}) {
  const toggle = (value: T, on: boolean) => props.onChosen(on ? [...props.chosen, value] : props.chosen.filter((item) => item !== value));
  return (
    <fieldset class={props.error ? 'field invalid' : 'field'}>
      <legend>{props.legend}</legend>
      {props.choices.map((choice) => (
        <label key={choice.value} class="checkbox-field">
          <input type="checkbox" checked={props.chosen.includes(choice.value)} onChange={(event) => toggle(choice.value, event.currentTarget.checked)} />{' '}
          {choice.label}
        </label>
      ))}
      {props.error && <p class="field-error">{props.error}</p>}
    </fieldset>
  );
}

const labChoices = (labs: VisibleLab[]) => labs.map((lab) => ({ value: lab.labId, label: `${lab.labId} · ${lab.name}` }));

/** A secret the API answers once: shown with a copy button and the warning that it is gone after this. */
function SecretOnce(props: { what: string; secret: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    await navigator.clipboard.writeText(props.secret);
    setCopied(true);
  }
  return (
    <div class="alert success" role="status">
      <p>Copy the {props.what} now: it will not be shown again. If it is lost, create a new one and remove the old one.</p>
      <p>
        <code class="secret">{props.secret}</code>
      </p>
      <div class="actions">
        <button type="button" class="primary" onClick={() => void copy()}>
          {copied ? 'Copied' : `Copy the ${props.what}`}
        </button>
        <button type="button" class="secondary" onClick={props.onDismiss}>
          Done
        </button>
      </div>
    </div>
  );
}

/**
 * What each section of this page keeps: its list, the dialog open (a new item, or one item to remove),
 * the item just created, whose secret is shown once, and the last notice.
 */
function useSection<Item, Created extends Item>(path: string) {
  const list = useLoad(() => allPages<Item>(path), []);
  const [dialog, setDialog] = useState<'new' | Item | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return {
    ...list,
    dialog,
    openDialog: setDialog,
    closeDialog: () => setDialog(null),
    created,
    dismissCreated: () => setCreated(null),
    notice,
    setNotice,
    onCreated(item: Created) {
      setDialog(null);
      setNotice(null);
      setCreated(item);
      list.reload();
    },
    onRemoved(message: string) {
      setDialog(null);
      setCreated(null);
      setNotice(message);
      list.reload();
    },
  };
}

/** A section's title with its button for a new item, and what the items are for. */
function SectionHead(props: { id: string; title: string; newLabel: string; onNew: () => void; hint: string }) {
  return (
    <>
      <div class="page-head">
        <h2 id={props.id}>{props.title}</h2>
        <button type="button" class="primary" onClick={props.onNew}>
          {props.newLabel}
        </button>
      </div>
      <p class="hint">{props.hint}</p>
    </>
  );
}

function inOneYear(): string {
  const day = new Date();
  day.setUTCFullYear(day.getUTCFullYear() + 1);
  return day.toISOString().slice(0, 10);
}

function CreateKeyDialog(props: { labs: VisibleLab[]; onCreated: (key: ApiKey & { key: string }) => void; onClose: () => void }) {
  const [form, setForm] = useState({ name: '', labIds: [] as string[], scopes: [] as ApiKeyScope[], expiresOn: inOneYear() });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const set = (change: Partial<typeof form>) => setForm({ ...form, ...change });

  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    try {
      const { body } = await api.post<ApiKey & { key: string }>('/api/api-keys', form);
      props.onCreated(body);
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }

  return (
    <Dialog title="New API key" onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" hint="Who uses it, e.g. Power BI quality dashboard." value={form.name} onValue={(name) => set({ name })} error={errors.name} />
        <CheckboxGroup legend="Labs" choices={labChoices(props.labs)} chosen={form.labIds} onChosen={(labIds) => set({ labIds })} error={errors.labIds} />
        <CheckboxGroup
          legend="Scopes"
          choices={apiKeyScopes.map((scope) => ({ value: scope, label: `${scope}: ${scopeMeanings[scope]}` }))}
          chosen={form.scopes}
          onChosen={(scopes) => set({ scopes })}
          error={errors.scopes}
        />
        <TextField
          label="Expires on"
          type="date"
          hint="The last day the key works (UTC), at most two years ahead."
          value={form.expiresOn}
          onValue={(expiresOn) => set({ expiresOn })}
          error={errors.expiresOn}
        />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel="Create key" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function RevokeKeyDialog(props: { apiKey: ApiKey; onDone: (notice: string) => void; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    try {
      await api.post(`/api/api-keys/${props.apiKey.keyId}/revoke`, { reason });
      props.onDone(`The key ${props.apiKey.name} is revoked: it stops working at once.`);
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }
  return (
    <Dialog title={`Revoke ${props.apiKey.name}?`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <p>Whatever uses this key stops getting answers at once. This cannot be undone.</p>
        <TextField label="Reason" value={reason} onValue={setReason} error={errors.reason} />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel="Revoke key" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

const totalUses = (key: ApiKey) => key.usesByDay.reduce((sum, day) => sum + day.uses, 0);

function ApiKeysSection(props: { labs: VisibleLab[] }) {
  const keys = useSection<ApiKey, ApiKey & { key: string }>('/api/api-keys');
  return (
    <section aria-labelledby="api-keys-title">
      <SectionHead
        id="api-keys-title"
        title="API keys"
        newLabel="New API key"
        onNew={() => keys.openDialog('new')}
        hint="A key lets a program such as Power BI or a LIMS read the labs it names, for the scopes it holds, until the day it expires."
      />
      {keys.created && <SecretOnce what="key" secret={keys.created.key} onDismiss={keys.dismissCreated} />}
      {keys.notice && <Notice>{keys.notice}</Notice>}
      <ErrorMessage error={keys.error} />
      {keys.loading && !keys.data ? (
        <Loading what="API keys" />
      ) : keys.data && keys.data.length === 0 ? (
        <p>No API keys yet.</p>
      ) : (
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Labs</th>
                <th scope="col">Scopes</th>
                <th scope="col">Expires on</th>
                <th scope="col">Last use</th>
                <th scope="col">Uses (30 days)</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {(keys.data ?? []).map((key) => (
                <tr key={key.keyId} class={key.revokedAt ? 'muted' : undefined}>
                  <td data-label="Name">{key.name}</td>
                  <td data-label="Labs">{key.labIds.join(', ')}</td>
                  <td data-label="Scopes">{key.scopes.join(', ')}</td>
                  <td data-label="Expires on">{key.expiresOn}</td>
                  <td data-label="Last use">{key.lastUsedOn ?? 'Never'}</td>
                  <td data-label="Uses (30 days)">{totalUses(key)}</td>
                  <td data-label="Status">
                    {key.revokedAt ? (
                      <span>Revoked {formatDate(key.revokedAt)}</span>
                    ) : (
                      <button type="button" class="secondary" onClick={() => keys.openDialog(key)} aria-label={`Revoke ${key.name}`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {keys.dialog === 'new' && <CreateKeyDialog labs={props.labs} onCreated={keys.onCreated} onClose={keys.closeDialog} />}
      {keys.dialog && keys.dialog !== 'new' && <RevokeKeyDialog apiKey={keys.dialog} onDone={keys.onRemoved} onClose={keys.closeDialog} />}
    </section>
  );
}

function CreateWebhookDialog(props: { labs: VisibleLab[]; onCreated: (webhook: Webhook & { secret: string }) => void; onClose: () => void }) {
  const [form, setForm] = useState({ name: '', url: 'https://', events: [] as WebhookEventType[], labIds: [] as string[] });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const set = (change: Partial<typeof form>) => setForm({ ...form, ...change });

  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    try {
      // No lab ticked means every lab, including labs added later.
      const { labIds, ...rest } = form;
      const { body } = await api.post<Webhook & { secret: string }>('/api/integrations/webhooks', labIds.length > 0 ? form : rest);
      props.onCreated(body);
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }

  return (
    <Dialog title="New webhook" onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" hint="Who receives it, e.g. LIMS." value={form.name} onValue={(name) => set({ name })} error={errors.name} />
        <TextField
          label="Address"
          type="url"
          hint="An https address that accepts POST requests."
          value={form.url}
          onValue={(url) => set({ url })}
          error={errors.url}
          spellcheck={false}
          autocapitalize="off"
        />
        <CheckboxGroup
          legend="Events"
          choices={webhookEventTypes.map((type) => ({ value: type, label: type }))}
          chosen={form.events}
          onChosen={(events) => set({ events })}
          error={errors.events}
        />
        <CheckboxGroup
          legend="Labs (none ticked: every lab)"
          choices={labChoices(props.labs)}
          chosen={form.labIds}
          onChosen={(labIds) => set({ labIds })}
          error={errors.labIds}
        />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel="Create webhook" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function DeleteWebhookDialog(props: { webhook: Webhook; onDone: (notice: string) => void; onClose: () => void }) {
  const [failure, setFailure] = useState<unknown>(null);
  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    try {
      await api.delete(`/api/integrations/webhooks/${props.webhook.subscriptionId}`);
      props.onDone(`The webhook ${props.webhook.name} is deleted: nothing more is sent to it.`);
    } catch (refusal) {
      setFailure(refusal);
    }
  }
  return (
    <Dialog title={`Delete ${props.webhook.name}?`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <p>Nothing more is sent to {props.webhook.url}. To pause deliveries instead, disable it.</p>
        <ErrorMessage error={failure} />
        <DialogActions submitLabel="Delete webhook" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function attemptText(delivery: WebhookDelivery): string {
  const last = delivery.attempts.at(-1);
  if (!last) return 'not tried yet';
  return last.status === null ? (last.error ?? 'no answer') : `HTTP ${last.status}`;
}

function Deliveries(props: { webhook: Webhook }) {
  const { data, error, loading } = useLoad(
    () =>
      api.get<{ items: WebhookDelivery[] }>(`/api/integrations/webhooks/${props.webhook.subscriptionId}/deliveries?pageSize=20`).then(({ body }) => body.items),
    [props.webhook.subscriptionId],
  );
  if (error) return <ErrorMessage error={error} />;
  if (loading && !data) return <Loading what="deliveries" />;
  if (!data || data.length === 0) return <p>Nothing delivered yet.</p>;
  return (
    <ul class="deliveries">
      {data.map((delivery) => (
        <li key={delivery.webhookId}>
          {formatDateTime(delivery.createdAt)} · {delivery.eventType} · {delivery.labId} · {delivery.state}, {delivery.attempts.length}{' '}
          {delivery.attempts.length === 1 ? 'attempt' : 'attempts'} ({attemptText(delivery)})
        </li>
      ))}
    </ul>
  );
}

function WebhooksSection(props: { labs: VisibleLab[] }) {
  const webhooks = useSection<Webhook, Webhook & { secret: string }>('/api/integrations/webhooks');
  const [failure, setFailure] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);

  async function setEnabled(webhook: Webhook, enabled: boolean) {
    setFailure(null);
    webhooks.setNotice(null);
    try {
      await api.patch(`/api/integrations/webhooks/${webhook.subscriptionId}`, { enabled });
      webhooks.setNotice(
        enabled
          ? `The webhook ${webhook.name} is enabled: deliveries start again.`
          : `The webhook ${webhook.name} is disabled: nothing is sent until it is enabled.`,
      );
      webhooks.reload();
    } catch (refusal) {
      setFailure(refusal);
    }
  }

  return (
    <section aria-labelledby="webhooks-title">
      <SectionHead
        id="webhooks-title"
        title="Webhooks"
        newLabel="New webhook"
        onNew={() => webhooks.openDialog('new')}
        hint="A webhook tells another system, such as a LIMS, when a machine stops or starts being fit for use, is quarantined, back in service, calibrated or overdue, or a checklist is missed."
      />
      {webhooks.created && <SecretOnce what="signing secret" secret={webhooks.created.secret} onDismiss={webhooks.dismissCreated} />}
      {webhooks.notice && <Notice>{webhooks.notice}</Notice>}
      <ErrorMessage error={failure ?? webhooks.error} />
      {webhooks.loading && !webhooks.data ? (
        <Loading what="webhooks" />
      ) : webhooks.data && webhooks.data.length === 0 ? (
        <p>No webhooks yet.</p>
      ) : (
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Address</th>
                <th scope="col">Events</th>
                <th scope="col">Labs</th>
                <th scope="col">State</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              {(webhooks.data ?? []).map((webhook) => (
                <Fragment key={webhook.subscriptionId}>
                  <tr class={webhook.enabled ? undefined : 'muted'}>
                    <td data-label="Name">{webhook.name}</td>
                    <td data-label="Address" class="id">
                      {webhook.url}
                    </td>
                    <td data-label="Events">{webhook.events.join(', ')}</td>
                    <td data-label="Labs">{webhook.labIds?.join(', ') ?? 'Every lab'}</td>
                    <td data-label="State">
                      <Badge status={webhook.enabled ? 'Active' : 'Disabled'} />
                      {webhook.disabledReason && <span class="hint"> {webhook.disabledReason}</span>}
                    </td>
                    <td data-label="Change" class="row-actions">
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => void setEnabled(webhook, !webhook.enabled)}
                        aria-label={`${webhook.enabled ? 'Disable' : 'Enable'} ${webhook.name}`}
                      >
                        {webhook.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button
                        type="button"
                        class="secondary"
                        aria-expanded={open === webhook.subscriptionId}
                        onClick={() => setOpen(open === webhook.subscriptionId ? null : webhook.subscriptionId)}
                        aria-label={`Deliveries to ${webhook.name}`}
                      >
                        Deliveries
                      </button>
                      <button type="button" class="secondary" onClick={() => webhooks.openDialog(webhook)} aria-label={`Delete ${webhook.name}`}>
                        Delete
                      </button>
                    </td>
                  </tr>
                  {open === webhook.subscriptionId && (
                    <tr>
                      <td colSpan={6} data-label="Last deliveries">
                        <Deliveries webhook={webhook} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {webhooks.dialog === 'new' && <CreateWebhookDialog labs={props.labs} onCreated={webhooks.onCreated} onClose={webhooks.closeDialog} />}
      {webhooks.dialog && webhooks.dialog !== 'new' && (
        <DeleteWebhookDialog webhook={webhooks.dialog} onDone={webhooks.onRemoved} onClose={webhooks.closeDialog} />
      )}
    </section>
  );
}

export function IntegrationsPage() {
  const labs = useLoad(() => allPages<VisibleLab>('/api/labs'), []);
  return (
    <>
      <PageTitle title="Integrations" />
      <ErrorMessage error={labs.error} />
      <ApiKeysSection labs={labs.data ?? []} />
      <WebhooksSection labs={labs.data ?? []} />
    </>
  );
}
