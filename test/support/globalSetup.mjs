// Plain ESM on purpose: jest compiles a .ts globalSetup to CommonJS without moduleNameMapper,
// which breaks NodeNext `.js` imports and import.meta. tsx loads the TypeScript instead.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startSuiteMongo } = await tsImport('./suiteMongo.ts', import.meta.url);
  await startSuiteMongo();
}
