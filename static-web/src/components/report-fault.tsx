import { useState } from 'preact/hooks';
import type { Nonconformity } from '../../../shared/schemas/nonconformities.js';
import { api, ApiError } from '../api.js';
import { navigate } from '../router.js';
import { may, session } from '../state.js';
import { Dialog, DialogActions, ErrorMessage, Field } from '../ui.js';
import { ncPage } from './nonconformity-paths.js';
import { PhotoField, sendPhoto } from './photo-field.js';

/** "Report a fault": anyone in the lab; the machine is out of service from that moment. */
export function ReportFaultButton(props: { labId: string; serialNumber: string }) {
  const [open, setOpen] = useState(false);
  const [description, setDescription] = useState('');
  const [photo, setPhoto] = useState<File | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  if (!may('nonconformities', 'complete', session.value?.labs.find((lab) => lab.labId === props.labId)?.role ?? null)) return null;
  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    setErrors({});
    try {
      const { body } = await api.post<Nonconformity>(`/api/labs/${props.labId}/nonconformities`, { serialNumber: props.serialNumber, description });
      if (photo) await sendPhoto(props.labId, body.ncNumber, photo).catch(() => undefined);
      navigate(ncPage(props.labId, body.ncNumber));
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    }
  }
  return (
    <>
      <button type="button" class="secondary danger" onClick={() => setOpen(true)}>
        Report a fault
      </button>
      {open && (
        <Dialog title={`Report a fault on ${props.serialNumber}`} onClose={() => setOpen(false)}>
          <form onSubmit={submit} noValidate>
            <p class="hint">The machine goes out of service at once and is not fit for use until a manager returns it to service.</p>
            <Field label="What is wrong" error={errors.description}>
              {({ id, describedBy, invalid }) => (
                <textarea
                  id={id}
                  rows={4}
                  value={description}
                  aria-describedby={describedBy}
                  aria-invalid={invalid || undefined}
                  onInput={(event) => setDescription(event.currentTarget.value)}
                />
              )}
            </Field>
            <PhotoField label="Photo (optional)" onFile={setPhoto} />
            <ErrorMessage error={failure} />
            <DialogActions submitLabel="Report the fault" onCancel={() => setOpen(false)} />
          </form>
        </Dialog>
      )}
    </>
  );
}
