// Who may exchange an Entra token: Teams-extension assignments (per tenant and object id) and Entra
// assignments (per object id: a user, a group or a whole tenant). Deleting one revokes the ACS tokens
// issued through it, as the spec's pull request says ("existing tokens would be revoked").

export const TEAMS_EXTENSION_PRINCIPAL_TYPES = ['user', 'resourceAccount', 'teamsResourceAccount'] as const;
export type TeamsExtensionPrincipalType = (typeof TEAMS_EXTENSION_PRINCIPAL_TYPES)[number];
export const ENTRA_PRINCIPAL_TYPES = ['user', 'group', 'tenant'] as const;
export type EntraPrincipalType = (typeof ENTRA_PRINCIPAL_TYPES)[number];

export interface TeamsExtensionAssignment {
  objectId: string;
  tenantId: string;
  principalType: TeamsExtensionPrincipalType;
  clientIds?: string[];
}

export interface EntraAssignment {
  objectId: string;
  tenantId: string;
  principalType: EntraPrincipalType;
  clientIds: string[];
}

export interface AssignmentState {
  teamsExtension: TeamsExtensionAssignment[];
  entra: EntraAssignment[];
  /** Assignment key → when it was last deleted (ms). */
  revokedAtMs: Record<string, number>;
}

/** What an issued token remembers, so introspection can tell whether its assignment still stands. */
export type AssignmentKey = `teamsExtension:${string}/${string}` | `entra:${string}`;

export const teamsExtensionKey = (tenantId: string, objectId: string): AssignmentKey =>
  `teamsExtension:${tenantId.toLowerCase()}/${objectId.toLowerCase()}`;
export const entraKey = (objectId: string): AssignmentKey => `entra:${objectId.toLowerCase()}`;

export class Assignments {
  private readonly teams = new Map<AssignmentKey, TeamsExtensionAssignment>();
  private readonly entra = new Map<AssignmentKey, EntraAssignment>();
  private readonly revoked = new Map<string, number>();

  constructor(private readonly changed: () => void = () => {}) {}

  restore(state: Partial<AssignmentState> | undefined): void {
    for (const a of state?.teamsExtension ?? []) this.teams.set(teamsExtensionKey(a.tenantId, a.objectId), a);
    for (const a of state?.entra ?? []) this.entra.set(entraKey(a.objectId), a);
    for (const [key, at] of Object.entries(state?.revokedAtMs ?? {})) this.revoked.set(key, at);
  }

  snapshot(): AssignmentState {
    return {
      teamsExtension: [...this.teams.values()],
      entra: [...this.entra.values()],
      revokedAtMs: Object.fromEntries(this.revoked),
    };
  }

  getTeamsExtension(tenantId: string, objectId: string): TeamsExtensionAssignment | undefined {
    return this.teams.get(teamsExtensionKey(tenantId, objectId));
  }

  /** Creates or replaces; true when it was created. */
  putTeamsExtension(a: TeamsExtensionAssignment): boolean {
    const key = teamsExtensionKey(a.tenantId, a.objectId);
    const created = !this.teams.has(key);
    this.teams.set(key, a);
    this.changed();
    return created;
  }

  deleteTeamsExtension(tenantId: string, objectId: string, nowMs = Date.now()): void {
    this.remove(this.teams, teamsExtensionKey(tenantId, objectId), nowMs);
  }

  getEntra(objectId: string): EntraAssignment | undefined {
    return this.entra.get(entraKey(objectId));
  }

  listEntra(): EntraAssignment[] {
    return [...this.entra.values()];
  }

  putEntra(a: EntraAssignment): boolean {
    const key = entraKey(a.objectId);
    const created = !this.entra.has(key);
    this.entra.set(key, a);
    this.changed();
    return created;
  }

  deleteEntra(objectId: string, nowMs = Date.now()): void {
    this.remove(this.entra, entraKey(objectId), nowMs);
  }

  /** The Entra assignment that lets this user in: their own, one of their groups', or their tenant's. */
  entraFor(tenantId: string, userId: string, groups: readonly string[]): { key: AssignmentKey; assignment: EntraAssignment } | undefined {
    const tid = tenantId.toLowerCase();
    const candidates: Array<[string, EntraPrincipalType]> = [
      [userId, 'user'],
      ...groups.map((g): [string, EntraPrincipalType] => [g, 'group']),
      [tenantId, 'tenant'],
    ];
    for (const [objectId, type] of candidates) {
      const key = entraKey(objectId);
      const a = this.entra.get(key);
      if (a && a.principalType === type && a.tenantId.toLowerCase() === tid) return { key, assignment: a };
    }
    return undefined;
  }

  /** Whether a token issued at `issuedAtMs` through `key` still stands. */
  standing(key: string, issuedAtMs: number): 'active' | 'unassigned' | 'revoked' {
    const exists = this.teams.has(key as AssignmentKey) || this.entra.has(key as AssignmentKey);
    if (!exists) return 'unassigned';
    const revokedAt = this.revoked.get(key);
    return revokedAt !== undefined && issuedAtMs <= revokedAt ? 'revoked' : 'active';
  }

  private remove(map: Map<AssignmentKey, unknown>, key: AssignmentKey, nowMs: number): void {
    if (!map.delete(key)) return;
    this.revoked.set(key, nowMs);
    this.changed();
  }
}
