import type { EmbeddedMongo } from '../../src/local/embeddedMongo/index.js';

/**
 * globalSetup and globalTeardown run in jest's parent process but may be loaded as separate
 * module instances, so the handle lives on globalThis (which jest documents as shared by them).
 */
interface SuiteState {
  mongo: EmbeddedMongo;
  dataDir: string;
}

const KEY = Symbol.for('acs-identity-gateway.test.suiteState');
type Holder = { [KEY]?: SuiteState };

export const suiteState = {
  set(state: SuiteState): void {
    (globalThis as Holder)[KEY] = state;
  },
  take(): SuiteState | undefined {
    const state = (globalThis as Holder)[KEY];
    delete (globalThis as Holder)[KEY];
    return state;
  },
};
