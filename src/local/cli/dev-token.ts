import { parseCli } from '../../cli/parseCli.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { appUserIdProblem } from '../../identity/appUser.js';
import { devObjectId, loadDevIssuer } from '../devIssuer.js';

/** `npm run dev-token`: prints a bearer token the gateway's development issuer accepts, alone on the last line. */
const usage = 'npm run dev-token -- --sub <app user id> [--role identity.admin] [--expires-in <seconds>] [--teams]';
const { values } = parseCli({
  usage,
  description:
    'Prints a bearer token signed by the development issuer that `npm start` trusts when no AUTH_ISSUER is configured. Its key lives in DATA_DIR, so tokens keep working across restarts. ' +
    "With --teams it prints instead that user's development Teams user token, for exchangeTeamsUserToken: its oid is the one in the user's bearer token.",
  options: {
    sub: { type: 'string', valueName: 'app user id', description: 'the app user the token is for (its "sub" claim)' },
    role: { type: 'string', multiple: true, valueName: 'role', description: 'a role to grant, e.g. identity.admin (repeatable)' },
    'expires-in': { type: 'string', valueName: 'seconds', description: 'lifetime, 60 to 86400 (default 3600)' },
    teams: { type: 'boolean', description: "print the user's development Teams user token (Entra-shaped) instead" },
  },
});

const fail = (message: string): never => {
  console.error(message);
  process.exit(2);
};
if (values.sub === undefined) fail(`--sub is required.\nUsage: ${usage}`);
const problem = appUserIdProblem(values.sub);
if (problem) fail(`--sub ${problem}.`);
const expiresIn = Number(values['expires-in'] ?? '3600');
if (!Number.isInteger(expiresIn) || expiresIn < 60 || expiresIn > 86_400) fail(`--expires-in takes 60 to 86400 seconds, not "${values['expires-in']}".`);

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  fail(`Cannot sign: ${error.message}`);
}
const issuer = await loadDevIssuer(config!.dataDir);
if (values.teams) {
  const { teams } = config!;
  if (teams.kind === 'off') fail('exchangeTeamsUserToken is turned off (TEAMS_ENABLED=false): there is nothing to exchange a Teams token with.');
  if (teams.kind === 'entra') fail('The gateway trusts Microsoft Entra ID for Teams tokens (TEAMS_TENANT_ID is set): sign the user in with MSAL instead.');
  const clientId = teams.kind === 'devIssuer' ? teams.clientIds?.[0] : undefined;
  // The oid the gateway reads from this user's development bearer token, under whatever issuer the caller uses.
  if (config!.auth.kind !== 'devIssuer') console.error(`The Teams token's oid is ${devObjectId(values.sub!)}: your AUTH_ISSUER tokens must carry the same.`);
  console.log(await issuer.signTeams({ objectId: devObjectId(values.sub!), clientId, expiresInSeconds: expiresIn }));
} else {
  if (config!.auth.kind !== 'devIssuer') fail('The gateway is configured with AUTH_ISSUER: get tokens from that identity provider instead.');
  const objectIdClaim = config!.auth.objectIdClaim.includes('.') ? undefined : config!.auth.objectIdClaim;
  console.log(await issuer.sign({ sub: values.sub!, roles: values.role ?? [], expiresInSeconds: expiresIn, objectIdClaim }));
}
