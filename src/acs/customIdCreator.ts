import type { KeyCredential, TokenCredential } from '@azure/core-auth';
import { createCommunicationAuthPolicy } from '@azure/communication-common';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
  type HttpClient,
  type Pipeline,
} from '@azure/core-rest-pipeline';
import type { TokenScope } from '@azure/communication-identity';

/**
 * The only ACS Identity API version whose spec has `customId` on creation (a preview API). 2025-04-01-preview
 * names it `externalId`; the stable versions (2025-06-30 and later) have neither. The SDK (1.3.1) does not send it.
 */
export const CUSTOM_ID_API_VERSION = '2025-03-02-preview';

export interface CreatedIdentity {
  id: string;
  /** Whether the answer named the customId sent: only then is the identity bound to it. */
  customIdEchoed: boolean;
  token?: { token: string; expiresOn: Date };
}

/**
 * Creates identities with a customId, through the SDK's own pipeline and HMAC/bearer policy: the SDK (1.3.1)
 * cannot send it. ACS returns the existing identity for a customId it already holds, so a retried creation
 * (after a timeout or a crash) cannot leave a second, orphaned identity.
 */
export class CustomIdCreator {
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient = createDefaultHttpClient();

  constructor(
    private readonly endpoint: string,
    credential: KeyCredential | TokenCredential,
  ) {
    this.pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 3 } });
    this.pipeline.addPolicy(createCommunicationAuthPolicy(credential));
  }

  /** 'unsupported' when the resource does not know this API version. */
  async create(
    customId: string,
    abortSignal: AbortSignal,
    token?: { scopes: TokenScope[]; expiresInMinutes: number },
  ): Promise<CreatedIdentity | 'unsupported'> {
    const url = new URL('identities', this.endpoint);
    url.searchParams.set('api-version', CUSTOM_ID_API_VERSION);
    const body = { customId, ...(token && { createTokenWithScopes: token.scopes, expiresInMinutes: token.expiresInMinutes }) };
    const request = createPipelineRequest({
      url: url.toString(),
      method: 'POST',
      headers: createHttpHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
      body: JSON.stringify(body),
      abortSignal,
      allowInsecureConnection: url.protocol === 'http:',
    });
    const response = await this.pipeline.sendRequest(this.httpClient, request);
    const parsed = parseJson(response.bodyAsText);
    if ((response.status === 201 || response.status === 200) && typeof parsed.identity?.id === 'string') {
      const accessToken = parsed.accessToken as { token: string; expiresOn: string } | undefined;
      return {
        id: parsed.identity.id as string,
        customIdEchoed: parsed.identity.customId === customId,
        ...(accessToken && { token: { token: accessToken.token, expiresOn: new Date(accessToken.expiresOn) } }),
      };
    }
    const code = parsed.error?.code as string | undefined;
    if ((response.status === 400 && code === 'UnsupportedApiVersion') || response.status === 404) return 'unsupported';
    throw new RestError(`ACS answered ${response.status} ${code ?? ''}`.trim(), { statusCode: response.status, code, request, response });
  }
}

function parseJson(text: string | null | undefined): Record<string, any> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, any>) : {};
  } catch {
    return {};
  }
}
