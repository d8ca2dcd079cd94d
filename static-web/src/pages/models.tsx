import { useState } from 'preact/hooks';
import type { EquipmentClass, Model } from '../../../shared/schemas/catalog.js';
import { frequencies } from '../../../shared/schemas/vocabulary.js';
import { allPages, api, ApiError } from '../api.js';
import { Link } from '../router.js';
import { mayAnywhere } from '../state.js';
import { Badge, CheckboxField, ErrorMessage, Loading, Notice, PageTitle, TextField, useLoad } from '../ui.js';

function EquipmentClasses() {
  const classes = useLoad(() => allPages<EquipmentClass>('/api/equipment-classes'), []);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | null>(null);
  async function add(event: Event) {
    event.preventDefault();
    setError(null);
    setFieldError(undefined);
    try {
      const { body } = await api.post<EquipmentClass>('/api/equipment-classes', { name });
      setNotice(`${body.name} is added.`);
      setName('');
      classes.reload();
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.fieldErrors.name) setFieldError(refusal.fieldErrors.name);
      else setError(refusal);
    }
  }
  return (
    <section aria-labelledby="classes-title">
      <h2 id="classes-title">Equipment classes</h2>
      <ErrorMessage error={classes.error} />
      <ul class="tags">
        {(classes.data ?? []).map((item) => (
          <li key={item.name}>{item.name}</li>
        ))}
      </ul>
      {mayAnywhere('administration', 'write') && (
        <form class="inline-form" onSubmit={add} noValidate>
          <TextField label="New class" value={name} onValue={setName} error={fieldError} />
          <button type="submit" class="secondary">
            Add class
          </button>
        </form>
      )}
      {notice && <Notice>{notice}</Notice>}
      <ErrorMessage error={error} />
    </section>
  );
}

export function ModelsPage() {
  const [showDisabled, setShowDisabled] = useState(false);
  const models = useLoad(() => allPages<Model>(`/api/models${showDisabled ? '?includeInactive=true' : ''}`), [showDisabled]);
  return (
    <>
      <PageTitle title="Models">
        {mayAnywhere('models', 'write') && (
          <Link href="/models/new" class="button primary">
            New model
          </Link>
        )}
      </PageTitle>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <CheckboxField label="Show disabled models" checked={showDisabled} onChecked={setShowDisabled} />
      </form>
      <ErrorMessage error={models.error} />
      {models.loading && !models.data ? (
        <Loading what="models" />
      ) : (
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Manufacturer</th>
                <th scope="col">Class</th>
                <th scope="col">PM</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {(models.data ?? []).map((model) => (
                <tr key={model.modelId} class={model.active ? undefined : 'muted'}>
                  <td data-label="Model">
                    <Link href={`/models/${encodeURIComponent(model.modelId)}`}>{model.modelId}</Link>
                  </td>
                  <td data-label="Manufacturer">{model.manufacturer}</td>
                  <td data-label="Class">{model.equipmentClass}</td>
                  <td data-label="PM">
                    {frequencies
                      .filter((frequency) => model.frequencies[frequency])
                      .map((frequency) => `${frequency} (${model.frequencies[frequency]!.tasks.length})`)
                      .join(', ') || 'none'}
                  </td>
                  <td data-label="Status">
                    <Badge status={model.active ? 'Active' : 'Disabled'} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <EquipmentClasses />
    </>
  );
}
