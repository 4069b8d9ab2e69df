// startEmulator: a local stand-in for the ACS Identity data plane, faithful to its wire behaviour.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { bearerVerifier } from './bearer.js';
import type { EmulatorContext } from './context.js';
import { EntraVerifier, entraIdIssuer, type TrustedIssuer } from './entra/verifier.js';
import { AcsError } from './errors.js';
import { Faults } from './faults.js';
import { RateLimiter } from './rateLimits.js';
import { createHandler } from './server.js';
import { loadOrCreateSigningKey } from './signingKey.js';
import { IdentityStore } from './store.js';
import { keySet, TeamsTokenVerifier } from './teams.js';
import { serverCertificate } from './tls.js';
import { TokenIssuer } from './tokens.js';
import { OPERATIONS, type EmulatorOptions, type EmulatorStats, type Operation, type RunningEmulator } from './types.js';

export type * from './types.js';
export { OPERATIONS, FAULT_STATUSES } from './types.js';
export { ACCEPTED_API_VERSIONS } from './apiVersions.js';
export { signedHeaders } from './hmac.js';
export { createDevEntraIssuer, DEV_ENTRA_CLIENT_ID, DEV_ENTRA_ISSUER_BASE } from './entra/devIssuer.js';
export type { DevEntraIssuer, DevEntraTokenOptions, DevEntraCredential } from './entra/devIssuer.js';
export { defaultKeyDir } from './paths.js';

/** ACS_EMULATOR_TOKEN_LIFETIME_SECONDS, read the same way by the CLI and by the gateway's development stack. */
export function tokenLifetimeFromEnv(env: Record<string, string | undefined>): number | undefined {
  const text = env['ACS_EMULATOR_TOKEN_LIFETIME_SECONDS'];
  if (text === undefined || text === '') return undefined;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
    throw new RangeError(`ACS_EMULATOR_TOKEN_LIFETIME_SECONDS must be a whole number of seconds from 1 to 86400, got '${text}'`);
  }
  return seconds;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const lifetime = opts.tokenLifetimeSeconds;
  if (lifetime !== undefined && !(Number.isInteger(lifetime) && lifetime >= 1 && lifetime <= 86_400)) {
    throw new RangeError(`tokenLifetimeSeconds must be a whole number of seconds from 1 to 86400, got ${lifetime}`);
  }
  const host = opts.host ?? '127.0.0.1';
  const accessKey = opts.accessKey ?? randomBytes(32).toString('base64');
  const limiter = new RateLimiter(opts.rateLimits ?? {}, opts.rateLimitWindowMs);
  const faults = startupFaults(opts.faults);
  const store = await IdentityStore.open({ dataDir: opts.dataDir, resourceId: opts.resourceId });
  const signingKey = await loadOrCreateSigningKey(opts.dataDir);

  const entraIssuers: TrustedIssuer[] = [];
  if (opts.devEntra) {
    const dev = opts.devEntra;
    entraIssuers.push({ keys: keySet(dev.jwks), issuersFor: (tid) => [dev.issuerFor(tid)] });
  }
  if (opts.entraJwks) entraIssuers.push(entraIdIssuer(opts.entraJwks));
  // Bearer tokens on the data plane: the development issuer's, and those of any Entra key set given.
  const bearerIssuers = [...entraIssuers.slice(0, opts.devEntra ? 1 : 0), ...(opts.bearerJwks ? [entraIdIssuer(opts.bearerJwks)] : [])];
  const teamsKeys = [opts.teamsJwks, opts.entraJwks, opts.devEntra?.jwks].filter((k) => k !== undefined).map(keySet);

  const ctx: EmulatorContext = {
    store,
    signingKey,
    issuer: new TokenIssuer(signingKey, store.resourceId),
    limiter,
    faults,
    teams: new TeamsTokenVerifier(teamsKeys),
    entra: new EntraVerifier(entraIssuers),
    ...(opts.devEntra ? { devEntra: opts.devEntra } : {}),
    counters: {
      tokensIssued: 0,
      requests: 0,
      faultsInjected: 0,
      rateLimited: 0,
      requestsByOperation: Object.fromEntries(OPERATIONS.map((op) => [op, 0])) as Record<Operation, number>,
    },
    ...(lifetime !== undefined && { tokenLifetimeMs: lifetime * 1000 }),
  };

  const stats = (): EmulatorStats => {
    let identities = 0;
    let deleted = 0;
    let revoked = 0;
    for (const r of store.all()) {
      if (r.deletedAtMs !== undefined) deleted += 1;
      else identities += 1;
      if (r.revokedAtMs !== undefined && r.deletedAtMs === undefined) revoked += 1;
    }
    const { counters } = ctx;
    return { identities, deleted, revoked, ...counters, requestsByOperation: { ...counters.requestsByOperation } };
  };
  const listIdentities = () => store.list();

  const handler = createHandler({
    ctx,
    admin: { ctx, stats, listIdentities, resourceId: store.resourceId },
    accessKey: Buffer.from(accessKey, 'base64'),
    scheme: opts.https ? 'https' : 'http',
    acceptBearer: opts.https ? (opts.acceptBearer ?? bearerVerifier(bearerIssuers)) : undefined,
    withoutApiVersions: opts.withoutApiVersions ?? [],
    logger: opts.logger,
    onRequest: opts.onRequest,
  });

  const tls = opts.https ? await serverCertificate(host, opts.certDir ?? opts.dataDir) : undefined;
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const endpoint = `${tls ? 'https' : 'http'}://${hostInUrl}:${port}/`;
  opts.logger?.(`ACS Identity emulator listening on ${endpoint} (resource ${store.resourceId})`);

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    accessKey,
    connectionString: `endpoint=${endpoint};accesskey=${accessKey}`,
    resourceId: store.resourceId,
    port,
    ...(tls ? { caCertPem: tls.caCertPem } : {}),
    ...(tls?.caCertPath ? { caCertPath: tls.caCertPath } : {}),
    setFaults: (f) => ctx.faults.set(f),
    stats,
    listIdentities,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await store.flush();
      })()),
  };
}

/** Bad fault settings in code are a programming error: a TypeError before anything listens. */
function startupFaults(faults: EmulatorOptions['faults']): Faults {
  try {
    return new Faults(faults ?? {});
  } catch (e) {
    if (e instanceof AcsError) throw new TypeError(`faults: ${e.message}`);
    throw e;
  }
}
