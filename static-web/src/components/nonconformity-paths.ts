/** Where a nonconformity lives in the API, and its page in the app. */
export const ncPath = (labId: string, ncNumber: string) => `/api/labs/${labId}/nonconformities/${ncNumber}`;
export const ncPage = (labId: string, ncNumber: string) => `/nonconformities/${labId}/${ncNumber}`;
