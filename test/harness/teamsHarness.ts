import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { devObjectId, loadDevIssuer, type DevIssuer, type DevTeamsTokenClaims } from '../../src/local/devIssuer.js';
import { startHarness, type Harness, type HarnessOptions } from './gatewayHarness.js';

/** A gateway harness for Teams users: the emulator's Teams route trusts the development issuer, as under `npm start`. */
export interface TeamsHarness {
  h: Harness;
  /** Signs the Teams user tokens the emulator trusts. */
  dev: DevIssuer;
  /** A development issuer of its own, whose keys nobody trusts: a forged token, or one signed before a key rollover. */
  forger: DevIssuer;
  /** Every token the suite hands out, to look for in the logs and the audit trail. */
  secrets: Set<string>;
  /** A Teams user token for `name` (its object id is name's), signed by `dev` unless another issuer is given. */
  teamsToken(name: string, overrides?: Partial<DevTeamsTokenClaims>, issuer?: DevIssuer): Promise<string>;
  stop(): Promise<void>;
}

export async function startTeamsHarness(options: HarnessOptions): Promise<TeamsHarness> {
  let dev: DevIssuer | undefined;
  const h = await startHarness({
    ...options,
    emulator: async (dataDir) => {
      dev = await loadDevIssuer(dataDir);
      return { teamsJwks: dev.jwks };
    },
  });
  const forgerDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-forger-'));
  const forger = await loadDevIssuer(forgerDir);
  const secrets = new Set<string>();
  return {
    h,
    dev: dev!,
    forger,
    secrets,
    async teamsToken(name, overrides = {}, issuer = dev!) {
      const token = await issuer.signTeams({ objectId: devObjectId(name), ...overrides });
      secrets.add(token);
      return token;
    },
    async stop() {
      await h.stop();
      await rm(forgerDir, { recursive: true, force: true });
    },
  };
}
