import { ensureFerretDbBinary } from '../embeddedMongo/index.js';

/** Builds the embedded MongoDB (FerretDB) ahead of time, so the first start or test run does not wait for it. */
const binary = await ensureFerretDbBinary((message) => console.log(message));
console.log(`Embedded MongoDB ready: ${binary}`);
