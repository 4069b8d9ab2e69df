import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/config.js';

/** The least a production configuration needs, with a fresh access key: for tests of what config refuses. */
export const productionEnv = (): Record<string, string> => ({
  NODE_ENV: 'production',
  AUTH_ISSUER: 'https://idp.example/',
  AUTH_AUDIENCE: 'api://gateway',
  AUTH_JWKS_URI: 'https://idp.example/jwks',
  COMMUNICATION_SERVICES_CONNECTION_STRING: `endpoint=https://res.communication.azure.com/;accesskey=${randomBytes(32).toString('base64')}`,
  MONGODB_URI: 'mongodb://db.example:27017/gateway',
});

/** The message a configuration is refused with; fails the test when it is accepted. */
export const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
};
