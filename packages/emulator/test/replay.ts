// Replays the real service's recorded sessions (test-proxy format) against the emulator and lists every
// difference that matters to a client: status, body keys, error code and target, content type, supported
// versions, token lifetime and the text form of date-times. Messages are compared separately.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawRequest, type RawResponse, type Target } from './helpers.js';

/** Named by the 2022 recordings, no longer by those of April 2025: the newer recording wins. */
const WITHDRAWN_VERSIONS = ['2021-02-22-preview1'];

export interface RecordedEntry {
  RequestUri: string;
  RequestMethod: string;
  RequestHeaders: Record<string, string>;
  RequestBody: unknown;
  StatusCode: number;
  ResponseHeaders: Record<string, string>;
  ResponseBody: unknown;
}

export interface Session {
  file: string;
  entries: RecordedEntry[];
}

export interface IndexFile {
  recordings: Array<{ file: string; entries: number; apiVersions: string[] }>;
}

export async function loadSessions(dir: string): Promise<{ index: IndexFile; sessions: Session[] }> {
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as IndexFile;
  const sessions = await Promise.all(
    index.recordings.map(async (r) => ({
      file: r.file,
      entries: (JSON.parse(await readFile(join(dir, r.file), 'utf8')) as { Entries: RecordedEntry[] }).Entries,
    })),
  );
  return { index, sessions };
}

/** What the emulator answered, and how it differs from the recording. */
export interface Outcome {
  file: string;
  entry: number;
  request: string;
  mismatches: string[];
  messageDifference?: { recorded: string; emulator: string };
  expiresOn: string[];
}

export interface ReplayRequest {
  method: string;
  path: string;
  body?: unknown;
}

/** Sends the request signed as the SDK signs it (HMAC-SHA256 over method, path, date, host and content hash). */
export async function replayEntry(
  emu: Target,
  file: string,
  index: number,
  recorded: RecordedEntry,
  request: ReplayRequest,
): Promise<{ outcome: Outcome; response: RawResponse }> {
  const response = await rawRequest(emu, { method: request.method, path: request.path, ...(request.body !== undefined ? { body: request.body } : {}) });
  const outcome: Outcome = { file, entry: index, request: `${request.method} ${request.path}`, mismatches: [], expiresOn: [] };
  compare(recorded, response, outcome);
  return { outcome, response };
}

export function compare(recorded: RecordedEntry, res: RawResponse, out: Outcome): void {
  const miss = (what: string) => out.mismatches.push(what);
  if (res.status !== recorded.StatusCode) miss(`status ${res.status}, recorded ${recorded.StatusCode}`);

  const recordedKeys = keyPaths(recorded.ResponseBody).join(' ');
  const emulatorKeys = keyPaths(res.body).join(' ');
  if (recordedKeys !== emulatorKeys) miss(`body keys [${emulatorKeys}], recorded [${recordedKeys}]`);

  const rError = (recorded.ResponseBody as { error?: { code?: string; message?: string; target?: string } } | null)?.error;
  const eError = (res.body as { error?: { code?: string; message?: string; target?: string } } | undefined)?.error;
  if (rError || eError) {
    if (rError?.code !== eError?.code) miss(`error code ${eError?.code}, recorded ${rError?.code}`);
    if (rError?.target !== eError?.target) miss(`error target ${eError?.target}, recorded ${rError?.target}`);
    if (rError?.message !== eError?.message) out.messageDifference = { recorded: String(rError?.message), emulator: String(eError?.message) };
  }

  const rType = header(recorded.ResponseHeaders, 'content-type');
  if (rType !== undefined && rType !== res.headers['content-type']) miss(`content-type ${String(res.headers['content-type'])}, recorded ${rType}`);
  // Present exactly where the recording has it, naming at least the recorded versions but those since withdrawn.
  const rVersions = header(recorded.ResponseHeaders, 'api-supported-versions');
  const eVersions = res.headers['api-supported-versions'];
  if ((rVersions === undefined) !== (eVersions === undefined)) {
    miss(`api-supported-versions ${eVersions === undefined ? 'absent' : 'present'}, recorded ${rVersions === undefined ? 'absent' : 'present'}`);
  } else if (rVersions !== undefined) {
    const served = String(eVersions).split(', ');
    const missing = rVersions.split(', ').filter((v) => !served.includes(v) && !WITHDRAWN_VERSIONS.includes(v));
    if (missing.length) miss(`api-supported-versions lacks ${missing.join(', ')}`);
  }

  for (const [path, value] of dateTimes(recorded.ResponseBody)) {
    const emulated = valueAt(res.body, path);
    if (typeof emulated !== 'string') {
      miss(`${path}: no date-time`);
      continue;
    }
    const [r, e] = [dateTimeForm(value), dateTimeForm(emulated)];
    if (!r.valid || !e.valid) miss(`${path}: '${emulated}' or recorded '${value}' is not the service's date-time form`);
    else if ((r.digits === 0) !== (e.digits === 0)) miss(`${path}: ${e.digits} fraction digits in '${emulated}', recorded ${r.digits} in '${value}'`);
    if (path.endsWith('expiresOn')) {
      out.expiresOn.push(emulated);
      const lifetime = (text: string, date: string | undefined) => (date ? Date.parse(text) - Date.parse(date) : NaN);
      const recordedLifetime = lifetime(value, header(recorded.ResponseHeaders, 'date'));
      const emulatorLifetime = lifetime(emulated, String(res.headers['date']));
      // Both Date headers have whole seconds, and the recorded one also carries the service's processing time.
      if (!(Math.abs(recordedLifetime - emulatorLifetime) <= 3000)) {
        miss(`${path}: lifetime ${(emulatorLifetime / 60_000).toFixed(2)} min, recorded ${(recordedLifetime / 60_000).toFixed(2)} min`);
      }
    }
  }
}

/** 2025-04-16T14:48:09.2343833+00:00: .NET's round-trip form, up to 7 digits, trailing zeros trimmed, +00:00. */
export function dateTimeForm(s: string): { valid: boolean; digits: number } {
  const m = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d{1,7}))?\+00:00$/.exec(s);
  const fraction = m?.[1] ?? '';
  return { valid: !!m && !fraction.endsWith('0'), digits: fraction.length };
}

function keyPaths(v: unknown, prefix = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [];
  return Object.entries(v)
    .flatMap(([k, child]) => [`${prefix}${k}`, ...keyPaths(child, `${prefix}${k}.`)])
    .sort();
}

function dateTimes(v: unknown, prefix = ''): Array<[string, string]> {
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, child]): Array<[string, string]> =>
    typeof child === 'string' && /^\d{4}-\d\d-\d\dT/.test(child) ? [[`${prefix}${k}`, child]] : dateTimes(child, `${prefix}${k}.`),
  );
}

function valueAt(v: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined), v);
}

function header(headers: Record<string, string>, name: string): string | undefined {
  return Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
}

export const keysOf = (v: unknown): string => keyPaths(v).join(' ');
