import { useState } from 'preact/hooks';
import type { Model } from '../../../shared/schemas/catalog.js';
import type { Equipment, EquipmentStatus } from '../../../shared/schemas/equipment.js';
import { equipmentStatuses } from '../../../shared/schemas/vocabulary.js';
import type { VisibleLab } from '../../../shared/schemas/labs.js';
import { allPages, api, ApiError, query } from '../api.js';
import { Link } from '../router.js';
import { currentLab, may } from '../state.js';
import {
  Badge,
  CheckboxField,
  FitnessBadge,
  Dialog,
  DialogActions,
  ErrorMessage,
  formatDate,
  formatDateTime,
  labLabel,
  Loading,
  Notice,
  PageTitle,
  SelectField,
  TextField,
  useLoad,
} from '../ui.js';

const retired = (status: EquipmentStatus) => status.startsWith('Retired');

function useActiveModels() {
  return useLoad(() => allPages<Model>('/api/models'), []);
}

function EquipmentForm(props: { labId: string; editing: Equipment | null; models: Model[]; onDone: (notice: string) => void; onClose: () => void }) {
  const [serialNumber, setSerialNumber] = useState(props.editing?.serialNumber ?? '');
  const [modelId, setModelId] = useState(props.editing?.modelId ?? props.models[0]?.modelId ?? '');
  const [status, setStatus] = useState<EquipmentStatus>(props.editing?.status ?? 'In Service');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const options = props.models.map((model) => ({ value: model.modelId, label: `${model.modelId} (${model.manufacturer})` }));
  if (props.editing && !props.models.some((model) => model.modelId === props.editing!.modelId))
    options.unshift({ value: props.editing.modelId, label: `${props.editing.modelId} (disabled)` });

  async function submit(event: Event) {
    event.preventDefault();
    setErrors({});
    setFailure(null);
    try {
      if (props.editing) {
        const changes = {
          ...(modelId !== props.editing.modelId ? { modelId } : {}),
          ...(status !== props.editing.status ? { status } : {}),
        };
        if (Object.keys(changes).length === 0) return props.onClose();
        await api.patch(`/api/labs/${props.labId}/equipment/${encodeURIComponent(props.editing.serialNumber)}`, changes);
        props.onDone(`${props.editing.serialNumber} is saved.`);
      } else {
        await api.post(`/api/labs/${props.labId}/equipment`, { serialNumber, modelId, status });
        props.onDone(`${serialNumber.trim()} is registered.`);
      }
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }

  return (
    <Dialog title={props.editing ? `Edit ${props.editing.serialNumber}` : `Add equipment to ${labLabel(props.labId)}`} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        {!props.editing && (
          <TextField
            label="Serial number"
            value={serialNumber}
            onValue={setSerialNumber}
            error={errors.serialNumber}
            autocapitalize="characters"
            spellcheck={false}
          />
        )}
        <SelectField label="Model" value={modelId} options={options} onValue={setModelId} error={errors.modelId} />
        <SelectField
          label="Status"
          value={status}
          options={equipmentStatuses}
          onValue={setStatus}
          error={errors.status}
          hint="Only In Service equipment gets PM checklists."
        />
        <ErrorMessage error={failure} />
        <DialogActions submitLabel={props.editing ? 'Save' : 'Add equipment'} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function TransferForm(props: { equipment: Equipment; onDone: (notice: string) => void; onClose: () => void }) {
  const labs = useLoad(() => allPages<VisibleLab>('/api/labs'), []);
  const targets = (labs.data ?? []).filter((lab) => lab.labId !== props.equipment.labId && lab.active);
  const [toLabId, setToLabId] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const chosen = toLabId || targets[0]?.labId || '';

  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    try {
      await api.post(`/api/labs/${props.equipment.labId}/equipment/${encodeURIComponent(props.equipment.serialNumber)}/transfer`, { toLabId: chosen });
      props.onDone(`${props.equipment.serialNumber} is transferred to ${chosen}. Its open checklists here are cancelled; ${chosen} gets new ones.`);
    } catch (refusal) {
      setFailure(refusal);
    }
  }

  return (
    <Dialog title={`Transfer ${props.equipment.serialNumber}`} onClose={props.onClose}>
      {labs.loading ? (
        <Loading what="labs" />
      ) : (
        <form onSubmit={submit} noValidate>
          <SelectField
            label="To lab"
            value={chosen}
            options={targets.map((lab) => ({ value: lab.labId, label: `${lab.labId} · ${lab.name}` }))}
            onValue={setToLabId}
          />
          <p class="hint">Its open checklists in {labLabel(props.equipment.labId)} are cancelled with the reason; its history goes with it.</p>
          <ErrorMessage error={failure ?? labs.error} />
          <DialogActions submitLabel="Transfer" disabled={!chosen} onCancel={props.onClose} />
        </form>
      )}
    </Dialog>
  );
}

export function EquipmentPage() {
  const lab = currentLab.value!;
  const [status, setStatus] = useState<EquipmentStatus | ''>('');
  const [modelId, setModelId] = useState('');
  const [includeRetired, setIncludeRetired] = useState(false);
  const [dialog, setDialog] = useState<{ kind: 'add' } | { kind: 'edit' | 'transfer'; equipment: Equipment } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const models = useActiveModels();
  const list = useLoad(
    () =>
      allPages<Equipment>(
        `/api/labs/${lab.labId}/equipment${query({ status, modelId, includeRetired: includeRetired || status.startsWith('Retired') || undefined })}`,
      ),
    [lab.labId, status, modelId, includeRetired],
  );
  const writable = may('equipment', 'write');
  const done = (text: string) => {
    setDialog(null);
    setNotice(text);
    list.reload();
  };

  return (
    <>
      <PageTitle title={`Equipment · ${lab.name}`}>
        <Link class="button secondary" href="/labels">
          Print labels
        </Link>
        {writable && (
          <button type="button" class="primary" onClick={() => setDialog({ kind: 'add' })} disabled={!models.data}>
            Add equipment
          </button>
        )}
      </PageTitle>
      {notice && <Notice>{notice}</Notice>}
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <SelectField
          label="Status"
          value={status}
          options={[{ value: '', label: 'Any status' }, ...equipmentStatuses.map((value) => ({ value, label: value }))]}
          onValue={setStatus}
        />
        <SelectField
          label="Model"
          value={modelId}
          options={[{ value: '', label: 'Any model' }, ...(models.data ?? []).map((model) => ({ value: model.modelId, label: model.modelId }))]}
          onValue={setModelId}
        />
        <CheckboxField label="Show retired" checked={includeRetired} onChecked={setIncludeRetired} />
      </form>
      <ErrorMessage error={list.error ?? models.error} />
      {list.loading && !list.data ? (
        <Loading what="equipment" />
      ) : (
        <div class="table-box">
          <table class="responsive">
            <caption class="visually-hidden">Equipment of {labLabel(lab.labId)}</caption>
            <thead>
              <tr>
                <th scope="col">Serial number</th>
                <th scope="col">Model</th>
                <th scope="col">Status</th>
                <th scope="col">Fit for use</th>
                <th scope="col">In service since</th>
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {(list.data ?? []).map((item) => (
                <tr key={item.serialNumber} class={retired(item.status) ? 'muted' : undefined}>
                  <td data-label="Serial number" class="nowrap">
                    <Link href={`/equipment/${item.labId}/${encodeURIComponent(item.serialNumber)}`}>{item.serialNumber}</Link>
                  </td>
                  <td data-label="Model" class="nowrap">
                    {item.modelId}
                  </td>
                  <td data-label="Status">
                    <Badge status={item.status} />
                    {item.transferInProgress && ` (transfer to ${item.transferInProgress.toLabId} unfinished)`}
                  </td>
                  <td data-label="Fit for use">
                    <FitnessBadge fitness={item.fitness} />{' '}
                    <Link
                      href={`/equipment/${item.labId}/${encodeURIComponent(item.serialNumber)}/calibration`}
                      aria-label={`Calibration of ${item.serialNumber}`}
                    >
                      Calibration
                    </Link>
                  </td>
                  <td data-label="In service since" class="nowrap">
                    <time dateTime={item.inServiceSince ?? undefined} title={formatDateTime(item.inServiceSince, item.labId)}>
                      {formatDate(item.inServiceSince, item.labId)}
                    </time>
                  </td>
                  {writable && (
                    <td data-label="Actions" class="row-actions">
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`Edit ${item.serialNumber}`}
                        onClick={() => setDialog({ kind: 'edit', equipment: item })}
                      >
                        Edit
                      </button>
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`Transfer ${item.serialNumber}`}
                        onClick={() => setDialog({ kind: 'transfer', equipment: item })}
                      >
                        Transfer
                      </button>
                      <Link
                        class="button secondary"
                        href={`/labels?serials=${encodeURIComponent(item.serialNumber)}`}
                        aria-label={`Label of ${item.serialNumber}`}
                      >
                        Label
                      </Link>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data?.length === 0 && <p class="empty">No equipment matches.</p>}
      {dialog?.kind === 'add' && <EquipmentForm labId={lab.labId} editing={null} models={models.data ?? []} onDone={done} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'edit' && (
        <EquipmentForm labId={lab.labId} editing={dialog.equipment} models={models.data ?? []} onDone={done} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'transfer' && <TransferForm equipment={dialog.equipment} onDone={done} onClose={() => setDialog(null)} />}
    </>
  );
}
