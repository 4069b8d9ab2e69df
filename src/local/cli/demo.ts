import { parseCli } from '../../cli/parseCli.js';
import { startDemoServer } from '../demo/server.js';

/** `npm run demo`: the client kit's demo page on its own origin, calling the gateway that `npm start` runs. */
const usage = 'npm run demo -- [--port 4100] [--host 127.0.0.1] [--gateway http://127.0.0.1:4000/graphql]';
const { values } = parseCli({
  usage,
  description:
    "Serves the client kit's demo page: sign in with a development token (npm run dev-token) and watch the kit's token refresher feed the ACS SDK's credential. " +
    'The page calls the gateway cross-origin: outside production the gateway allows any loopback origin, or set CORS_ORIGINS to the URL printed here. ' +
    'ACS_EMULATOR_TOKEN_LIFETIME_SECONDS=60 npm start makes refreshes show within half a minute. Development only.',
  options: {
    port: { type: 'string', valueName: 'port', description: 'port to listen on (default 4100, 0 for a free one)' },
    host: { type: 'string', valueName: 'host', description: 'interface to listen on (default 127.0.0.1)' },
    gateway: { type: 'string', valueName: 'url', description: "the gateway's GraphQL endpoint (default http://127.0.0.1:$PORT/graphql, PORT defaulting to 4000)" },
  },
});

if (process.env.NODE_ENV === 'production') {
  console.error('The demo page is for development only; it does not run with NODE_ENV=production.');
  process.exit(2);
}
const port = Number(values.port ?? '4100');
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port takes a port number, not "${values.port}".`);
  process.exit(2);
}
const gatewayEndpoint = values.gateway ?? `http://127.0.0.1:${process.env.PORT ?? '4000'}/graphql`;
try {
  new URL(gatewayEndpoint);
} catch {
  console.error(`--gateway takes a URL, not "${gatewayEndpoint}".`);
  process.exit(2);
}

const demo = await startDemoServer({ gatewayEndpoint, host: values.host ?? '127.0.0.1', port });
const origin = new URL(demo.url).origin;
console.log(`Demo page: ${demo.url}  (calls ${gatewayEndpoint}; the gateway must allow the origin ${origin}: CORS_ORIGINS=${origin}, or any loopback origin outside production)`);
console.log('Sign in with: npm run --silent dev-token -- --sub alice | tail -1');

const stop = () => void demo.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
