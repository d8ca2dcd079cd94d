/** A document as read or written, with the ETag a later conditional write names. */
export interface Versioned<T> {
  document: T;
  etag: string;
}
