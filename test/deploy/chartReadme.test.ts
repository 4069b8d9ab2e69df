// The chart's README, run as written: its `helm template` commands render, each `helm install` has a rendered twin,
// and every name it quotes (resources, the workload-identity subject, labels, variables, values, ports) is what the
// chart renders. A README that drifts from the chart fails here instead of in someone's production.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import * as configModule from '../../src/config/config.js';

import { ErrorCode } from '../../src/errors.js';

const { CONFIG_VARIABLES } = configModule;

const run = promisify(execFile);
const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const CHART = path.join(ROOT, 'deploy/helm/acs-identity-gateway');
const README = readFileSync(path.join(CHART, 'README.md'), 'utf8');
const VALUES = parse(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;
const HELM_DIR = path.join(ROOT, '.local/helm-tools/bin');

/** Set by the workload identity webhook at admission, never by the chart. */
const WEBHOOK_VARIABLES = ['AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'AZURE_FEDERATED_TOKEN_FILE'];

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
}

/** The commands of the README's ```sh blocks, continuation lines joined. */
function shellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/^\s*```sh\n([\s\S]*?)^\s*```/gm)].map((match) => match[1]!);
  return blocks.flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#')));
}

const commands = shellCommands(README);
const templates = commands.filter((command) => command.startsWith('helm template '));
const installs = commands.filter((command) => command.startsWith('helm install '));
const rendered = new Map<string, { text: string; manifests: Manifest[] }>();

async function renderAsWritten(command: string) {
  // bash, as a reader pastes it, with the repository's helm first on PATH.
  const { stdout } = await run('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, PATH: `${HELM_DIR}:${process.env.PATH ?? ''}` }, maxBuffer: 16 * 1024 * 1024 });
  return { text: stdout, manifests: parseAllDocuments(stdout).map((doc) => doc.toJS() as Manifest).filter(Boolean) };
}

const of = (command: string) => rendered.get(command)!.manifests;
const namespaceOf = (command: string) => / (?:-n|--namespace) (\S+)/.exec(command)![1]!;
const workloadIdentity = () => templates.find((command) => command.includes('azureWorkloadIdentity.enabled=true'))!;
const envNames = (manifests: Manifest[]) =>
  manifests.filter((m) => m.kind === 'Deployment').flatMap((m) => (m.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>) ?? []);
/** Every `quoted` span of the README. */
const quoted = [...README.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);

beforeAll(async () => {
  // Builds helm on a machine that has not run deploy/helm/check yet.
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-render-'));
  await run('bash', ['deploy/helm/check', '--render-only', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  await rm(dir, { recursive: true, force: true });
  for (const command of templates) rendered.set(command, await renderAsWritten(command));
  const production = await renderAsWritten(`helm template acs-identity-gateway ${CHART} -n identity --kube-version 1.33.0 --values ${CHART}/ci/production-values.yaml`);
  rendered.set('production-values', production);
  rendered.set('metrics-off', await renderAsWritten(`helm template acs-identity-gateway ${CHART} -n identity --kube-version 1.33.0 --set metrics.enabled=false --set metrics.port=null`));
  // The chart's own Secret, made when secrets.env has values and no existingSecret names yours.
  rendered.set('own-secret', await renderAsWritten(`helm template acs-identity-gateway ${CHART} -n identity --kube-version 1.33.0 --set secrets.env.MONGODB_URI=mongodb://db/gw`));
}, 900_000);

describe("the chart README's commands", () => {
  it('has helm template commands for the install and for workload identity, and each renders as written', () => {
    expect(templates.length).toBeGreaterThanOrEqual(2);
    expect(workloadIdentity()).toBeDefined();
    for (const command of templates) expect(of(command).some((m) => m.kind === 'Deployment')).toBe(true);
  });

  it('renders only with --kube-version: the chart refuses the Kubernetes 1.20 helm assumes without a cluster', async () => {
    const without = templates[0]!.replace(/ --kube-version \S+/, '');
    await expect(renderAsWritten(without)).rejects.toThrow(/chart requires kubeVersion: >=1\.33\.0-0 which is incompatible with Kubernetes v1\.20/);
  });

  it('gives each helm install the same arguments as a helm template it renders (less --kube-version)', () => {
    expect(installs.length).toBeGreaterThan(0);
    const args = (command: string, verb: string) => command.slice(`helm ${verb} `.length).replace(/ --kube-version \S+/, '').split(/\s+/).join(' ');
    const rendersAs = new Set(templates.map((command) => args(command, 'template')));
    for (const install of installs) expect({ install, rendered: rendersAs.has(args(install, 'install')) }).toEqual({ install, rendered: true });
  });
});

describe('the names the chart README quotes', () => {
  it('names the resources as rendered', () => {
    const sentence = /the ((?:[A-Z]\w+(?:, | and ))+[A-Z]\w+) are all `([^`]+)`/.exec(README.replace(/\s+/g, ' '));
    expect(sentence).not.toBeNull();
    const kinds = sentence![1]!.split(/, | and /);
    const name = sentence![2]!;
    const manifests = of(templates[0]!);
    for (const kind of kinds) expect({ kind, name: manifests.find((m) => m.kind === kind)?.metadata.name }).toEqual({ kind, name });
  });

  it('gives the workload-identity subject of the ServiceAccount the README renders, wherever it writes one', () => {
    const command = workloadIdentity();
    const account = of(command).find((m) => m.kind === 'ServiceAccount')!;
    const subject = `system:serviceaccount:${namespaceOf(command)}:${account.metadata.name}`;
    const written = README.match(/system:serviceaccount:[^\s`]+/g) ?? [];
    expect(written.length).toBeGreaterThanOrEqual(2); // the prose and the az command
    expect(new Set(written)).toEqual(new Set([subject]));
    // And the pods run as that account.
    expect(of(command).find((m) => m.kind === 'Deployment')!.spec.template.spec.serviceAccountName).toBe(account.metadata.name);
  });

  it('quotes workload-identity labels and annotations the chart sets', () => {
    const text = rendered.get(workloadIdentity())!.text;
    const keys = quoted.filter((span) => span.startsWith('azure.workload.identity/')).map((span) => span.split(':')[0]!);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect({ key, rendered: text.includes(`${key}:`) }).toEqual({ key, rendered: true });
  });

  it('quotes only variables the gateway reads, the chart sets or the webhook injects (with the values the chart gives), and error codes it answers', () => {
    const env = [...rendered.values()].flatMap(({ manifests }) => envNames(manifests));
    const known = new Set([...CONFIG_VARIABLES, ...env.map((entry) => entry.name), ...WEBHOOK_VARIABLES, ...Object.values(ErrorCode)]);
    const variables = quoted.filter((span) => /^[A-Z][A-Z0-9_]{2,}(=|$)/.test(span) && !span.endsWith('_'));
    expect(variables.length).toBeGreaterThan(5);
    for (const span of variables) {
      const [name, value] = span.split('=') as [string, string | undefined];
      // OTEL_* pass through as given; CONFIG_VARIABLES and the like are the config module's own exports.
      expect({ name, known: known.has(name) || name.startsWith('OTEL_') || name in configModule }).toEqual({ name, known: true });
      // NAME=value: some rendering sets exactly that.
      const values = env.filter((entry) => entry.name === name).map((entry) => entry.value);
      if (value !== undefined && values.length > 0) expect({ name, value: values.includes(value) ? value : values }).toEqual({ name, value });
    }
  });

  it('quotes value paths that values.yaml has, and resource fields the container has', () => {
    const paths = quoted.filter((span) => /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/.test(span) && !/\.(json|yaml|ts|md|com|net|io)$/.test(span));
    expect(paths).toEqual(expect.arrayContaining(['metrics.port', 'serviceAccount.name', 'networkPolicy.egress.mongodb.ports']));
    // requests.* and limits.* are the container's resources, derived by the chart.
    const resources = of(templates[0]!).find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0].resources;
    const has = (dotted: string) => {
      let node: unknown = /^(requests|limits)\./.test(dotted) ? resources : VALUES;
      for (const key of dotted.split('.')) {
        if (typeof node !== 'object' || node === null || !(key in node)) return false;
        node = (node as Record<string, unknown>)[key];
      }
      return true;
    };
    for (const dotted of paths) expect({ dotted, inValues: has(dotted) }).toEqual({ dotted, inValues: true });
  });

  it('gives the Service ports as rendered', () => {
    const manifests = of(templates[0]!);
    const service = manifests.find((m) => m.kind === 'Service')!;
    const container = manifests.find((m) => m.kind === 'Deployment')!.spec.template.spec.containers[0];
    const [, httpPort, httpTarget] = /`http` \((\d+) → (\d+)\)/.exec(README)!;
    const [, metricsPort] = /`metrics` \((\d+) →/.exec(README)!;
    const portOf = (name: string) => service.spec.ports.find((port: { name: string }) => port.name === name)?.port;
    const containerPort = (name: string) => container.ports.find((port: { name: string }) => port.name === name)?.containerPort;
    expect([portOf('http'), containerPort('http'), portOf('metrics')]).toEqual([Number(httpPort), Number(httpTarget), Number(metricsPort)]);
    // The Metrics section's figures: METRICS_PORT and the Service's metrics port.
    expect(/`METRICS_PORT` \((\d+)\)/.exec(README)?.[1]).toBe(String(containerPort('metrics')));
    expect(/`metrics\.servicePort`, (\d+)\)/.exec(README)?.[1]).toBe(String(portOf('metrics')));
  });

  it('lists in its resource table only kinds the chart renders', () => {
    const kinds = [...README.matchAll(/^\| ([A-Z][A-Za-z]+) \|/gm)].map((match) => match[1]!).filter((kind) => kind !== 'Resource' && kind !== 'Collection');
    expect(kinds.length).toBeGreaterThanOrEqual(9);
    const renderedKinds = new Set([...rendered.values()].flatMap(({ manifests }) => manifests.map((m) => m.kind)));
    expect(kinds.filter((kind) => !renderedKinds.has(kind))).toEqual([]);
  });
});
