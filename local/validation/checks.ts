/** The outcome of one installation check (IQ) or operational scenario (OQ). */
export type Outcome = 'pass' | 'fail' | 'not applicable';

export interface CheckResult {
  id: string;
  title: string;
  outcome: Outcome;
  /** What was found, as sentences: the values compared, or why it failed. */
  details: string[];
  /** The evidence files (requests and answers) behind it, relative to the pack's folder. */
  evidence: string[];
}

/** Collects the findings of one check; a check fails as soon as one expectation does not hold. */
export class CheckRecorder {
  private readonly details: string[] = [];
  private readonly evidence: string[] = [];
  private failed = false;
  private notApplicable = false;

  constructor(
    readonly id: string,
    readonly title: string,
  ) {}

  /** Records a finding; `holds` false fails the check. */
  expect(holds: boolean, finding: string): boolean {
    this.details.push(`${holds ? 'As expected' : 'NOT as expected'}: ${finding}`);
    if (!holds) this.failed = true;
    return holds;
  }

  note(finding: string): void {
    this.details.push(finding);
  }

  keep(...files: string[]): void {
    this.evidence.push(...files);
  }

  skip(reason: string): void {
    this.notApplicable = true;
    this.details.push(reason);
  }

  result(): CheckResult {
    const outcome: Outcome = this.failed ? 'fail' : this.notApplicable && this.details.length === 1 ? 'not applicable' : 'pass';
    return { id: this.id, title: this.title, outcome, details: this.details, evidence: this.evidence };
  }
}

/**
 * Runs a check: an error thrown inside (the installation not answering, an answer not as documented)
 * fails that check with the error's message and leaves the next checks to run.
 */
export async function runCheck(id: string, title: string, body: (check: CheckRecorder) => Promise<void>): Promise<CheckResult> {
  const check = new CheckRecorder(id, title);
  try {
    await body(check);
  } catch (error) {
    check.expect(false, `the check stopped: ${error instanceof Error ? error.message : String(error)}`);
  }
  return check.result();
}
