// Shared vocabulary: imports nothing of the gateway, so config/ and the domain can both speak it.
/** Microsoft Entra object, tenant and application ids are GUIDs. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: unknown): value is string => typeof value === 'string' && GUID.test(value);

/** Entra writes GUIDs in lower case; compared in one case, an upper-case copy cannot pose as another id. */
export const normalizeGuid = (value: string): string => value.toLowerCase();
