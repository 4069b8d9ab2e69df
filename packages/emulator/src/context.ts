// Everything a route handler needs, built once per emulator.
import type { DevEntraIssuer } from './entra/devIssuer.js';
import type { EntraVerifier } from './entra/verifier.js';
import type { Faults } from './faults.js';
import type { RateLimiter } from './rateLimits.js';
import type { SigningKey } from './signingKey.js';
import type { IdentityStore } from './store.js';
import type { TeamsTokenVerifier } from './teams.js';
import type { TokenIssuer } from './tokens.js';
import type { EmulatorStats } from './types.js';

export interface EmulatorContext {
  store: IdentityStore;
  issuer: TokenIssuer;
  signingKey: SigningKey;
  limiter: RateLimiter;
  faults: Faults;
  teams: TeamsTokenVerifier;
  entra: EntraVerifier;
  /** The trusted development issuer, when there is one (it also mints through /_emulator/entra/token). */
  devEntra?: DevEntraIssuer;
  counters: Omit<EmulatorStats, 'identities' | 'deleted' | 'revoked'>;
  /** Overrides the requested lifetime of user tokens (EmulatorOptions.tokenLifetimeSeconds). */
  tokenLifetimeMs?: number;
}

export interface DataPlaneRequest {
  apiVersion: string;
  /** Parsed JSON body; undefined when the body was empty. */
  body: unknown;
  /** The Authorization header, which carries the Entra token on the /access exchanges. */
  authorization?: string;
  contentType?: string;
}
