import { AzureKeyCredential, type TokenCredential } from '@azure/core-auth';
import { CommunicationIdentityClient, type TokenScope } from '@azure/communication-identity';
import { isKeyCredential, parseConnectionString } from '@azure/communication-common';
import { ErrorCode, GatewayError } from '../errors.js';
import { CUSTOM_ID_API_VERSION, CustomIdCreator, type CreatedIdentity } from './customIdCreator.js';
import type { AcsCredential, CustomIdMode } from '../config/acs.js';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { toGatewayError } from './acsErrors.js';


export interface AcsIdentityClientOptions {
  credential: AcsCredential;
  /**
   * Signs requests for the `managedIdentity` credential, e.g. `DefaultAzureCredential` from @azure/identity
   * (the bootstrap loads that package only for this mode).
   */
  tokenCredential?: TokenCredential;
  /** Every call is abandoned after this long, so a hung ACS cannot hold requests forever. */
  timeoutMs: number;
  /** Names the ACS resource in mapping documents, so a changed resource is detected. */
  resourceKey: string;
  /** Create identities with a customId (idempotent creation): always, never, or when the resource supports it. */
  customId?: CustomIdMode;
  /** Told the outcome and duration of every ACS call (metrics). */
  onCall?: (call: AcsCallRecord) => void;
}

export interface AcsCallRecord {
  operation: AcsOperation;
  outcome: 'success' | 'error';
  statusCode?: number;
  durationMs: number;
}

export type AcsOperation = 'createUser' | 'getToken' | 'createUserAndToken' | 'revokeTokens' | 'deleteUser' | 'getTokenForTeamsUser';

export interface AcsToken {
  token: string;
  expiresOn: Date;
}

/** A proxy: it delegates to the tracer provider once tracing registers one (observability/tracing.ts). */
const tracer = trace.getTracer('acs-identity-gateway');

/** The gateway's narrow view of ACS Identity: the real SDK underneath, with timeouts and stable errors. */
export class AcsIdentityClient {
  readonly resourceKey: string;
  readonly endpoint: string;
  private readonly host: string;
  private readonly sdk: CommunicationIdentityClient;

  private readonly customIds: CustomIdCreator | null;
  /** Learned from the first creation in 'auto' mode. */
  private customIdSupported: boolean | undefined;

  constructor(private readonly options: AcsIdentityClientOptions) {
    const { credential } = options;
    this.resourceKey = options.resourceKey;
    this.endpoint = credential.endpoint;
    this.host = new URL(credential.endpoint).hostname;
    const keyOrToken =
      credential.kind === 'connectionString'
        ? parseConnectionString(credential.connectionString).credential
        : credential.kind === 'accessKey'
          ? new AzureKeyCredential(credential.accessKey)
          : requireTokenCredential(options.tokenCredential);
    // Plain http passes config validation only for loopback (the emulator), where the SDK needs this opt-in.
    const clientOptions = { allowInsecureConnection: credential.endpoint.startsWith('http://') };
    this.sdk = isKeyCredential(keyOrToken)
      ? new CommunicationIdentityClient(credential.endpoint, keyOrToken, clientOptions)
      : new CommunicationIdentityClient(credential.endpoint, keyOrToken, clientOptions);
    this.customIds = options.customId === 'off' ? null : new CustomIdCreator(credential.endpoint, keyOrToken);
    if (options.customId === 'on') this.customIdSupported = true;
  }

  /** With a customId (when in use), a retry returns the identity the first attempt created. */
  async createUser(customId?: string): Promise<string> {
    const viaCustomId = await this.createWithCustomId(customId);
    if (viaCustomId) return viaCustomId.id;
    const user = await this.call('createUser', (abortSignal) => this.sdk.createUser({ abortSignal }));
    return user.communicationUserId;
  }

  async createUserAndToken(scopes: TokenScope[], expiresInMinutes: number, customId?: string): Promise<{ id: string } & AcsToken> {
    const viaCustomId = await this.createWithCustomId(customId, { scopes, expiresInMinutes });
    if (viaCustomId?.token) return { id: viaCustomId.id, ...viaCustomId.token };
    const result = await this.call('createUserAndToken', (abortSignal) =>
      this.sdk.createUserAndToken(scopes, { tokenExpiresInMinutes: expiresInMinutes, abortSignal }),
    );
    return { id: result.user.communicationUserId, token: result.token, expiresOn: result.expiresOn };
  }

  /**
   * The identity for a customId, made now if the crashed attempt never reached ACS; null when customId is
   * not available, since then a new identity could not be told apart from an orphan.
   */
  async recoverByCustomId(customId: string): Promise<string | null> {
    return (await this.createWithCustomId(customId))?.id ?? null;
  }

  /** Whether creations are idempotent through customId; undefined until the first creation in 'auto' mode. */
  get usesCustomId(): boolean | undefined {
    return this.customIds ? this.customIdSupported : false;
  }

  private async createWithCustomId(
    customId: string | undefined,
    token?: { scopes: TokenScope[]; expiresInMinutes: number },
  ): Promise<CreatedIdentity | null> {
    if (!customId || !this.customIds || this.customIdSupported === false) return null;
    const creator = this.customIds;
    const created = await this.call(token ? 'createUserAndToken' : 'createUser', (abortSignal) => creator.create(customId, abortSignal, token));
    if (created !== 'unsupported') {
      this.customIdSupported = true;
      return created;
    }
    if (this.options.customId === 'on') {
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `ACS_CUSTOM_ID is on, but the ACS resource does not support API version ${CUSTOM_ID_API_VERSION}.`);
    }
    this.customIdSupported = false;
    return null;
  }

  getToken(acsId: string, scopes: TokenScope[], expiresInMinutes: number): Promise<AcsToken> {
    return this.call('getToken', (abortSignal) =>
      this.sdk.getToken({ communicationUserId: acsId }, scopes, { tokenExpiresInMinutes: expiresInMinutes, abortSignal }),
    );
  }

  /**
   * Exchanges a Teams user's Entra token for an ACS token (POST /teamsUser/:exchangeAccessToken). ACS checks the
   * token's appid and oid against clientId and userObjectId; the token itself goes only into the request body.
   */
  getTokenForTeamsUser(teamsUserAadToken: string, clientId: string, userObjectId: string): Promise<AcsToken> {
    return this.call('getTokenForTeamsUser', (abortSignal) =>
      this.sdk.getTokenForTeamsUser({ teamsUserAadToken, clientId, userObjectId, abortSignal }),
    );
  }

  revokeTokens(acsId: string): Promise<void> {
    return this.call('revokeTokens', (abortSignal) => this.sdk.revokeTokens({ communicationUserId: acsId }, { abortSignal }));
  }

  /** An identity that is already gone in ACS counts as deleted, so a retried deletion succeeds. */
  async deleteUser(acsId: string): Promise<void> {
    try {
      await this.call('deleteUser', (abortSignal) => this.sdk.deleteUser({ communicationUserId: acsId }, { abortSignal }));
    } catch (error) {
      if (!(error instanceof GatewayError && error.code === ErrorCode.IDENTITY_NOT_FOUND)) throw error;
    }
  }

  /**
   * Runs one ACS call with a timeout, a metrics record and a span `acs.<operation>` (a no-op unless
   * tracing is on). The span carries the operation, outcome and HTTP status, never tokens, keys or
   * ACS's own error messages (they can quote request bodies).
   */
  private call<T>(operation: AcsOperation, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const attributes = { 'acs.operation': operation, 'server.address': this.host };
    return tracer.startActiveSpan(`acs.${operation}`, { attributes }, async (span) => {
      const started = performance.now();
      try {
        const result = await run(AbortSignal.timeout(this.options.timeoutMs));
        this.options.onCall?.({ operation, outcome: 'success', durationMs: performance.now() - started });
        span.setAttribute('acs.outcome', 'success');
        return result;
      } catch (error) {
        const statusCode = (error as { statusCode?: number }).statusCode;
        this.options.onCall?.({ operation, outcome: 'error', statusCode, durationMs: performance.now() - started });
        const gatewayError = toGatewayError(error, operation);
        span.setAttributes({
          'acs.outcome': 'error',
          'error.type': gatewayError.code,
          ...(typeof statusCode === 'number' && { 'http.response.status_code': statusCode }),
        });
        span.setStatus({ code: SpanStatusCode.ERROR, message: gatewayError.code });
        throw gatewayError;
      } finally {
        span.end();
      }
    });
  }
}

function requireTokenCredential(credential: TokenCredential | undefined): TokenCredential {
  if (!credential) throw new Error('The managedIdentity credential needs options.tokenCredential (e.g. new DefaultAzureCredential()).');
  return credential;
}
