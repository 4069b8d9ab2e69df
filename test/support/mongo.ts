/**
 * Per-test-file databases on the suite's one MongoDB (started by jest globalSetup, see suiteMongo.ts).
 * Each call returns a new database name, so test files and repeated runs never share data.
 */
import { randomBytes } from 'node:crypto';

/** Env var through which globalSetup hands the base URI to the test workers. */
export const TEST_MONGODB_URI_ENV = 'TEST_MONGODB_URI';

export function testMongoBaseUri(): string {
  const base = process.env[TEST_MONGODB_URI_ENV];
  if (!base) {
    throw new Error(
      `${TEST_MONGODB_URI_ENV} is not set: run tests through \`npm test\` (jest globalSetup starts MongoDB), ` +
        'or set MONGODB_URI to a MongoDB you own.',
    );
  }
  return base;
}

/** A URI to a fresh database whose name starts with `name`, on the suite's MongoDB. */
export function uniqueDbUri(name: string, baseUri: string = testMongoBaseUri()): string {
  return withDatabase(baseUri, uniqueDbName(name));
}

/** `t_<name>_<random>`: only characters every MongoDB and FerretDB accept, within 63 bytes. */
export function uniqueDbName(name: string): string {
  const suffix = randomBytes(4).toString('hex');
  const safe = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'db';
  return `t_${safe}_${suffix}`;
}

/**
 * Puts `dbName` into a mongodb:// or mongodb+srv:// URI, replacing any database already there
 * and keeping the query string. Done by hand because WHATWG URL rejects multi-host URIs.
 * When the URI carries credentials without authSource, the driver would authenticate against
 * the database in the path, so the original one (or admin) is pinned as authSource.
 */
export function withDatabase(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/)([^/?#]*)(\/[^?#]*)?(\?[^#]*)?(#.*)?$/.exec(uri);
  if (!match) throw new Error(`Not a MongoDB connection string: ${uri.replace(/\/\/[^@/]*@/, '//***@')}`);
  const [, scheme = '', authority = '', path = '', query = '', fragment = ''] = match;
  const params = new URLSearchParams(query.slice(1));
  if (authority.includes('@') && !params.has('authSource')) {
    params.set('authSource', decodeURIComponent(path.slice(1)) || 'admin');
  }
  const qs = params.toString();
  return `${scheme}${authority}/${encodeURIComponent(dbName)}${qs ? `?${qs}` : ''}${fragment}`;
}
