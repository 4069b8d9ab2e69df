import mongoose, { type Connection } from 'mongoose';
import { watchMonitors, type MonitorWatchdog } from '../../src/db/monitorWatchdog.js';
import { uniqueDbUri } from '../support/mongo.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The driver's monitor for the one server, reached through internals: only to put it in the state a restart leaves it in. */
interface DriverMonitor {
  connection: { socket: { destroy(): void } } | null;
  requestCheck(): void;
}
function monitorOf(connection: Connection): DriverMonitor {
  const topology = (connection.getClient() as unknown as { topology: { s: { servers: Map<string, { monitor: DriverMonitor }> } } }).topology;
  return [...topology.s.servers.values()][0]!.monitor;
}

/**
 * What a server closing its connections does, made deterministic: the monitor's socket is destroyed and, before the
 * driver handles its 'close' (a later loop turn), something asks the monitor for a check, as a failed operation does.
 */
async function stallTheMonitor(connection: Connection): Promise<void> {
  const monitor = monitorOf(connection);
  for (let i = 0; i < 50 && !monitor.connection; i += 1) await sleep(50);
  await sleep(600); // past the driver's minimum interval between checks, so the request runs at once
  monitor.connection!.socket.destroy();
  monitor.requestCheck();
}

/** Records when heartbeats start and finish, to tell a stalled check from a quick one. */
function heartbeats(connection: Connection) {
  const events: Array<{ kind: 'started' | 'finished'; at: number }> = [];
  const client = connection.getClient();
  client.on('serverHeartbeatStarted', () => events.push({ kind: 'started', at: performance.now() }));
  client.on('serverHeartbeatSucceeded', () => events.push({ kind: 'finished', at: performance.now() }));
  client.on('serverHeartbeatFailed', () => events.push({ kind: 'finished', at: performance.now() }));
  return events;
}

describe('a stalled MongoDB server monitor', () => {
  let connection: Connection;
  let watchdog: MonitorWatchdog | undefined;
  beforeEach(async () => {
    // Polling, as FerretDB always is: on a mongod the driver would stream, and the stall takes another path there.
    connection = await mongoose
      .createConnection(uniqueDbUri('monitor_watchdog'), { serverSelectionTimeoutMS: 1000, serverMonitoringMode: 'poll' })
      .asPromise();
  });
  afterEach(async () => {
    watchdog?.stop();
    watchdog = undefined;
    await connection.close();
  });

  it('is a driver bug: without the watchdog, the check never finishes', async () => {
    const events = heartbeats(connection);
    await stallTheMonitor(connection);
    await sleep(2000);
    // If this starts failing, the driver has fixed it and the watchdog may go (see src/db/monitorWatchdog.ts).
    expect(events.at(-1)?.kind).toBe('started');
    expect(performance.now() - events.at(-1)!.at).toBeGreaterThan(1900);
  });

  it('is noticed and the client reconnected, with the same models working and fresh checks running', async () => {
    const restarts: Array<{ stalledMs: number; error?: unknown }> = [];
    watchdog = watchMonitors(connection.getClient(), { stallAfterMs: 800, checkEveryMs: 100, onRestart: (event) => restarts.push(event) });
    const Probe = connection.model('Probe', new mongoose.Schema({ _id: String, n: Number }));
    await Probe.create({ _id: 'before', n: 1 });

    const events = heartbeats(connection);
    await stallTheMonitor(connection);
    const stalledAt = performance.now();
    for (let waited = 0; waited < 5000 && watchdog.restarts === 0; waited += 50) await sleep(50);

    expect(watchdog.restarts).toBe(1);
    expect(restarts).toEqual([{ address: expect.stringMatching(/:\d+$/), stalledMs: expect.any(Number) }]);
    expect(restarts[0]!.stalledMs).toBeGreaterThanOrEqual(800);
    await Probe.create({ _id: 'after', n: 2 });
    expect(await Probe.findById('before').lean()).toMatchObject({ n: 1 });
    expect(await Probe.countDocuments()).toBe(2);
    // The stalled check never finishes, so a check finished since is the new topology's monitor at work.
    expect(events.some((event) => event.kind === 'finished' && event.at > stalledAt)).toBe(true);
  });

  it('leaves a healthy client alone', async () => {
    watchdog = watchMonitors(connection.getClient(), { stallAfterMs: 300, checkEveryMs: 50 });
    const Probe = connection.model('Probe', new mongoose.Schema({ _id: String }));
    for (let i = 0; i < 20; i += 1) {
      await Probe.create({ _id: `healthy-${i}` });
      await sleep(50);
    }
    expect(watchdog.restarts).toBe(0);
  });
});
