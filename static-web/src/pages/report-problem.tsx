import { useState } from 'preact/hooks';
import type { MachineForReport } from '../../../shared/schemas/problem-reports.js';
import { problemPhotoMaxBytes } from '../../../shared/schemas/vocabulary.js';
import { api, ApiError } from '../api.js';
import { ErrorMessage, Field, Loading, Notice, PageTitle, TextField, useLoad } from '../ui.js';

/** A camera photo is often several megabytes: drawn again at most 1600 pixels wide as a JPEG, it fits the form's limit. */
async function photoToSend(file: File): Promise<Blob> {
  if (file.size <= problemPhotoMaxBytes) return file;
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
  if (!blob || blob.size > problemPhotoMaxBytes) throw new Error('The photo is too large to send; take it again from a little further away.');
  return blob;
}

async function base64Of(blob: Blob): Promise<string> {
  const dataUrl = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(new Error('The photo could not be read; take it again.'));
    reader.readAsDataURL(blob);
  });
  return dataUrl.slice(dataUrl.indexOf(',') + 1);
}

/**
 * What a label's QR code opens for someone not signed in (SPEC §15): the machine's serial number and
 * model and a short form. Nothing of the lab's work shows; those who work there sign in instead.
 */
export function ReportProblemPage(props: { serialNumber: string; reportKey: string; onSignIn: () => void }) {
  const query = `?k=${encodeURIComponent(props.reportKey)}`;
  const machine = useLoad(
    async () => (await api.get<MachineForReport>(`/api/machines/${encodeURIComponent(props.serialNumber)}/problem-reports${query}`)).body,
    [props.serialNumber, props.reportKey],
  );
  const [description, setDescription] = useState('');
  const [reporterName, setReporterName] = useState('');
  const [reporterContact, setReporterContact] = useState('');
  const [photo, setPhoto] = useState<File | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [sending, setSending] = useState(false);
  const [receipt, setReceipt] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    setErrors({});
    setSending(true);
    try {
      const blob = photo ? await photoToSend(photo) : null;
      const { body } = await api.post<{ reportNumber: string }>(`/api/machines/${encodeURIComponent(props.serialNumber)}/problem-reports${query}`, {
        description,
        ...(reporterName.trim() ? { reporterName } : {}),
        ...(reporterContact.trim() ? { reporterContact } : {}),
        ...(blob ? { photo: { contentType: blob.type === 'image/png' ? 'image/png' : 'image/jpeg', data: await base64Of(blob) } } : {}),
      });
      setReceipt(body.reportNumber);
    } catch (refusal) {
      if (refusal instanceof ApiError && refusal.problem?.errors) setErrors(refusal.fieldErrors);
      setFailure(refusal);
    } finally {
      setSending(false);
    }
  }

  return (
    <main id="main" tabIndex={-1} class="report-problem">
      <PageTitle title="Report a problem" />
      {machine.loading && <Loading what="the machine" />}
      <ErrorMessage error={machine.error} />
      {machine.data && (
        <p class="machine-named">
          <strong>{machine.data.serialNumber}</strong> · {[machine.data.manufacturer, machine.data.modelId].filter(Boolean).join(' ')}
        </p>
      )}
      {machine.data && receipt && <Notice>Thank you: the lab has your report {receipt}. Someone will look at the machine.</Notice>}
      {machine.data && !receipt && (
        <form onSubmit={submit} noValidate>
          <p class="hint">Tell the lab what is wrong with this machine. You need no account.</p>
          <Field label="What is wrong" error={errors.description}>
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                rows={4}
                maxLength={2000}
                value={description}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onInput={(event) => setDescription(event.currentTarget.value)}
              />
            )}
          </Field>
          <TextField label="Your name (optional)" value={reporterName} onValue={setReporterName} error={errors.reporterName} autoComplete="name" />
          <TextField
            label="Phone or e-mail (optional)"
            value={reporterContact}
            onValue={setReporterContact}
            error={errors.reporterContact}
            hint="So the lab can ask you more."
          />
          <Field label="Photo (optional)" hint="From the camera; a JPEG or PNG." error={errors['photo.data']}>
            {({ id, describedBy }) => (
              <input
                id={id}
                type="file"
                accept="image/jpeg,image/png"
                capture="environment"
                aria-describedby={describedBy}
                onChange={(event) => setPhoto(event.currentTarget.files?.[0] ?? null)}
              />
            )}
          </Field>
          <ErrorMessage error={failure} />
          <button type="submit" disabled={sending}>
            {sending ? 'Sending…' : 'Send the report'}
          </button>
        </form>
      )}
      <p class="hint">
        Work here?{' '}
        <button type="button" class="link" onClick={props.onSignIn}>
          Sign in
        </button>{' '}
        to see the machine and its checklists.
      </p>
    </main>
  );
}
