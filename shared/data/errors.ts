/** Which operation of a transactional batch failed, when the error comes from one. */
interface BatchFailure {
  operationIndex?: number;
}

/** A document with that id already exists (Cosmos 409). */
export class DocumentExists extends Error {
  constructor(
    message: string,
    readonly failure: BatchFailure = {},
  ) {
    super(message);
  }
}

/** The document changed since it was read (Cosmos 412 on If-Match). */
export class DocumentChanged extends Error {
  constructor(
    message: string,
    readonly failure: BatchFailure = {},
  ) {
    super(message);
  }
}
