/** Where progress and warnings go; the gateway passes its logger, tests pass console.log or nothing. */
export type EmbeddedLog = (msg: string) => void;

/** A MongoDB-compatible server this process started and must stop. */
export interface EmbeddedMongo {
  /** Base connection string without a database name, e.g. `mongodb://127.0.0.1:41234/`. */
  uri: string;
  kind: 'mongodb-memory-server' | 'ferretdb';
  /** Process id of the server, when it is a child process we spawned (FerretDB). */
  readonly pid?: number;
  /** Stops the server; safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartEmbeddedMongoOptions {
  /** Persistent data lives in `<dataDir>/ferretdb` or `<dataDir>/mongod`, so data survives restarts. */
  dataDir: string;
  log?: EmbeddedLog;
  /**
   * Default true: try mongodb-memory-server first (it is a real mongod) and FerretDB second.
   * False: FerretDB first, so a run does not depend on what happens to be cached on the machine.
   */
  preferMemoryServer?: boolean;
}
