import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureFerretDbBinary, findRepoRoot } from '../../src/local/embeddedMongo/index.js';
import { isListening, waitFor } from '../harness/net.js';

/** Gone, or a zombie waiting for a reaper (PID 1 in a container may never reap it). */
function hasExited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

describe('FerretDB child of a crashed parent', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-orphan-test-'));
    await ensureFerretDbBinary((msg) => process.stderr.write(`${msg}\n`));
  }, 15 * 60_000);

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('exits by itself when the parent is SIGKILLed', async () => {
    const root = findRepoRoot();
    const parent = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/db/fixtures/embeddedParent.ts'), dataDir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const parentExited = new Promise((resolve) => parent.once('exit', resolve));
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('parent did not report FerretDB within 30 s')), 30_000);
      createInterface({ input: parent.stdout! }).once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      parent.once('exit', (code) => reject(new Error(`parent exited early with ${code}`)));
    });
    const { pid, uri } = JSON.parse(line) as { pid: number; uri: string };
    expect(await isListening(uri)).toBe(true);

    parent.kill('SIGKILL');
    await parentExited;

    try {
      expect(await waitFor(async () => !(await isListening(uri)), 5000)).toBe(true);
      expect(await waitFor(() => hasExited(pid), 5000)).toBe(true);
    } finally {
      if (!hasExited(pid)) process.kill(pid, 'SIGKILL'); // never leak it, even when failing
    }
  });
});
