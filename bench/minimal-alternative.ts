// The "minimal alternative" the gateway is compared with: what the Microsoft samples do, and nothing more.
// GET /token/<appUserId> looks up the active mapping in the same MongoDB collection the gateway uses, calls the
// SDK's getToken and returns JSON. No authentication, no validation, no rate limiting, no audit.
// Env: MONGODB_URI (with database), COMMUNICATION_SERVICES_CONNECTION_STRING, ISSUER, PORT (0 = any).
// Prints `{"url":"http://127.0.0.1:<port>"}` on stdout when listening.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { CommunicationIdentityClient } from '@azure/communication-identity';

const { MONGODB_URI, COMMUNICATION_SERVICES_CONNECTION_STRING, ISSUER, PORT } = process.env;
if (!MONGODB_URI || !COMMUNICATION_SERVICES_CONNECTION_STRING || !ISSUER) {
  throw new Error('MONGODB_URI, COMMUNICATION_SERVICES_CONNECTION_STRING and ISSUER are required');
}

const mongo = new mongoose.mongo.MongoClient(MONGODB_URI);
await mongo.connect();
const mappings = mongo.db().collection<{ issuer: string; appUserId: string; acsId: string; state: string }>('identity_mappings');
const identity = new CommunicationIdentityClient(COMMUNICATION_SERVICES_CONNECTION_STRING, { allowInsecureConnection: true });

const server = createServer((req, res) => {
  const match = /^\/token\/([^/?]+)/.exec(req.url ?? '');
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  const appUserId = decodeURIComponent(match[1]!);
  void (async () => {
    try {
      // By _id alone, as the gateway itself looks mappings up: FerretDB v1 scans for any other filter, even _id plus state.
      const mapping = await mappings.findOne({ _id: JSON.stringify([ISSUER, appUserId]) as never });
      if (mapping?.state !== 'active') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      const token = await identity.getToken({ communicationUserId: mapping.acsId }, ['chat', 'voip']);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ acsId: mapping.acsId, token: token.token, expiresOn: token.expiresOn }));
    } catch (error) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
    }
  })();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void mongo.close().then(() => process.exit(0));
});
