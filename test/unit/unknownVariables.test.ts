import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config.js';
import { GATEWAY_PREFIXES, unknownVariables } from '../../src/config/unknownVariables.js';
import { productionEnv, refusal } from '../harness/productionEnv.js';

describe('unknown variables with the gateway prefixes', () => {
  it.each([
    ['MONGODB_URL', 'mongodb://127.0.0.1:1/x', 'MONGODB_URL: unknown; did you mean MONGODB_URI?'],
    ['AUTH_ISUER', 'https://idp.example/', 'AUTH_ISUER: unknown; did you mean AUTH_ISSUER?'],
    ['TOKEN_CACHEE', 'true', 'TOKEN_CACHEE: unknown; did you mean TOKEN_CACHE?'],
  ])('%s is refused in production, naming the variable meant', (name, value, message) => {
    expect(refusal({ ...productionEnv(), [name]: value })).toContain(message);
  });

  it.each([
    ['MONGODB_URL', 'MONGODB_URI'],
    ['AUTH_ISUER', 'AUTH_ISSUER'],
    ['TOKEN_CACHEE', 'TOKEN_CACHE'],
  ])('%s is a warning outside production, naming %s', (name, meant) => {
    const config = loadConfig({ [name]: 'x' });
    expect(config.warnings).toEqual([`${name}: unknown; did you mean ${meant}?`]);
  });

  it('lists every unknown name once, sorted, with a note when nothing is close', () => {
    expect(unknownVariables({ TEAMS_TENANT: 'a', AUTH_NONSENSE_SETTING_XYZ: 'b', RATE_LIMIT_ISSUE_TOKEN_PER_MINUTE: '5', PATH: '/bin' }, CONFIG_VARIABLES)).toEqual([
      'AUTH_NONSENSE_SETTING_XYZ: unknown; no gateway variable is spelt like it (README.md lists them all).',
      'TEAMS_TENANT: unknown; did you mean TEAMS_TENANT_ID?',
    ]);
  });

  it('leaves alone what others read under the same prefixes: the proxy, the emulator, Kubernetes service links', () => {
    const env = {
      HTTP_PROXY: 'http://proxy:3128',
      ACS_EMULATOR_PORT: '8888',
      // A Service named mongodb, and the chart's own Service, in the same namespace.
      MONGODB_SERVICE_HOST: '10.0.0.1',
      MONGODB_SERVICE_PORT: '27017',
      MONGODB_PORT: 'tcp://10.0.0.1:27017',
      MONGODB_PORT_27017_TCP: 'tcp://10.0.0.1:27017',
      MONGODB_PORT_27017_TCP_ADDR: '10.0.0.1',
      ACS_IDENTITY_GATEWAY_SERVICE_PORT_HTTP: '80',
    };
    expect(unknownVariables(env, CONFIG_VARIABLES)).toEqual([]);
    expect(() => loadConfig({ ...productionEnv(), ...env })).not.toThrow();
  });

  it('names only variables: a set but empty value counts, names of every known variable pass', () => {
    expect(unknownVariables(Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, ''])), CONFIG_VARIABLES)).toEqual([]);
    expect(unknownVariables({ MONGODB_URL: '' }, CONFIG_VARIABLES)).toHaveLength(1);
    // Every prefix belongs to at least one known variable, so none is checked for nothing.
    expect(GATEWAY_PREFIXES.filter((prefix) => !CONFIG_VARIABLES.some((name) => name.startsWith(prefix)))).toEqual([]);
  });

  it('reports a huge name and thousands of odd names, each once (names far longer than any known one are not compared)', () => {
    const env: Record<string, string> = { [`AUTH_${'X'.repeat(100_000)}`]: '1' };
    for (let i = 0; i < 2000; i++) env[`TOKEN_${i}`] = '1';
    const messages = unknownVariables(env, CONFIG_VARIABLES);
    expect(messages).toHaveLength(2001);
    expect(messages.find((message) => message.startsWith('AUTH_'))).toMatch(/no gateway variable is spelt like it/);
  });
});

describe('numeric variables', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number from 0 to 65535 (unset: 4000), not "abc"'],
    [{ PORT: '70000' }, 'PORT must be a whole number from 0 to 65535 (unset: 4000), not "70000"'],
    [{ MONGODB_TIMEOUT_MS: '5s' }, 'MONGODB_TIMEOUT_MS must be a whole number of at least 100 (unset: 5000), not "5s"'],
    [{ METRICS_PORT: '1.5' }, 'METRICS_PORT must be a whole number from 0 to 65535, not "1.5"'],
  ])('%j: one clause naming the variable and what it takes', (env, message) => {
    expect(refusal(env as Record<string, string>)).toBe(`Invalid configuration. ${message}`);
  });
});
