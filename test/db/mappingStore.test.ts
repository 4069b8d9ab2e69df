import mongoose, { type Connection } from 'mongoose';
import { isFerretDb } from '../../src/bootstrap/database.js';
import { identityMappingModel, type IdentityMapping } from '../../src/identity/mapping/identityMappingModel.js';
import { MappingStore } from '../../src/identity/mapping/mappingStore.js';
import { uniqueDbUri } from '../support/mongo.js';

// Both ways a conditional write can reach the database, against the suite's real server: the state in the
// update's filter (MongoDB, atomic) and the state tested in code between an `_id` read and an `_id` write (FerretDB).
describe.each([
  ['in the update filter', false],
  ['in code, between _id operations', true],
])('MappingStore state transitions, state checked %s', (_how, stateCheckedInCode) => {
  let connection: Connection;
  let store: MappingStore;
  const user = (appUserId: string) => ({ issuer: 'https://issuer.test/', appUserId });

  beforeAll(async () => {
    connection = await mongoose.createConnection(uniqueDbUri(`mapping_store_${stateCheckedInCode}`)).asPromise();
    const model = identityMappingModel(connection);
    await model.createIndexes();
    store = new MappingStore(model, { acsResource: 'test-resource', pendingWaitMs: 1000, stateCheckedInCode });
  });
  afterAll(() => connection.close());

  it('activates only its own reservation, once', async () => {
    const alice = user('alice');
    const reservation = await store.reserve(alice);
    expect(reservation.reserved).toBe(true);
    const reservationId = (reservation as { reservationId: string }).reservationId;

    expect(await store.activate(alice, 'someone-else', '8:acs:r_alice')).toBeNull();
    expect(await store.activate(alice, reservationId, '8:acs:r_alice')).toMatchObject({ state: 'active', acsId: '8:acs:r_alice' });
    expect((await store.find(alice))?.reservationId).toBeUndefined();
    expect(await store.activate(alice, reservationId, '8:acs:r_other')).toBeNull();
    expect((await store.find(alice))?.acsId).toBe('8:acs:r_alice');
  });

  it('releases and abandons only its own pending reservation; a take-over claims only an abandoned one', async () => {
    const bob = user('bob');
    const { reservationId } = (await store.reserve(bob)) as { reservationId: string };
    await store.release(bob, 'someone-else');
    expect(await store.find(bob)).toMatchObject({ state: 'pending', reservationId });

    const pending = (await store.find(bob))!;
    expect(await store.takeOver(pending)).toBeNull(); // still owned
    await store.abandon(bob, reservationId);
    const abandoned = (await store.find(bob))!;
    expect(abandoned.reservationId).toBeUndefined();
    const takenOver = await store.takeOver(abandoned);
    expect(takenOver).toEqual(expect.any(String));
    expect(await store.takeOver(abandoned)).toBeNull(); // a second take-over loses

    await store.release(bob, takenOver!);
    expect(await store.find(bob)).toBeNull();
  });

  it('records a revoke only on an active mapping, and removes only a deleting one', async () => {
    const carol = user('carol');
    const reservation = await store.reserve(carol);
    if (!reservation.reserved) throw new Error('carol was already reserved');
    const { reservationId, mapping } = reservation;
    const revokedAt = new Date();
    expect(await store.markRevoked(mapping, revokedAt)).toBeNull(); // pending
    const active = (await store.activate(carol, reservationId, '8:acs:r_carol'))!;
    expect((await store.markRevoked(active, revokedAt))?.tokensRevokedAt).toEqual(revokedAt);

    await store.remove(active); // not deleting: stays
    expect(await store.find(carol)).toMatchObject({ state: 'active' });
    const deleting = (await store.markDeleting(active))!;
    expect(deleting.state).toBe('deleting');
    expect(await store.markDeleting(deleting)).toMatchObject({ state: 'deleting' }); // a retried delete goes on
    expect(await store.markRevoked(deleting, new Date())).toBeNull();
    expect(await store.remove(deleting)).toBe(true);
    expect(await store.find(carol)).toBeNull();
    expect(await store.markDeleting(deleting)).toBeNull();
    expect(await store.remove(deleting)).toBe(false);
  });

  it('lists stale pending and deleting mappings, and settles one only if nobody touched it since', async () => {
    const [dave, erin, frank] = [user('dave'), user('erin'), user('frank')];
    const daveReservation = (await store.reserve(dave)) as { reservationId: string };
    await store.reserve(erin);
    await store.abandon(erin, ((await store.find(erin))!.reservationId)!);
    const frankReservation = (await store.reserve(frank)) as { reservationId: string };
    const frankActive = (await store.activate(frank, frankReservation.reservationId, '8:acs:r_frank'))!;
    await store.markDeleting(frankActive);

    const stale: IdentityMapping[] = [];
    for await (const mapping of store.stale(new Date(Date.now() + 1000))) stale.push(mapping);
    const mine = stale.filter((m) => ['dave', 'erin', 'frank'].includes(m.appUserId));
    expect(mine.map((m) => [m.appUserId, m.state])).toEqual([
      ['dave', 'pending'],
      ['erin', 'pending'],
      ['frank', 'deleting'],
    ]);
    for await (const mapping of store.stale(new Date(0))) throw new Error(`nothing is older than 1970: ${mapping.appUserId}`);

    const [daveStale, erinStale] = mine;
    await store.abandon(dave, daveReservation.reservationId); // reservation changed since it was listed
    expect(await store.completeStale(daveStale!, '8:acs:r_dave')).toBe(false);
    expect(await store.discardStale(daveStale!)).toBe(false);
    expect(await store.find(dave)).toMatchObject({ state: 'pending' });

    expect(await store.completeStale(erinStale!, '8:acs:r_erin')).toBe(true);
    expect(await store.find(erin)).toMatchObject({ state: 'active', acsId: '8:acs:r_erin' });
    expect((await store.find(erin))?.reservationId).toBeUndefined();
    expect(await store.discardStale(erinStale!)).toBe(false); // active now

    const daveNow = (await store.find(dave))!;
    expect(await store.discardStale(daveNow)).toBe(true);
    expect(await store.find(dave)).toBeNull();
  });
});

describe('isFerretDb', () => {
  it('tells the suite\'s server apart: true on the embedded FerretDB, false on a mongod', async () => {
    const kind = process.env.TEST_MONGODB_KIND;
    const connection = await mongoose.createConnection(uniqueDbUri('is_ferretdb')).asPromise();
    try {
      if (kind === 'ferretdb') expect(await isFerretDb(connection)).toBe(true);
      else if (kind === 'mongodb-memory-server') expect(await isFerretDb(connection)).toBe(false);
      else expect(typeof (await isFerretDb(connection))).toBe('boolean'); // an external server of either kind
    } finally {
      await connection.close();
    }
  });
});
