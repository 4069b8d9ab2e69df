import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import mongoose from 'mongoose';
import type { RunningEmulator } from '@acs-identity-gateway/emulator';

export interface Agreement {
  liveAcsIdentities: number;
  activeMappings: number;
  /** Live ACS identities that no active mapping points at. */
  orphans: string[];
  /** Active mappings whose ACS identity is gone. */
  dangling: string[];
  /** Mappings still pending or deleting. */
  unfinished: number;
  /** App users with more than one mapping, or ACS ids mapped twice. */
  duplicates: number;
}

/** Compares the emulator's own state with the mapping collection, as an operator's audit would. */
export async function checkAgreement(emulator: RunningEmulator, mongoUri: string): Promise<Agreement> {
  const connection = await mongoose.createConnection(mongoUri).asPromise();
  try {
    const mappings = await connection.collection('identity_mappings').find({}).toArray();
    const active = mappings.filter((mapping) => mapping.state === 'active');
    const mappedIds = new Set(active.map((mapping) => String(mapping.acsId)));
    const live = emulator.listIdentities().filter((identity) => !identity.deleted);
    const liveIds = new Set(live.map((identity) => identity.id));
    const userKeys = mappings.map((mapping) => `${mapping.issuer}|${mapping.appUserId}`);
    return {
      liveAcsIdentities: live.length,
      activeMappings: active.length,
      orphans: [...liveIds].filter((id) => !mappedIds.has(id)),
      dangling: [...mappedIds].filter((id) => !liveIds.has(id)),
      unfinished: mappings.length - active.length,
      duplicates: userKeys.length - new Set(userKeys).size + (active.length - mappedIds.size),
    };
  } finally {
    await connection.close();
  }
}

const FIGURES_FILE = path.join('test-artifacts', 'consistency-figures.json');

/** Writes a scenario's figures down (test-artifacts/consistency-figures.json), next to the other runs' ones. */
export async function recordFigures(scenario: string, figures: Record<string, unknown>): Promise<void> {
  await mkdir(path.dirname(FIGURES_FILE), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await readFile(FIGURES_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // first scenario of the run
  }
  all[scenario] = { ...figures, recordedAt: new Date().toISOString() };
  await writeFile(FIGURES_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
