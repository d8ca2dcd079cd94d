import type { HttpRequest } from '@azure/functions';
import type { RequestOrigin } from '../platform/http-pipeline.js';
import type { ApiKeyScope } from '../schemas/api-keys.js';
import { apiKeyCaller, type ApiKeyCaller } from './api-keys.js';
import { entraAppCaller } from './entra-app-tokens.js';

/**
 * The integration behind a request allowed `scope`: an API key in X-Api-Key, else a Microsoft Entra
 * access token in X-Entra-Token; null when it carries neither (the caller may have signed in instead).
 */
export async function integrationCaller(request: HttpRequest, scope: ApiKeyScope, facts: RequestOrigin): Promise<ApiKeyCaller | null> {
  return (await apiKeyCaller(request, scope, facts)) ?? (await entraAppCaller(request, scope, facts));
}
