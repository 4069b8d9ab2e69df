// The offline flow of the README: the gateway configured as `npm start` configures it (the embedded emulator, the
// development issuer), tokens from `npm run dev-token`, and the exchange over HTTP.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { startGateway, type RunningGateway } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { collectingLogger } from '../harness/gatewayHarness.js';
import { errorCode, graphql } from '../harness/graphqlClient.js';
import { uniqueDbUri } from '../support/mongo.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const NODE = path.join(ROOT, 'node_modules/.bin/node');
const DEV_TOKEN = path.join(ROOT, 'dist/src/local/cli/dev-token.js');
const EXCHANGE = 'mutation($input: ExchangeTeamsUserTokenInput!) { exchangeTeamsUserToken(input: $input) { teamsUserId accessToken { token expiresOn } } }';

let dataDir: string;
let gateway: RunningGateway;
const logLines: string[] = [];

beforeAll(async () => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  dataDir = await mkdtemp(path.join(tmpdir(), 'acs-gw-teams-dev-'));
  const logger = collectingLogger(logLines, 'info');
  // No ACS and no identity provider configured: the embedded emulator and the development issuer, as with `npm start`.
  gateway = await startGateway(loadConfig({ NODE_ENV: 'development', PORT: '0', DATA_DIR: dataDir, MONGODB_URI: uniqueDbUri('teams_dev') }), { logger });
}, 180_000);
afterAll(async () => {
  await gateway?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

async function devToken(args: string[], env: Record<string, string> = {}): Promise<{ code: number; lastLine: string; stderr: string }> {
  return promisify(execFile)(NODE, [DEV_TOKEN, ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, NODE_OPTIONS: '', ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, lastLine: stdout.trim().split('\n').at(-1)!, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, lastLine: error.stdout.trim(), stderr: error.stderr }),
  );
}

describe('Teams users offline', () => {
  it("dev-token --teams prints, last, a Teams token whose oid is the one in the user's bearer token", async () => {
    const bearer = await devToken(['--sub', 'alice']);
    const teams = await devToken(['--sub', 'alice', '--teams']);
    expect([bearer.code, teams.code]).toEqual([0, 0]);
    const callerClaims = decodeJwt(bearer.lastLine);
    const teamsClaims = decodeJwt(teams.lastLine);
    expect(callerClaims.oid).toMatch(/^[0-9a-f-]{36}$/);
    expect(teamsClaims).toMatchObject({
      oid: callerClaims.oid,
      aud: 'https://auth.msft.communication.azure.com',
      scp: 'Teams.ManageCalls Teams.ManageChats',
      appid: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(decodeJwt((await devToken(['--sub', 'bob'])).lastLine).oid).not.toBe(callerClaims.oid);
  });

  it('exchanges them through the gateway for an ACS token the embedded emulator knows as the Teams user', async () => {
    const bearer = (await devToken(['--sub', 'alice'])).lastLine;
    const teams = (await devToken(['--sub', 'alice', '--teams'])).lastLine;
    const result = await graphql(gateway.url, EXCHANGE, { input: { teamsUserAadToken: teams } }, bearer);
    expect(result.errors).toBeUndefined();
    const { teamsUserId, accessToken } = result.data!.exchangeTeamsUserToken;
    expect(teamsUserId).toBe(`8:orgid:${decodeJwt(bearer).oid}`);

    // The embedded emulator's endpoint is in the start-up log, as an operator sees it.
    const { endpoint } = JSON.parse(logLines.find((line) => line.includes('started the embedded ACS emulator'))!) as { endpoint: string };
    const introspection = await fetch(new URL('_emulator/introspect', endpoint), { method: 'POST', body: JSON.stringify({ token: accessToken.token }) });
    expect(await introspection.json()).toMatchObject({ active: true, identity: teamsUserId });

    const bob = (await devToken(['--sub', 'bob'])).lastLine;
    expect(errorCode(await graphql(gateway.url, EXCHANGE, { input: { teamsUserAadToken: teams } }, bob))).toBe('FORBIDDEN');
  });

  it.each([
    [{ TEAMS_ENABLED: 'false' }, /turned off/],
    [{ TEAMS_TENANT_ID: 'organizations', TEAMS_CLIENT_ID: 'd0000000-0000-4000-8000-000000000002' }, /Microsoft Entra ID/],
  ])('dev-token --teams with %j says why it cannot, in one line', async (env, message) => {
    const outcome = await devToken(['--sub', 'alice', '--teams'], env);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr.trim()).toMatch(message);
    expect(outcome.stderr.trim().split('\n')).toHaveLength(1);
  });
});
