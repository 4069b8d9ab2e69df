/**
 * Node's on-disk compile cache (NODE_COMPILE_CACHE, or a directory under the OS temp dir): after the first start,
 * modules load from cached bytecode instead of being parsed again, which took most of the gateway's start time.
 * Imported first by main.ts; NODE_DISABLE_COMPILE_CACHE=1 turns it off. An unwritable directory only skips it.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
