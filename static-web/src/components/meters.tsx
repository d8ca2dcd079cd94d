import { useState } from 'preact/hooks';
import type { Meter, ReadingResult } from '../../../shared/schemas/meters.js';
import { api, ApiError } from '../api.js';
import { Link } from '../router.js';
import { may, session } from '../state.js';
import { ErrorMessage, formatDateTime, SelectField, TextField, useLoad } from '../ui.js';
import { parseDecimal } from './decimal-input.js';

type Reason = '' | 'replaced' | 'reset';

/**
 * A machine's meters with their last reading, a field to type the next one (SPEC §15), and for a
 * manager a form to add a meter. A reading that passes a usage threshold links the record it opened.
 */
export function MachineMeters(props: { labId: string; serialNumber: string }) {
  const role = session.value?.labs.find((lab) => lab.labId === props.labId)?.role ?? null;
  const base = `/api/labs/${props.labId}/equipment/${encodeURIComponent(props.serialNumber)}/meters`;
  const meters = useLoad(async () => (await api.get<{ items: Meter[] }>(base)).body.items, [base]);
  if (!may('meters', 'read', role)) return null;
  return (
    <section aria-label="Meters">
      <h2>Meters</h2>
      {meters.error !== null && <ErrorMessage error={meters.error} />}
      {meters.data?.length === 0 && <p class="empty">No meters on this machine.</p>}
      <ul class="meters">
        {meters.data?.map((meter) => (
          <MeterRow key={meter.meterId} base={base} labId={props.labId} meter={meter} mayRead={may('meters', 'complete', role)} onRead={meters.reload} />
        ))}
      </ul>
      {may('meters', 'write', role) && <AddMeter base={base} onAdded={meters.reload} />}
    </section>
  );
}

function MeterRow(props: { base: string; labId: string; meter: Meter; mayRead: boolean; onRead: () => void }) {
  const { meter } = props;
  const [value, setValue] = useState('');
  const [reason, setReason] = useState<Reason>('');
  const [failure, setFailure] = useState<unknown>(null);
  const [opened, setOpened] = useState<string[]>([]);
  const lower = meter.value !== null && parseDecimal(value) < meter.value;
  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    try {
      const { body } = await api.post<ReadingResult>(`${props.base}/${meter.meterId}/readings`, {
        value: parseDecimal(value),
        ...(reason ? { reason } : {}),
      });
      setOpened(body.recordsOpened);
      setValue('');
      setReason('');
      props.onRead();
    } catch (refusal) {
      setFailure(refusal);
    }
  }
  return (
    <li class="meter">
      <p>
        <strong>{meter.name}</strong>: {meter.value === null ? 'no reading yet' : `${meter.value} ${meter.unit}`}
        {meter.lastReadAt && <span class="hint"> · read {formatDateTime(meter.lastReadAt, props.labId)}</span>}
        <span class="hint">
          {' '}
          · {meter.total} {meter.unit} counted
        </span>
      </p>
      {props.mayRead && (
        <form onSubmit={submit} noValidate class="inline-form">
          <TextField label={`New reading (${meter.unit})`} value={value} onValue={setValue} inputMode="decimal" />
          {lower && (
            <SelectField<Reason>
              label="Why is it lower?"
              value={reason}
              options={[
                { value: '', label: 'Choose…' },
                { value: 'replaced', label: 'Meter replaced' },
                { value: 'reset', label: 'Meter reset' },
              ]}
              onValue={setReason}
              hint="A lower reading starts a new count."
            />
          )}
          <button type="submit" class="primary" disabled={value.trim() === ''}>
            Save reading
          </button>
        </form>
      )}
      {failure !== null && <ErrorMessage error={failure} />}
      {opened.length > 0 && (
        <p class="alert info">
          Service due:{' '}
          {opened.map((recordNumber) => (
            <Link key={recordNumber} href={`/records/${props.labId}/${recordNumber}`}>
              {recordNumber}{' '}
            </Link>
          ))}
        </p>
      )}
    </li>
  );
}

function AddMeter(props: { base: string; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [unit, setUnit] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    setErrors({});
    try {
      await api.post<Meter>(props.base, { name, unit });
      setName('');
      setUnit('');
      props.onAdded();
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }
  return (
    <form onSubmit={submit} noValidate class="inline-form" aria-label="Add a meter">
      <TextField label="Meter name" value={name} onValue={setName} error={errors.name} hint="Spindle hours, prints, firings" />
      <TextField label="Unit" value={unit} onValue={setUnit} error={errors.unit} hint="h, prints, cycles" />
      <button type="submit" class="secondary">
        Add a meter
      </button>
      {failure !== null && <ErrorMessage error={failure} />}
    </form>
  );
}
