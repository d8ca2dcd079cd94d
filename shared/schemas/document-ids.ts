/**
 * What Cosmos DB accepts as an item's id. The id travels in the item's REST address, so `/`, `\`, `?`
 * and `#` are refused (the SDK's `isItemResourceValid`, and Microsoft's "The following characters are
 * restricted and cannot be used in the Id property"); an id is at most 1,023 bytes (service quotas,
 * per-item limits). The product keeps ids to 255 characters, which stays under that in any script.
 */
export const maxDocumentIdLength = 255;

const forbiddenInIds = /[/\\?#]/;

/** Why Cosmos DB would refuse the id, as a sentence; null when it is a valid id. */
export function documentIdProblem(id: string): string | null {
  if (id.length === 0) return 'A document id cannot be empty.';
  if (id.length > maxDocumentIdLength) return `A document id is at most ${maxDocumentIdLength} characters.`;
  if (forbiddenInIds.test(id)) return 'A document id cannot contain /, \\, ? or #.';
  return null;
}

export function isDocumentId(id: string): boolean {
  return documentIdProblem(id) === null;
}

/** The escape character is escaped too, so two different texts never give the same id. */
const escaped: Record<string, string> = { '~': '~7E', '/': '~2F', '\\': '~5C', '?': '~3F', '#': '~23' };

/**
 * The id of a document named by text people type (a class name such as "Oven/Furnace"): the text
 * itself where Cosmos DB accepts it, so ids already stored keep their meaning, and otherwise the text
 * with each refused character written as `~` and its code. The name itself stays in the document.
 */
export function documentIdOf(text: string): string {
  return text.replace(/[~/\\?#]/g, (character) => escaped[character]!);
}
