import mongoose, { type Connection } from 'mongoose';
import { RevocationClock, TOKEN_REVOCATIONS } from '../../src/identity/tokens/revocationClock.js';
import { uniqueDbUri } from '../support/mongo.js';

// The clock a cache hit reads instead of the mapping, against the suite's real server, from two "instances".
describe('RevocationClock', () => {
  let uri: string;
  let a: Connection;
  let b: Connection;
  beforeAll(async () => {
    uri = uniqueDbUri('revocation_clock');
    a = await mongoose.createConnection(uri, { monitorCommands: true }).asPromise();
    b = await mongoose.createConnection(uri).asPromise();
  });
  afterAll(() => Promise.all([a.close(), b.close()]));

  it('shares one read between concurrent callers, and shows a move made elsewhere to every call begun after it', async () => {
    const here = new RevocationClock(a);
    const elsewhere = new RevocationClock(b);
    let reads = 0;
    a.getClient().on('commandStarted', (event) => {
      if (event.commandName === 'find' && event.command.find === TOKEN_REVOCATIONS) reads++;
    });
    const before = await here.now();
    reads = 0;
    const together = await Promise.all(Array.from({ length: 20 }, () => here.now()));
    expect(new Set(together)).toEqual(new Set([before]));
    expect(reads).toBe(1);

    await elsewhere.advance();
    const after = await here.now();
    expect(after).not.toBe(before);
    // A read under way when the clock moved is not reused by a call made after the move.
    const underWay = here.now();
    await elsewhere.advance();
    const later = await here.now();
    await underWay;
    expect(later).not.toBe(after);
    expect(later).toBe(await elsewhere.now());
  });

  it('never shows a value again once it moved, even when two moves race', async () => {
    const clocks = [new RevocationClock(a), new RevocationClock(b)];
    const seen = new Set<string>([await clocks[0]!.now()]);
    for (let i = 0; i < 5; i++) {
      await Promise.all(clocks.map((clock) => clock.advance()));
      const value = await clocks[i % 2]!.now();
      expect(seen.has(value)).toBe(false);
      seen.add(value);
    }
  });
});
