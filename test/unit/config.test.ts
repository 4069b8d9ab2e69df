import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { productionEnv } from '../harness/productionEnv.js';

const production = productionEnv();

const messageOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return 'started';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
};

describe('configuration', () => {
  it('starts with embedded defaults outside production', () => {
    const config = loadConfig({});
    expect(config.acs.kind).toBe('embeddedEmulator');
    expect(config.auth.kind).toBe('devIssuer');
    expect(config.port).toBe(4000);
    expect(config.allowedScopes).toEqual(['CHAT', 'VOIP', 'CHAT_JOIN', 'CHAT_JOIN_LIMITED', 'VOIP_JOIN']);
  });

  it('keeps rate limits in MongoDB when it is shared, in memory with the embedded database only this process uses', () => {
    expect(loadConfig({}).rateLimits.store).toBe('memory');
    expect(loadConfig({ MONGODB_URI: 'mongodb://db.example/gw' }).rateLimits.store).toBe('mongo');
    expect(loadConfig({ MONGODB_URI: 'mongodb://db.example/gw', RATE_LIMIT_STORE: 'memory' }).rateLimits.store).toBe('memory');
    expect(loadConfig({ RATE_LIMIT_STORE: 'mongo' }).rateLimits.store).toBe('mongo');
  });

  it('keeps /metrics private in production: its own port (9464) on loopback, none on the API port unless asked', () => {
    expect(loadConfig(production).http.metrics).toEqual({ enabled: true, onApiPort: false, ownPort: { port: 9464, host: '127.0.0.1' } });
    // As the chart asks: its own port, on every interface, for the Service's scrapers.
    expect(loadConfig({ ...production, METRICS_PORT: '9100', METRICS_HOST: '0.0.0.0' }).http.metrics).toEqual({
      enabled: true,
      onApiPort: false,
      ownPort: { port: 9100, host: '0.0.0.0' },
    });
    expect(loadConfig({ ...production, METRICS_ON_API_PORT: 'true' }).http.metrics).toEqual({ enabled: true, onApiPort: true });
    expect(loadConfig({ ...production, METRICS: 'false' }).http.metrics).toEqual({ enabled: false });
    // Outside production, on the API port as local tools expect; METRICS_PORT moves it.
    expect(loadConfig({}).http.metrics).toEqual({ enabled: true, onApiPort: true });
    expect(loadConfig({ METRICS_PORT: '0' }).http.metrics).toEqual({ enabled: true, onApiPort: false, ownPort: { port: 0, host: '127.0.0.1' } });
    expect(messageOf({ ...production, PORT: '9464' })).toMatch(/METRICS_PORT must differ from PORT/);
  });

  it('picks one token strategy: the token cache, or fresh tokens with recently read mappings', () => {
    expect(loadConfig({}).tokens).toEqual({ kind: 'recentMappings', seconds: 30, maxEntries: 10_000 });
    expect(loadConfig({ TOKEN_CACHE: 'true' }).tokens).toEqual({ kind: 'tokenCache', keys: null, minRemainingMinutes: 15 });
  });

  it('reports every problem of a production environment at once', () => {
    const message = messageOf({ NODE_ENV: 'production' });
    for (const named of ['No ACS resource', 'AUTH_ISSUER', 'MONGODB_URI']) expect(message).toContain(named);
  });

  it('reads the three ACS credential forms', () => {
    expect(loadConfig(production).acs.kind).toBe('connectionString');
    const { COMMUNICATION_SERVICES_CONNECTION_STRING: _cs, ...rest } = production;
    expect(loadConfig({ ...rest, COMMUNICATION_SERVICES_ENDPOINT: 'https://res.communication.azure.com', COMMUNICATION_SERVICES_ACCESSKEY: 'a2V5' }).acs.kind).toBe('accessKey');
    expect(loadConfig({ ...rest, COMMUNICATION_SERVICES_ENDPOINT: 'https://res.communication.azure.com' }).acs.kind).toBe('managedIdentity');
  });

  it.each([
    [{ NODE_ENV: 'production' }, 'AUTH_ISSUER'],
    [{ ...production, COMMUNICATION_SERVICES_CONNECTION_STRING: '' }, 'No ACS resource'],
    [{ ...production, MONGODB_URI: '' }, 'MONGODB_URI must be set in production'],
    [{ COMMUNICATION_SERVICES_CONNECTION_STRING: 'endpoint=http://acs.example.com/;accesskey=a2V5' }, 'https://'],
    [{ COMMUNICATION_SERVICES_CONNECTION_STRING: 'nonsense' }, 'COMMUNICATION_SERVICES_CONNECTION_STRING'],
    [{ COMMUNICATION_SERVICES_ENDPOINT: 'http://acs.example.com' }, 'COMMUNICATION_SERVICES_ENDPOINT'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ MONGODB_URI: 'postgres://x' }, 'MONGODB_URI'],
    [{ ALLOWED_SCOPES: 'chat,admin' }, 'ALLOWED_SCOPES'],
    [{ AUTH_ISSUER: 'https://idp.example/' }, 'AUTH_AUDIENCE, AUTH_JWKS_URI'],
    [{ ...production, AUTH_ALGORITHMS: 'RS256,HS256' }, 'HS256'],
    [{ ...production, TOKEN_CACHE: 'true' }, 'TOKEN_CACHE_KEYS'],
    [{ TOKEN_CACHE: 'true', TOKEN_CACHE_KEYS: 'k1:c2hvcnQ=' }, 'TOKEN_CACHE_KEYS'],
  ])('refuses %j, naming %s', (env, named) => {
    expect(messageOf(env as Record<string, string>)).toContain(named);
  });

  it('never echoes a secret in its messages', () => {
    const key = randomBytes(32).toString('base64');
    expect(messageOf({ COMMUNICATION_SERVICES_CONNECTION_STRING: `endpoint=http://acs.example.com/;accesskey=${key}` })).not.toContain(key);
  });

  it('allows plain http only for a loopback emulator', () => {
    const config = loadConfig({ COMMUNICATION_SERVICES_CONNECTION_STRING: 'endpoint=http://127.0.0.1:8888/;accesskey=a2V5' });
    expect(config.acs).toMatchObject({ kind: 'connectionString', endpoint: 'http://127.0.0.1:8888/' });
  });

  it('reads SCOPE_POLICY, and stops the start naming the key of a bad entry', () => {
    expect(loadConfig({}).scopePolicy).toBeNull();
    const policy = loadConfig({ SCOPE_POLICY: '{"*":{"scopes":["chat.join.limited","VOIP_JOIN"],"maxExpiresInMinutes":60},"staff":{"scopes":["CHAT"]}}' }).scopePolicy!;
    expect(policy.everyoneElse).toEqual({ scopes: ['CHAT_JOIN_LIMITED', 'VOIP_JOIN'], maxExpiresInMinutes: 60 });
    expect(policy.byRole.get('staff')).toEqual({ scopes: ['CHAT'] });
    expect(messageOf({ SCOPE_POLICY: '{"guest":{"scopes":["CHAT","SCREEN_SHARE"]}}' })).toMatch(/SCOPE_POLICY\["guest"\]\.scopes has an unknown scope "SCREEN_SHARE"/);
    expect(messageOf({ SCOPE_POLICY: '{"guest":{"scopes":["CHAT"],"maxExpiresInMinutes":30}}' })).toMatch(/SCOPE_POLICY\["guest"\]\.maxExpiresInMinutes: .*60-1440/);
    expect(messageOf({ SCOPE_POLICY: '{"guest":{"scopes":["CHAT"],"maxExpiresInMinutes":"60"}}' })).toMatch(/SCOPE_POLICY\["guest"\]\.maxExpiresInMinutes/);
    expect(messageOf({ SCOPE_POLICY: '{"guest":["CHAT"]}' })).toMatch(/SCOPE_POLICY\["guest"\]: /);
    expect(messageOf({ SCOPE_POLICY: '{"guest":{"scope":["CHAT"]}}' })).toMatch(/SCOPE_POLICY\["guest"\]/);
    expect(messageOf({ SCOPE_POLICY: '{"guest":{"scopes":"CHAT"}}' })).toMatch(/SCOPE_POLICY\["guest"\]\.scopes/);
    expect(messageOf({ SCOPE_POLICY: '{"guest":{"scopes":[{"$ne":null}]}}' })).toMatch(/SCOPE_POLICY\["guest"\]\.scopes\.0/);
    expect(messageOf({ SCOPE_POLICY: '{"":{"scopes":[]}}' })).toMatch(/SCOPE_POLICY\[""\]: a role is/);
    expect(messageOf({ SCOPE_POLICY: 'guest=CHAT' })).toMatch(/SCOPE_POLICY is not JSON/);
    expect(messageOf({ SCOPE_POLICY: '[]' })).toMatch(/SCOPE_POLICY must be a JSON object/);
    expect(messageOf({ SCOPE_POLICY: '{}' })).toMatch(/SCOPE_POLICY must be a JSON object/);
  });

  it('turns TRUSTED_DOCUMENTS_ONLY on in production by default, and wants a long router secret', () => {
    expect(loadConfig({}).trustedDocuments).toEqual({ only: false });
    expect(loadConfig(production).trustedDocuments).toEqual({ only: true });
    expect(loadConfig({ ...production, TRUSTED_DOCUMENTS_ONLY: 'false', TRUSTED_DOCUMENTS: '/etc/gw/docs.json' }).trustedDocuments).toEqual({ only: false, manifestPath: '/etc/gw/docs.json' });
    expect(messageOf({ TRUSTED_DOCUMENTS_ROUTER_SECRET: 'short' })).toMatch(/TRUSTED_DOCUMENTS_ROUTER_SECRET must be at least 32 characters/);
  });
});
