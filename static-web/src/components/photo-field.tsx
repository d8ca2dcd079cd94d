import type { Certificate } from '../../../shared/schemas/calibration.js';
import { uploadFile } from '../api.js';
import { Field } from '../ui.js';
import { ncPath } from './nonconformity-paths.js';

const photoLimitBytes = 20 * 1024 * 1024;

/** A photo (from the phone's camera) or a PDF, kept on the nonconformity; the server judges the type by its content. */
export async function sendPhoto(labId: string, ncNumber: string, file: File): Promise<Certificate> {
  if (file.size > photoLimitBytes) throw new Error(`${file.name} is larger than 20 MB; send a smaller photo.`);
  return uploadFile<Certificate>(`${ncPath(labId, ncNumber)}/attachments?fileName=${encodeURIComponent(file.name)}`, file, () => undefined);
}

export function PhotoField(props: { label: string; onFile: (file: File | null) => void }) {
  return (
    <Field label={props.label} hint="A photo from the camera, or a PNG, JPEG or PDF up to 20 MB.">
      {({ id, describedBy }) => (
        <input
          id={id}
          type="file"
          accept="image/png,image/jpeg,application/pdf"
          capture="environment"
          aria-describedby={describedBy}
          onChange={(event) => props.onFile(event.currentTarget.files?.[0] ?? null)}
        />
      )}
    </Field>
  );
}
