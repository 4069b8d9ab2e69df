// See globalSetup.mjs for why this is plain ESM.
import { tsImport } from 'tsx/esm/api';

export default async function globalTeardown() {
  const { stopSuiteMongo } = await tsImport('./suiteMongo.ts', import.meta.url);
  await stopSuiteMongo();
}
