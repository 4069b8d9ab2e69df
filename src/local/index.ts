/**
 * The development and test stand-ins, behind bootstrap/localStack.ts: only that loader imports this module,
 * and never in production. Nothing under src/local is in the production image.
 */
import path from 'node:path';
import { startEmulator, tokenLifetimeFromEnv } from '@acs-identity-gateway/emulator';
import type { LocalStack } from '../bootstrap/localStack.js';
import { loadDevCacheKey } from './devCacheKey.js';
import { loadDevIssuer } from './devIssuer.js';
import { startEmbeddedMongo } from './embeddedMongo/index.js';
import { addGraphiqlRoutes } from './graphiql/routes.js';

export const localStack: LocalStack = {
  // In development the emulator's Teams route trusts the development issuer, which signs the Teams tokens of
  // `npm run dev-token -- --teams`; ACS_EMULATOR_TOKEN_LIFETIME_SECONDS gives short-lived tokens, to watch clients
  // refresh (npm run demo).
  startEmulator: async ({ dataDir, teamsJwks }) =>
    startEmulator({
      dataDir: path.join(dataDir, 'emulator'),
      teamsJwks: teamsJwks ?? (await loadDevIssuer(dataDir)).jwks,
      tokenLifetimeSeconds: tokenLifetimeFromEnv(process.env),
    }),
  startEmbeddedMongo: ({ dataDir, log }) => startEmbeddedMongo({ dataDir: path.join(dataDir, 'mongo'), log }),
  loadDevIssuer,
  loadDevCacheKey,
  addGraphiqlRoutes,
};
