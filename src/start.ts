// Tracing first, when the OTEL_* variables ask for it, before the application's modules load.
import { stopTracing } from './observability/tracing.js';
import { ConfigError, loadConfig } from './config/config.js';

/** The gateway with whatever embedded services its environment leaves out, until SIGTERM or SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // Loaded only now, so that tracing's loader hook can instrument what it imports.
  const { startGateway } = await import('./app.js');
  const gateway = await startGateway(config);
  if (config.auth.kind === 'devIssuer') {
    console.log(`\nGraphQL endpoint: ${gateway.url}`);
    console.log('Development sign-in: get a bearer token with  npm run dev-token -- --sub alice  (add --role identity.admin for an admin)\n');
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.logger.info({ signal }, 'shutting down');
    await gateway.stop();
    await stopTracing().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `Cannot start: ${error.message}` : error);
  process.exit(1);
});
