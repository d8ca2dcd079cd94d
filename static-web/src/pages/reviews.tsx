import { useState } from 'preact/hooks';
import type { CompanyAccessPreview, Review, ReviewFigures, ReviewList, ReviewPreview } from '../../../shared/schemas/reviews.js';
import { auditReviewCategories, auditReviewCategoryWords, reviewKindWords, reviewMeaning, type ReviewKind } from '../../../shared/schemas/vocabulary.js';
import { api, query } from '../api.js';
import { SignatureStep } from '../components/signature-step.js';
import { useSignedSubmit } from '../components/signed-submit.js';
import { Link, navigate } from '../router.js';
import { currentLab, isCompanyWide } from '../state.js';
import { ErrorMessage, Field, formatDate, formatDateTime, Loading, PageTitle, SelectField, TextField, useLoad } from '../ui.js';

const reviewPath = (labId: string, reviewNumber: string) => `/reviews/${labId}/${reviewNumber}`;

/** The figures a review signs: counts with the entries to look at, or the accounts and their use. */
function Figures(props: { labId: string; figures: ReviewFigures }) {
  const { figures, labId } = props;
  if (figures.kind === 'user-access') {
    return (
      <section aria-labelledby="accounts">
        <h2 id="accounts">Accounts with access</h2>
        <p class="figure">
          {figures.counts.accounts} accounts (
          {Object.entries(figures.counts.byRole)
            .map(([role, count]) => `${count} ${role}`)
            .join(', ') || 'none'}
          ); {figures.counts.dormant} dormant (no sign-in for {figures.dormantAfterDays} days), {figures.counts.neverUsed} never used, {figures.counts.locked}{' '}
          locked, {figures.counts.disabled} disabled.
        </p>
        <div class="table-box">
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col">Role here</th>
                <th scope="col">Status</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">To look at</th>
              </tr>
            </thead>
            <tbody>
              {figures.accounts.map((account) => (
                <tr key={account.username}>
                  <td data-label="Account">
                    {account.displayName} <span class="id">{account.username}</span>
                  </td>
                  <td data-label="Role here">
                    {account.role}
                    {account.primaryLab ? ' (primary lab)' : ''}
                  </td>
                  <td data-label="Status">{account.status}</td>
                  <td data-label="Last sign-in">{account.lastSignInAt ? formatDateTime(account.lastSignInAt, labId) : 'never'}</td>
                  <td data-label="To look at">{[account.neverUsed && 'never used', account.dormant && 'dormant'].filter(Boolean).join(', ') || '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    );
  }
  return (
    <section aria-labelledby="counts">
      <h2 id="counts">What the period holds</h2>
      <ul class="plain">
        {auditReviewCategories.map((category) => (
          <li key={category}>
            {auditReviewCategoryWords[category]}: <strong>{figures.counts[category]}</strong>
          </li>
        ))}
      </ul>
      <p class="hint">
        {figures.entriesRead} audit entries read; each list below shows at most the {figures.entriesShown} newest.
      </p>
      {auditReviewCategories
        .filter((category) => figures.entries[category].length > 0)
        .map((category) => (
          <details key={category} open={category !== 'signatures'}>
            <summary>
              {auditReviewCategoryWords[category]} ({figures.counts[category]})
            </summary>
            <ul class="plain">
              {figures.entries[category].map((entry, index) => (
                <li key={`${entry.at}-${index}`}>
                  {formatDateTime(entry.at, labId)} · {entry.actionWords} · {entry.actor ?? 'system'} ·{' '}
                  <Link href={entry.link}>
                    {entry.entityType} {entry.entityId}
                  </Link>
                  {entry.reason ? ` · ${entry.reason}` : ''}
                </li>
              ))}
            </ul>
          </details>
        ))}
    </section>
  );
}

/** Choose the kind and period, read the figures, write the findings and sign "Reviewed by". */
function StartReview(props: { labId: string; kind: ReviewKind; onSigned: (review: Review) => void }) {
  const [kind, setKind] = useState<ReviewKind>(props.kind);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [findings, setFindings] = useState('');
  const signed = useSignedSubmit();
  const preview = useLoad(
    () =>
      api
        .get<ReviewPreview>(`/api/labs/${props.labId}/reviews/preview${query({ kind, from: from || undefined, to: to || undefined })}`)
        .then(({ body }) => body),
    [props.labId, kind, from, to],
  );
  const shown = preview.data;

  async function submit(event: Event) {
    event.preventDefault();
    if (!shown) return;
    const outcome = await signed.submit(
      async (signature) =>
        (
          await api.post<Review>(`/api/labs/${props.labId}/reviews`, {
            kind,
            from: shown.from,
            to: shown.to,
            findings,
            signature: { ...signature, meaning: reviewMeaning },
          })
        ).body,
    );
    if (outcome.signed) props.onSigned(outcome.answer);
  }

  return (
    <form onSubmit={submit} noValidate class="review-form">
      <h2>Start a review</h2>
      <div class="filters">
        <SelectField
          label="Review"
          value={kind}
          options={(Object.keys(reviewKindWords) as ReviewKind[]).map((value) => ({ value, label: reviewKindWords[value] }))}
          onValue={setKind}
        />
        <TextField label="From" type="date" value={from || shown?.from || ''} onValue={setFrom} error={signed.errors.from} />
        <TextField label="To" type="date" value={to || shown?.to || ''} onValue={setTo} error={signed.errors.to} />
      </div>
      <ErrorMessage error={preview.error} />
      {!shown ? <Loading what="the figures of the period" /> : <Figures labId={props.labId} figures={shown.figures} />}
      <Field label="Findings" hint="What you found and what is to be done, or that nothing needs action." error={signed.errors.findings}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={4}
            value={findings}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
            onInput={(event) => {
              setFindings(event.currentTarget.value);
              signed.clearErrors('findings');
            }}
          />
        )}
      </Field>
      <p class="meaning">
        Meaning: <strong>{reviewMeaning}</strong>. The figures are counted again as you sign, and the review cannot be changed afterwards.
      </p>
      <SignatureStep password={signed.password} onPassword={signed.setPassword} error={signed.passwordError} />
      <ErrorMessage error={signed.failure} />
      <div class="actions">
        <button type="submit" class="primary" disabled={signed.busy || !shown}>
          Sign the review
        </button>
      </div>
    </form>
  );
}

/** The lab's reviews: which are due, the signed ones, and the form to sign the next. */
export function ReviewsPage() {
  const lab = currentLab.value!;
  const list = useLoad(() => api.get<ReviewList>(`/api/labs/${lab.labId}/reviews`).then(({ body }) => body), [lab.labId]);
  const [starting, setStarting] = useState<ReviewKind | null>(null);
  if (list.loading && !list.data) return <Loading what="the periodic reviews" />;
  if (!list.data) return <ErrorMessage error={list.error} />;
  const data = list.data;
  return (
    <>
      <PageTitle title={`Periodic reviews · ${lab.name}`} />
      <section aria-labelledby="due">
        <h2 id="due">Next due</h2>
        <ul class="plain">
          {data.due.map((due) => (
            <li key={due.kind}>
              {reviewKindWords[due.kind]}:{' '}
              {due.due ? (
                <strong>due {due.lastReviewNumber ? `since ${formatDate(due.nextDue, lab.labId)}` : 'now, none signed yet'}</strong>
              ) : (
                `next due ${formatDate(due.nextDue, lab.labId)}`
              )}
              {due.lastReviewNumber && (
                <>
                  {' '}
                  (last: <Link href={reviewPath(lab.labId, due.lastReviewNumber)}>{due.lastReviewNumber}</Link>, up to {formatDate(due.lastPeriodTo, lab.labId)}
                  )
                </>
              )}{' '}
              <button type="button" class="secondary" onClick={() => setStarting(due.kind)}>
                Start
              </button>
            </li>
          ))}
        </ul>
        <p class="hint">Each kind is due {data.intervalMonths} months after the end of the last period reviewed.</p>
        {isCompanyWide.value && <CompanyAccess labId={lab.labId} />}
      </section>
      {starting && (
        <StartReview key={starting} labId={lab.labId} kind={starting} onSigned={(review) => navigate(reviewPath(review.labId, review.reviewNumber))} />
      )}
      <section aria-labelledby="signed">
        <h2 id="signed">Signed reviews</h2>
        {data.items.length === 0 ? (
          <p class="empty">No review signed yet.</p>
        ) : (
          <div class="table-box">
            <table class="responsive">
              <thead>
                <tr>
                  <th scope="col">Review</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Period</th>
                  <th scope="col">Reviewed by</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((review) => (
                  <tr key={review.reviewNumber}>
                    <td data-label="Review">
                      <Link href={reviewPath(review.labId, review.reviewNumber)}>{review.reviewNumber}</Link>
                    </td>
                    <td data-label="Kind">{reviewKindWords[review.kind]}</td>
                    <td data-label="Period">
                      {review.from} to {review.to}
                    </td>
                    <td data-label="Reviewed by">
                      {review.signature.displayName}, {formatDateTime(review.signature.signedAt, review.labId)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

/**
 * Who holds Administrator and Global Audit: accounts no lab's review lists, read by an Administrator
 * or Global Audit, whose own account is among them and said so.
 */
function CompanyAccess(props: { labId: string }) {
  const preview = useLoad(() => api.get<CompanyAccessPreview>('/api/reviews/company-access/preview').then(({ body }) => body), []);
  return (
    <details class="company-access">
      <summary>Company-wide accounts (Administrator, Global Audit)</summary>
      <ErrorMessage error={preview.error} />
      {preview.data && (
        <>
          <p class="hint">No lab's review lists these accounts. Yours, {preview.data.reviewer}, is among them: have someone else look at it too.</p>
          <Figures labId={props.labId} figures={preview.data.figures} />
        </>
      )}
    </details>
  );
}

/** One signed review as it was signed. */
export function ReviewPage(props: { labId: string; reviewNumber: string }) {
  const loaded = useLoad(
    () => api.get<Review>(`/api/labs/${props.labId}/reviews/${props.reviewNumber}`).then(({ body }) => body),
    [props.labId, props.reviewNumber],
  );
  if (loaded.loading && !loaded.data) return <Loading what="the review" />;
  if (!loaded.data) return <ErrorMessage error={loaded.error} />;
  const review = loaded.data;
  return (
    <>
      <PageTitle title={`${review.reviewNumber} · ${reviewKindWords[review.kind]}`} />
      <p>
        {review.labId}, {review.from} to {review.to}. <Link href="/reviews">All reviews</Link>
      </p>
      <section aria-labelledby="findings">
        <h2 id="findings">Findings</h2>
        <p class="pre-line">{review.findings}</p>
        <p class="signature">
          {review.signature.meaning}: <strong>{review.signature.displayName}</strong> ({review.signature.username}),{' '}
          {formatDateTime(review.signature.signedAt, review.labId)}
        </p>
      </section>
      <Figures labId={review.labId} figures={review.figures} />
    </>
  );
}
