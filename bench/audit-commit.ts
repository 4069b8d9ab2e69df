// `npx tsx bench/audit-commit.ts` (not a test): what one audit event costs the database and the gateway under the
// group commit (issue 25), against the embedded MongoDB. N writers each record an event, wait until it is stored,
// and record the next, for a few seconds; settings interleaved, repeated, medians. The "unbounded" row is the
// group commit as it was before issue 25 (one write in flight, everything queued behind it in the next).
// Env: AUDIT_BENCH_S (3), AUDIT_BENCH_REPEATS (3), AUDIT_BENCH_WRITERS (1,16,64).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { auditEventModel } from '../src/audit/auditEventModel.js';
import { AuditLog, DEFAULT_GROUP_COMMIT, type GroupCommitOptions } from '../src/audit/auditLog.js';
import { startEmbeddedMongo } from '../src/local/embeddedMongo/index.js';
import { log, median, processCpuMs, round } from './support.js';

const SECONDS = Number(process.env.AUDIT_BENCH_S ?? 3);
const REPEATS = Number(process.env.AUDIT_BENCH_REPEATS ?? 3);
const WRITERS = (process.env.AUDIT_BENCH_WRITERS ?? '1,16,64').split(',').map(Number);
const SETTINGS: Record<string, GroupCommitOptions> = {
  'bounded (64 events, 1 ms)': DEFAULT_GROUP_COMMIT,
  'bounded (64 events, 5 ms)': { ...DEFAULT_GROUP_COMMIT, maxWaitMs: 5 },
  'unbounded (before)': { ...DEFAULT_GROUP_COMMIT, maxBatch: 500, maxWaitMs: 1e9 },
};

const dataDir = await mkdtemp(join(tmpdir(), 'acs-gw-audit-bench-'));
const mongo = await startEmbeddedMongo({ dataDir: join(dataDir, 'mongo') });
const connection = await mongoose.createConnection(new URL('audit_bench', mongo.uri).toString(), { monitorCommands: true }).asPromise();
let inserts = 0;
connection.getClient().on('commandStarted', (event) => {
  if (event.commandName === 'insert') inserts++;
});
const actor = { issuer: 'https://bench.test/', userId: 'bench', isAdmin: false };
const rows: Record<string, { writers: number; eventsPerSec: number[]; dbCpuUsPerEvent: number[]; ownCpuUsPerEvent: number[]; eventsPerWrite: number[] }> = {};

for (const writers of WRITERS) {
  for (let r = 0; r < REPEATS; r++) {
    for (const [name, options] of Object.entries(SETTINGS)) {
      const audit = new AuditLog(auditEventModel(connection), options);
      let events = 0;
      const until = Date.now() + SECONDS * 1000;
      const [db0, own0, inserts0] = [processCpuMs(mongo.pid!), process.cpuUsage(), inserts];
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          while (Date.now() < until) {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
            await audit.record({ requestId: `w${w}-${events}`, action: 'issueToken', outcome: 'success', actor, subjectAppUserId: `user-${w}` });
            events++;
          }
        }),
      );
      const own = process.cpuUsage(own0);
      const row = (rows[`${name} @${writers}`] ??= { writers, eventsPerSec: [], dbCpuUsPerEvent: [], ownCpuUsPerEvent: [], eventsPerWrite: [] });
      row.eventsPerSec.push(events / SECONDS);
      row.dbCpuUsPerEvent.push(((processCpuMs(mongo.pid!) - db0) * 1000) / events);
      row.ownCpuUsPerEvent.push((own.user + own.system) / events);
      row.eventsPerWrite.push(events / (inserts - inserts0));
    }
  }
}
await connection.close();
await mongo.stop();
await rm(dataDir, { recursive: true, force: true });

const med = (values: number[], digits = 0) => round(median(values), digits);
console.log('| setting | writers | events/s | database CPU per event (µs) | writer CPU per event (µs) | events per insert |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, row] of Object.entries(rows)) {
  console.log(`| ${name.replace(/ @\d+$/, '')} | ${row.writers} | ${med(row.eventsPerSec)} | ${med(row.dbCpuUsPerEvent)} | ${med(row.ownCpuUsPerEvent)} | ${med(row.eventsPerWrite, 1)} |`);
}
log('done');
