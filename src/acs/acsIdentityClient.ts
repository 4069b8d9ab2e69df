import { AzureKeyCredential, type TokenCredential } from '@azure/core-auth';
import { CommunicationIdentityClient, type TokenScope } from '@azure/communication-identity';
import { isKeyCredential, parseConnectionString } from '@azure/communication-common';
import { ErrorCode, GatewayError } from '../errors.js';
import { randomUUID } from 'node:crypto';
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
  /** Create identities with a customId (idempotent creation): always, never, or once the resource has proven it. */
  customId?: CustomIdMode;
  /** Told each time the customId state changes (start-up probe, first creation): for the warning and the metric. */
  onCustomIdState?: (state: CustomIdState, reason: string) => void;
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

/**
 * Whether creations go with a customId: `unproven` until an answer echoes one, `inUse` once one has, `notInUse`
 * when the resource refused the version or ignored the field (or ACS_CUSTOM_ID=off).
 */
export type CustomIdState = 'unproven' | 'inUse' | 'notInUse';

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
  private state: CustomIdState;

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
    this.state = this.customIds ? 'unproven' : 'notInUse';
  }

  get customIdState(): CustomIdState {
    return this.state;
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
    if (viaCustomId) return { id: viaCustomId.id, ...(viaCustomId.token ?? (await this.getToken(viaCustomId.id, scopes, expiresInMinutes))) };
    const result = await this.call('createUserAndToken', (abortSignal) =>
      this.sdk.createUserAndToken(scopes, { tokenExpiresInMinutes: expiresInMinutes, abortSignal }),
    );
    return { id: result.user.communicationUserId, token: result.token, expiresOn: result.expiresOn };
  }

  /**
   * The identity for a customId, made now if the crashed attempt never reached ACS; null when customId is
   * not in use, since then a new identity could not be told apart from an orphan.
   */
  async recoverByCustomId(customId: string): Promise<string | null> {
    return (await this.createWithCustomId(customId))?.id ?? null;
  }

  /**
   * Whether a failed creation may still have bound an identity to its customId, so that a retry or the reconciler
   * finds it: true unless customId is known not to be in use.
   */
  get usesCustomId(): boolean {
    return this.state !== 'notInUse';
  }

  /**
   * Settles the customId state at start: creates an identity with a fresh probe customId at CUSTOM_ID_API_VERSION,
   * reads whether the answer echoes it, and deletes it. With ACS_CUSTOM_ID=on, a resource that refuses the version
   * or ignores the field stops the start; an unreachable ACS leaves the state unproven for the first creation.
   */
  async proveCustomId(): Promise<CustomIdState> {
    if (this.state !== 'unproven') return this.state;
    let created: CreatedIdentity | null;
    try {
      created = await this.createWithCustomId(`acs-identity-gateway-probe-${randomUUID()}`);
    } catch (error) {
      if (this.options.customId === 'on') throw error;
      return this.state;
    }
    if (created) await this.deleteUser(created.id).catch(() => undefined);
    return this.state;
  }

  private async createWithCustomId(
    customId: string | undefined,
    token?: { scopes: TokenScope[]; expiresInMinutes: number },
  ): Promise<CreatedIdentity | null> {
    if (!customId || !this.customIds) return null;
    if (this.state === 'notInUse') {
      if (this.options.customId === 'on') throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'ACS_CUSTOM_ID is on, but the ACS resource has not proven customId.');
      return null;
    }
    const creator = this.customIds;
    const created = await this.call(token ? 'createUserAndToken' : 'createUser', (abortSignal) => creator.create(customId, abortSignal, token));
    if (created !== 'unsupported' && created.customIdEchoed) {
      this.setState('inUse', `ACS echoed customId at api-version ${CUSTOM_ID_API_VERSION}`);
      return created;
    }
    const reason =
      created === 'unsupported'
        ? `the ACS resource does not support api-version ${CUSTOM_ID_API_VERSION}`
        : `the ACS resource did not echo customId at api-version ${CUSTOM_ID_API_VERSION}`;
    if (this.options.customId === 'on') {
      // Unproven, the identity is not bound to its customId: undo it rather than keep an identity a retry cannot find.
      if (created !== 'unsupported') await this.deleteUser(created.id).catch(() => undefined);
      this.setState('notInUse', reason);
      throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, `ACS_CUSTOM_ID is on, but ${reason}.`);
    }
    this.setState('notInUse', reason);
    // An identity made without its customId is still a good identity: the reservation keeps it the user's only one.
    return created === 'unsupported' ? null : created;
  }

  private setState(state: CustomIdState, reason: string): void {
    if (this.state === state) return;
    this.state = state;
    this.options.onCustomIdState?.(state, reason);
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
