import { randomBytes } from 'node:crypto';

/** The least a production configuration needs, with a fresh access key: for tests of what config refuses. */
export const productionEnv = (): Record<string, string> => ({
  NODE_ENV: 'production',
  AUTH_ISSUER: 'https://idp.example/',
  AUTH_AUDIENCE: 'api://gateway',
  AUTH_JWKS_URI: 'https://idp.example/jwks',
  COMMUNICATION_SERVICES_CONNECTION_STRING: `endpoint=https://res.communication.azure.com/;accesskey=${randomBytes(32).toString('base64')}`,
  MONGODB_URI: 'mongodb://db.example:27017/gateway',
});
