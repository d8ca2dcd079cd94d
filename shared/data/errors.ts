/** A document with that id already exists (Cosmos 409). */
export class DocumentExists extends Error {}

/** The document changed since it was read (Cosmos 412 on If-Match). */
export class DocumentChanged extends Error {}

/** A chain head that kept moving under concurrent writers; the caller may retry later. */
export class TooMuchContention extends Error {}
