import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config.js';
import { execForm, parseDockerfile } from '../container/dockerfile.js';

const run = promisify(execFile);
const CHART = 'deploy/helm/acs-identity-gateway';
const HELM = '.local/helm-tools/bin/helm';

/** Gateway variables the chart deliberately does not offer, and why. */
const NOT_OFFERED: Record<string, string> = {
  DATA_DIR: 'only the development stand-ins (embedded database, emulator, dev issuer) write there; production never loads them',
};
/** Set by the chart's templates from its own values (port, shutdown, metrics), not through `config`. */
const SET_BY_TEMPLATE = ['NODE_ENV', 'HOST', 'PORT', 'SHUTDOWN_TIMEOUT_MS', 'METRICS', 'METRICS_PORT', 'METRICS_HOST', 'METRICS_ON_API_PORT'];

interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: any;
  data?: Record<string, string>;
}
type EnvVar = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } } };

let values: any;

async function render(extraValues: object = {}, file?: string): Promise<{ text: string; manifests: Manifest[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-values-'));
  try {
    const extra = path.join(dir, 'values.yaml');
    await writeFile(extra, stringify(extraValues));
    const args = ['template', 'gw', CHART, '--namespace', 'identity', '--kube-version', '1.33.0', ...(file ? ['--values', file] : []), '--values', extra];
    const { stdout } = await run(HELM, args, { maxBuffer: 16 * 1024 * 1024 });
    return { text: stdout, manifests: parseAllDocuments(stdout).map((doc) => doc.toJS() as Manifest).filter(Boolean) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const deploymentOf = (manifests: Manifest[]) => manifests.find((m) => m.kind === 'Deployment')!;
const containerOf = (manifests: Manifest[]) => deploymentOf(manifests).spec.template.spec.containers[0];
const envOf = (manifests: Manifest[]): EnvVar[] => containerOf(manifests).env;
const everything = (names: Record<string, unknown>, value: string) => Object.fromEntries(Object.keys(names).map((name) => [name, value]));

beforeAll(async () => {
  // Builds helm on a machine that has not run deploy/helm/check yet (CI runs it before the tests).
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-render-'));
  await run('bash', ['deploy/helm/check', '--render-only', dir], { maxBuffer: 16 * 1024 * 1024 });
  await rm(dir, { recursive: true, force: true });
  values = parse(await readFile(path.join(CHART, 'values.yaml'), 'utf8'));
}, 900_000);

describe('the Helm chart and the gateway configuration', () => {
  it('can set exactly the gateway configuration variables', async () => {
    // Every entry of config, otel and secrets.env set, and metrics on a port of their own: all the chart can set.
    const { manifests } = await render({
      config: everything(values.config, 'x'),
      otel: everything(values.otel, 'x'),
      secrets: { env: everything(values.secrets.env, 'x') },
      metrics: { port: 9100 },
    });
    // METRICS_ON_API_PORT is the other metrics mode (metrics.port null): rendered only there.
    const { manifests: onApiPort } = await render({ metrics: { port: null } });
    const chartNames = new Set([...envOf(manifests), ...envOf(onApiPort)].map((env) => env.name));
    const gatewayNames = CONFIG_VARIABLES.filter((name) => !(name in NOT_OFFERED));

    const nonOtel = [...chartNames].filter((name) => !name.startsWith('OTEL_')).sort();
    expect(nonOtel).toEqual([...gatewayNames].sort());
    expect(Object.keys(NOT_OFFERED).filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
    expect(CONFIG_VARIABLES.some((name) => name.startsWith('OTEL_'))).toBe(false);

    // Each variable has one home in values.yaml, and values.schema.json accepts exactly the config names.
    const configNames = Object.keys(values.config);
    const secretNames = Object.keys(values.secrets.env).filter((name) => !name.startsWith('OTEL_'));
    expect(configNames.filter((name) => secretNames.includes(name))).toEqual([]);
    expect([...configNames, ...secretNames, ...SET_BY_TEMPLATE].sort()).toEqual([...gatewayNames].sort());
    const schema = JSON.parse(await readFile(path.join(CHART, 'values.schema.json'), 'utf8'));
    expect([...schema.$defs.variable.enum].sort()).toEqual([...configNames, ...secretNames].sort());
  });

  it('passes OTEL_* variables through by rule: the documented ones in values.yaml, any other one as given', async () => {
    const readme = await readFile('README.md', 'utf8');
    const documented = new Set(readme.match(/OTEL_[A-Z0-9_]+/g));
    const offered = [...Object.keys(values.otel), ...Object.keys(values.secrets.env)].filter((name) => name.startsWith('OTEL_'));
    expect(offered.filter((name) => !documented.has(name))).toEqual([]);

    const { manifests } = await render({ otel: { OTEL_BSP_SCHEDULE_DELAY: 500 } });
    expect(envOf(manifests)).toContainEqual({ name: 'OTEL_BSP_SCHEDULE_DELAY', value: '500' });
    await expect(render({ otel: { LOG_LEVEL: 'debug' } })).rejects.toThrow(/invalid propertyName 'LOG_LEVEL'/);
    await expect(render({ config: { LOG_LEVL: 'debug' } })).rejects.toThrow(/invalid propertyName 'LOG_LEVL'/);
  });

  it('renders an environment the gateway accepts, with secrets only in the Secret', async () => {
    const secret = {
      MONGODB_URI: `mongodb://gateway:${randomBytes(12).toString('hex')}@mongo-0.mongo,mongo-1.mongo,mongo-2.mongo/acs?replicaSet=rs0&w=majority`,
      COMMUNICATION_SERVICES_CONNECTION_STRING: `endpoint=https://example.communication.azure.com/;accesskey=${randomBytes(32).toString('base64')}`,
      TOKEN_CACHE_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    };
    const { text, manifests } = await render(
      {
        config: {
          TOKEN_CACHE: true,
          MAPPING_CACHE_SIZE: 1_000_000,
          TRUST_PROXY: true,
          AUTH_ISSUER: 'https://login.example.com/',
          AUTH_AUDIENCE: 'api://gw',
          AUTH_JWKS_URI: 'https://login.example.com/jwks',
        },
        secrets: { existingSecret: '', env: secret },
      },
      path.join(CHART, 'ci/production-values.yaml'),
    );
    for (const value of Object.values(secret)) expect(text).not.toContain(value);
    const stored = manifests.find((m) => m.kind === 'Secret')!;
    const fromSecret = Object.fromEntries(Object.entries(stored.data!).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
    expect(fromSecret).toEqual(secret);

    // What the pod's environment would be: plain values as written, Secret keys where they exist.
    const env: Record<string, string> = {};
    for (const variable of envOf(manifests)) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref) {
        expect(ref).toMatchObject({ name: stored.metadata.name, key: variable.name, optional: true });
        if (fromSecret[ref.key] !== undefined) env[variable.name] = fromSecret[ref.key]!;
      } else env[variable.name] = variable.value!;
    }
    const config = loadConfig(env);
    expect(config).toMatchObject({
      production: true,
      host: '0.0.0.0',
      port: 4000,
      tokens: { kind: 'tokenCache' },
      http: { trustedProxies: 1, shutdownTimeoutMs: 10_000, metrics: { enabled: true, onApiPort: false, ownPort: { port: 9464, host: '0.0.0.0' } } },
      rateLimits: { store: 'mongo' },
      acs: { kind: 'connectionString' },
      auth: { kind: 'oidc', issuer: 'https://login.example.com/' },
      // Only the image's manifest (COPY operations/trusted-documents.json, the default path) runs.
      trustedDocuments: { only: true },
    });
    expect(config.tokens.kind === 'tokenCache' && config.tokens.keys).toHaveLength(1);
    expect(config.trustedDocuments.manifestPath).toBeUndefined();
    // ci/production-values.yaml's guest/staff SCOPE_POLICY, as the gateway reads it.
    expect(config.scopePolicy?.everyoneElse).toEqual({ scopes: ['CHAT_JOIN_LIMITED', 'VOIP_JOIN'], maxExpiresInMinutes: 60 });
    expect(config.scopePolicy?.byRole.get('staff')?.scopes).toHaveLength(5);
  });
});

describe('the Helm chart and the measured process', () => {
  it('runs the image CMD with node heap flags derived from the memory values, and a limit to match', async () => {
    const dockerfile = parseDockerfile(await readFile('Dockerfile', 'utf8'));
    const cmd = execForm(dockerfile.stages.at(-1)!.instructions.filter((i) => i.keyword === 'CMD').at(-1)!.args);
    const byDefault = containerOf((await render()).manifests);
    expect(byDefault.args).toEqual(cmd);
    // 128 MiB old space + 3 × 16 MiB young generation + 96 MiB beside the heap.
    expect(byDefault.resources).toEqual({ requests: { cpu: '250m', memory: '208Mi' }, limits: { memory: '248Mi' } });

    const larger = containerOf((await render({ memory: { maxOldSpaceMiB: 256, maxSemiSpaceMiB: 32 } })).manifests);
    expect(larger.args).toEqual(['node', '--max-semi-space-size=32', '--max-old-space-size=256', 'dist/src/main.js']);
    expect(larger.resources.limits.memory).toBe(`${256 + 3 * 32 + 96}Mi`);
    await expect(render({ resources: { limits: { memory: '1Gi' } } })).rejects.toThrow(/set memory through memory\.\*/);
  });

  it('gives a terminating pod its preStop delay, the shutdown timeout and the close time, in step', async () => {
    const { manifests } = await render({ shutdown: { preStopSeconds: 7, timeoutSeconds: 20, closeSeconds: 4 } });
    const pod = deploymentOf(manifests).spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(7 + 20 + 4);
    expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '7']);
    expect(envOf(manifests)).toContainEqual({ name: 'SHUTDOWN_TIMEOUT_MS', value: '20000' });
  });

  it('runs as the image user on a read-only root, with the temp dir writable for the compile cache', async () => {
    const pod = deploymentOf((await render()).manifests).spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    const dockerfile = await readFile('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
  });

  it('serves /metrics through the Service port scrapers use: on a port of its own by default, or on the API port', async () => {
    const byDefault = (await render({ metrics: { serviceMonitor: { enabled: true } } })).manifests;
    expect(byDefault.find((m) => m.kind === 'Service')!.spec.ports).toContainEqual({ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' });
    expect(containerOf(byDefault).ports).toContainEqual({ name: 'metrics', containerPort: 9464, protocol: 'TCP' });
    expect(envOf(byDefault)).toContainEqual({ name: 'METRICS_PORT', value: '9464' });
    // The gateway binds its metrics port to loopback unless told otherwise; the Service must reach it.
    expect(envOf(byDefault)).toContainEqual({ name: 'METRICS_HOST', value: '0.0.0.0' });
    expect(envOf(byDefault).map((env) => env.name)).not.toContain('METRICS_ON_API_PORT');
    const monitor = byDefault.find((m) => m.kind === 'ServiceMonitor')!;
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' });

    const onApiPort = (await render({ metrics: { port: null } })).manifests;
    expect(onApiPort.find((m) => m.kind === 'Service')!.spec.ports).toContainEqual({ name: 'metrics', port: 9464, targetPort: 'http', protocol: 'TCP' });
    expect(envOf(onApiPort).map((env) => env.name)).not.toContain('METRICS_PORT');
    // Production serves /metrics on the API port only when asked.
    expect(envOf(onApiPort)).toContainEqual({ name: 'METRICS_ON_API_PORT', value: 'true' });
  });
});
