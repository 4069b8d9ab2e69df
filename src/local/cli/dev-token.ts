import { parseArgs } from 'node:util';
import { loadDevIssuer } from '../devIssuer.js';
import { loadConfig } from '../../config/config.js';

/** Prints a bearer token the gateway's development issuer accepts, alone on the last line. */
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    role: { type: 'string', multiple: true, default: [] },
    'expires-in': { type: 'string', default: '3600' },
  },
});
if (!values.sub) {
  console.error('Usage: npm run dev-token -- --sub <app user id> [--role identity.admin] [--expires-in <seconds>]');
  process.exit(2);
}
const config = loadConfig();
if (config.auth.kind !== 'devIssuer') {
  console.error('The gateway is configured with AUTH_ISSUER: get tokens from that identity provider instead.');
  process.exit(2);
}
const issuer = await loadDevIssuer(config.dataDir);
console.log(await issuer.sign({ sub: values.sub, roles: values.role, expiresInSeconds: Number(values['expires-in']) }));
