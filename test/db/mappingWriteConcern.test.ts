import mongoose, { type Connection } from 'mongoose';
import { identityMappingModel } from '../../src/identity/mapping/identityMappingModel.js';
import { MappingStore } from '../../src/identity/mapping/mappingStore.js';
import { uniqueDbUri } from '../support/mongo.js';

const WRITES = new Set(['insert', 'update', 'findAndModify', 'delete']);

// Watched on the wire, against the suite's real server: what each mapping write asks of the replica set.
describe.each([
  ['in the update filter', false],
  ['in code, between _id operations', true],
])('mapping writes, state checked %s', (_how, stateCheckedInCode) => {
  let connection: Connection;
  let store: MappingStore;
  const sent: Array<{ command: string; writeConcern: unknown }> = [];

  beforeAll(async () => {
    connection = await mongoose.createConnection(uniqueDbUri(`mapping_write_concern_${stateCheckedInCode}`), { monitorCommands: true }).asPromise();
    connection.getClient().on('commandStarted', (event) => {
      if (WRITES.has(event.commandName) && event.command[event.commandName] === 'identity_mappings') {
        sent.push({ command: event.commandName, writeConcern: event.command.writeConcern });
      }
    });
    const model = identityMappingModel(connection);
    await model.createIndexes();
    store = new MappingStore(model, { acsResource: 'test-resource', pendingWaitMs: 1000, stateCheckedInCode });
  });
  afterAll(() => connection.close());

  it('ask for majority acknowledgement, and the server accepts it', async () => {
    const user = { issuer: 'https://issuer.test/', appUserId: 'carol' };
    const { reservationId } = (await store.reserve(user)) as { reservationId: string };
    const active = await store.activate(user, reservationId, '8:acs:r_carol');
    expect(active).toMatchObject({ state: 'active' });
    expect(await store.markRevoked(active!, new Date())).not.toBeNull();
    const deleting = await store.markDeleting(active!);
    expect(deleting).toMatchObject({ state: 'deleting' });
    expect(await store.remove(deleting!)).toBe(true);

    expect(sent.map((write) => write.command)).toEqual(['insert', 'findAndModify', 'findAndModify', 'findAndModify', 'delete']);
    for (const write of sent) expect(write.writeConcern).toEqual({ w: 'majority', wtimeout: 5000 });
  });
});
