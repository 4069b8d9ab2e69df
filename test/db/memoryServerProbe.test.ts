import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookup } from 'node:dns/promises';
import { ensureFerretDbBinary, probeMemoryServer, startEmbeddedMongo } from '../../src/local/embeddedMongo/index.js';

// Offline, MongoMemoryServer.create() takes ~7 s to give up; the probe must answer far sooner.
const PROBE_BUDGET_MS = 2000;

async function canResolveMongoCdn(): Promise<boolean> {
  try {
    await lookup('fastdl.mongodb.org');
    return true;
  } catch {
    return false;
  }
}

describe('mongodb-memory-server probe', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'memory-probe-test-'));
    await ensureFerretDbBinary((msg) => process.stderr.write(`${msg}\n`));
  }, 15 * 60_000);

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`answers within ${PROBE_BUDGET_MS} ms`, async () => {
    const t = performance.now();
    const probe = await probeMemoryServer();
    const ms = performance.now() - t;
    process.stderr.write(`memory-server probe: ${JSON.stringify(probe)} in ${Math.round(ms)} ms\n`);
    expect(ms).toBeLessThan(PROBE_BUDGET_MS);
    expect(probe.ms).toBeLessThan(PROBE_BUDGET_MS);
  });

  it('is unavailable when MONGOMS_SYSTEM_BINARY points nowhere', async () => {
    const saved = process.env.MONGOMS_SYSTEM_BINARY;
    process.env.MONGOMS_SYSTEM_BINARY = join(dataDir, 'missing-mongod');
    try {
      expect(await probeMemoryServer()).toMatchObject({ available: false, detail: expect.stringContaining('MONGOMS_SYSTEM_BINARY') });
    } finally {
      if (saved === undefined) delete process.env.MONGOMS_SYSTEM_BINARY;
      else process.env.MONGOMS_SYSTEM_BINARY = saved;
    }
  });

  it('offline with no cached mongod, falls through to FerretDB quickly', async () => {
    const probe = await probeMemoryServer();
    if (probe.available || (await canResolveMongoCdn())) {
      process.stderr.write(`skipped: this machine can get a mongod (${probe.available ? probe.how : 'online'})\n`);
      return;
    }
    const logs: string[] = [];
    const t = performance.now();
    const mongo = await startEmbeddedMongo({ dataDir, log: (m) => logs.push(m) });
    const ms = performance.now() - t;
    try {
      expect(mongo.kind).toBe('ferretdb');
      // Probe plus FerretDB start; memory-server's own offline failure alone takes ~7 s.
      expect(ms).toBeLessThan(PROBE_BUDGET_MS + 3000);
      expect(logs.join('\n')).not.toMatch(/Downloading mongod/);
    } finally {
      await mongo.stop();
    }
  });
});
