import type { AcsIdentityClient } from '../../acs/acsIdentityClient.js';
import { ErrorCode, GatewayError } from '../../errors.js';
import { customIdFor } from '../appUser.js';
import type { IdentityMapping } from '../mapping/identityMappingModel.js';
import type { MappingStore } from '../mapping/mappingStore.js';
import type { TokenSource } from '../tokens/tokenSource.js';

export interface ReconcileSummary {
  examined: number;
  /** Stale pending mappings finished: the identity was found again (or made) through its customId. */
  completed: number;
  /** Stale pending mappings removed: without customId the half-made identity cannot be found. */
  rolledBack: number;
  /**
   * Of `completed`: users whose customId ACS holds several identities for (MultipleIdentitiesForCustomId), given a
   * fresh identity without customId, since ACS can no longer say which of the others is theirs.
   */
  conflictsSettled: number;
  /** Stale deleting mappings finished: ACS identity deleted (or already gone), mapping removed. */
  deleted: number;
  failed: number;
  durationMs: number;
}

export interface ReconcilerOptions {
  /** A mapping pending or deleting for longer than this is taken to be abandoned by a crashed or failed request. */
  staleAfterMs: number;
  /** Told of each finished deletion, so no cached token of the user outlives it. */
  tokens: TokenSource;
}

/** Finishes or undoes what a crash or fault left half done between ACS and MongoDB. */
export class Reconciler {
  constructor(
    private readonly mappings: MappingStore,
    private readonly acs: AcsIdentityClient,
    private readonly options: ReconcilerOptions,
  ) {}

  /** `onProgress` hears a running summary every 50 mappings. */
  async runOnce(onProgress?: (summary: ReconcileSummary) => void): Promise<ReconcileSummary> {
    const started = Date.now();
    const summary: ReconcileSummary = { examined: 0, completed: 0, rolledBack: 0, conflictsSettled: 0, deleted: 0, failed: 0, durationMs: 0 };
    const staleBefore = new Date(started - this.options.staleAfterMs);
    for await (const mapping of this.mappings.stale(staleBefore)) {
      summary.examined += 1;
      try {
        const outcome = mapping.state === 'pending' ? await this.settlePending(mapping) : await this.finishDeletion(mapping);
        if (outcome === 'conflictSettled') {
          summary.completed += 1;
          summary.conflictsSettled += 1;
        } else if (outcome) summary[outcome] += 1;
      } catch {
        summary.failed += 1;
      }
      if (summary.examined % 50 === 0) onProgress?.({ ...summary, durationMs: Date.now() - started });
    }
    summary.durationMs = Date.now() - started;
    return summary;
  }

  private async settlePending(mapping: IdentityMapping): Promise<'completed' | 'rolledBack' | 'conflictSettled' | null> {
    let acsId: string | null;
    try {
      acsId = await this.acs.recoverByCustomId(customIdFor(mapping));
    } catch (error) {
      if (!(error instanceof GatewayError && error.code === ErrorCode.IDENTITY_CONFLICT)) throw error;
      // ACS refuses every creation with this customId from now on: the user gets an identity without one.
      const fresh = await this.acs.createUser();
      if (await this.mappings.completeStale(mapping, fresh)) return 'conflictSettled';
      await this.acs.deleteUser(fresh);
      return null;
    }
    if (acsId === null) return (await this.mappings.discardStale(mapping)) ? 'rolledBack' : null;
    return (await this.mappings.completeStale(mapping, acsId)) ? 'completed' : null;
  }

  private async finishDeletion(mapping: IdentityMapping): Promise<'deleted' | null> {
    if (mapping.acsId) await this.acs.deleteUser(mapping.acsId);
    await this.options.tokens.forget(mapping);
    return (await this.mappings.remove(mapping)) ? 'deleted' : null;
  }
}
