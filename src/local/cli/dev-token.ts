import { parseCli } from '../../cli/parseCli.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { appUserIdProblem } from '../../identity/appUser.js';
import { loadDevIssuer } from '../devIssuer.js';

/** `npm run dev-token`: prints a bearer token the gateway's development issuer accepts, alone on the last line. */
const usage = 'npm run dev-token -- --sub <app user id> [--role identity.admin] [--expires-in <seconds>]';
const { values } = parseCli({
  usage,
  description:
    'Prints a bearer token signed by the development issuer that `npm start` trusts when no AUTH_ISSUER is configured. Its key lives in DATA_DIR, so tokens keep working across restarts.',
  options: {
    sub: { type: 'string', valueName: 'app user id', description: 'the app user the token is for (its "sub" claim)' },
    role: { type: 'string', multiple: true, valueName: 'role', description: 'a role to grant, e.g. identity.admin (repeatable)' },
    'expires-in': { type: 'string', valueName: 'seconds', description: 'lifetime, 60 to 86400 (default 3600)' },
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
if (config!.auth.kind !== 'devIssuer') fail('The gateway is configured with AUTH_ISSUER: get tokens from that identity provider instead.');
const issuer = await loadDevIssuer(config!.dataDir);
console.log(await issuer.sign({ sub: values.sub!, roles: values.role ?? [], expiresInSeconds: expiresIn }));
