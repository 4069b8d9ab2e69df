import type { Connection } from 'mongoose';

/**
 * What the connected server does differently from MongoDB, asked once at start. This is the one place that tells
 * servers apart: everything else takes the traits as plain options, and the tests run each option both ways.
 */
export interface DatabaseTraits {
  /**
   * The server runs an update or upsert that has a filter as a read then a separate write, and evaluates any filter
   * on more than `_id` by reading the whole collection. FerretDB v1 (the embedded development database, on
   * SQLite) does: it pushes down to SQLite only a filter that is exactly `{ _id }`. MongoDB's filtered updates
   * are atomic and use the indexes. It decides MappingStoreOptions.stateCheckedInCode and
   * RateLimitOptions.oneConsumePerKey.
   */
  readModifyWriteUpdates: boolean;
}

/** MongoDB's own traits: what production runs on, and what tests ask for to run MongoDB's path on any server. */
export const MONGODB_TRAITS: DatabaseTraits = { readModifyWriteUpdates: false };

/** FerretDB answers buildInfo with its own version next to the MongoDB one it emulates. */
export async function isFerretDb(connection: Connection): Promise<boolean> {
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info;
}

export async function databaseTraits(connection: Connection): Promise<DatabaseTraits> {
  return (await isFerretDb(connection)) ? { readModifyWriteUpdates: true } : MONGODB_TRAITS;
}
