import { AzureKeyCredential } from '@azure/core-auth';
import { CommunicationIdentityClient, type TokenScope } from '@azure/communication-identity';
import { DefaultAzureCredential } from '@azure/identity';
import { toGatewayError } from './acsErrors.js';

export type AcsCredential =
  | { kind: 'connectionString'; connectionString: string; endpoint: string }
  | { kind: 'accessKey'; endpoint: string; accessKey: string }
  | { kind: 'managedIdentity'; endpoint: string };

export interface AcsIdentityClientOptions {
  credential: AcsCredential;
  /** Every call is abandoned after this long, so a hung ACS cannot hold requests forever. */
  timeoutMs: number;
  /** Names the ACS resource in mapping documents, so a changed resource is detected. */
  resourceKey: string;
  /** Told the outcome and duration of every ACS call (metrics). */
  onCall?: (call: AcsCallRecord) => void;
}

export interface AcsCallRecord {
  operation: AcsOperation;
  outcome: 'success' | 'error';
  statusCode?: number;
  durationMs: number;
}

export type AcsOperation = 'createUser' | 'getToken' | 'createUserAndToken' | 'revokeTokens' | 'deleteUser';

export interface AcsToken {
  token: string;
  expiresOn: Date;
}

/** The gateway's narrow view of ACS Identity: the real SDK underneath, with timeouts and stable errors. */
export class AcsIdentityClient {
  readonly resourceKey: string;
  readonly endpoint: string;
  private readonly sdk: CommunicationIdentityClient;

  constructor(private readonly options: AcsIdentityClientOptions) {
    const { credential } = options;
    this.resourceKey = options.resourceKey;
    this.endpoint = credential.endpoint;
    // Plain http passes config validation only for loopback (the emulator), where the SDK needs this opt-in.
    const clientOptions = { allowInsecureConnection: credential.endpoint.startsWith('http://') };
    this.sdk =
      credential.kind === 'connectionString'
        ? new CommunicationIdentityClient(credential.connectionString, clientOptions)
        : credential.kind === 'accessKey'
          ? new CommunicationIdentityClient(credential.endpoint, new AzureKeyCredential(credential.accessKey), clientOptions)
          : new CommunicationIdentityClient(credential.endpoint, new DefaultAzureCredential(), clientOptions);
  }

  async createUser(): Promise<string> {
    const user = await this.call('createUser', (abortSignal) => this.sdk.createUser({ abortSignal }));
    return user.communicationUserId;
  }

  async createUserAndToken(scopes: TokenScope[], expiresInMinutes: number): Promise<{ id: string } & AcsToken> {
    const result = await this.call('createUserAndToken', (abortSignal) =>
      this.sdk.createUserAndToken(scopes, { tokenExpiresInMinutes: expiresInMinutes, abortSignal }),
    );
    return { id: result.user.communicationUserId, token: result.token, expiresOn: result.expiresOn };
  }

  getToken(acsId: string, scopes: TokenScope[], expiresInMinutes: number): Promise<AcsToken> {
    return this.call('getToken', (abortSignal) =>
      this.sdk.getToken({ communicationUserId: acsId }, scopes, { tokenExpiresInMinutes: expiresInMinutes, abortSignal }),
    );
  }

  revokeTokens(acsId: string): Promise<void> {
    return this.call('revokeTokens', (abortSignal) => this.sdk.revokeTokens({ communicationUserId: acsId }, { abortSignal }));
  }

  deleteUser(acsId: string): Promise<void> {
    return this.call('deleteUser', (abortSignal) => this.sdk.deleteUser({ communicationUserId: acsId }, { abortSignal }));
  }

  private async call<T>(operation: AcsOperation, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await run(AbortSignal.timeout(this.options.timeoutMs));
      this.options.onCall?.({ operation, outcome: 'success', durationMs: performance.now() - started });
      return result;
    } catch (error) {
      const statusCode = (error as { statusCode?: number }).statusCode;
      this.options.onCall?.({ operation, outcome: 'error', statusCode, durationMs: performance.now() - started });
      throw toGatewayError(error, operation);
    }
  }
}
