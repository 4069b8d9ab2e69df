import type { AcsIdentityClient, AcsToken } from '../acs/acsIdentityClient.js';
import type { ScopeName } from '../vocabulary/scopes.js';
import type { Caller } from '../auth/caller.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { ScopePolicy } from '../config/config.js';
import { maySee, requireCaller, tokenGrant } from './accessPolicy.js';
import { customIdFor, type AppUserRef } from './appUser.js';
import type { IdentityMapping } from './mapping/identityMappingModel.js';
import { identityNotFound, type MappingStore } from './mapping/mappingStore.js';
import type { TokenSource } from './tokens/tokenSource.js';
import { validateTokenRequest, type TokenRequest, type TokenRequestRules } from './tokenRequest.js';
import { toTokenView, toView, type IdentityView, type IssuedToken } from './views.js';
import type { CreateUserAndTokenPayload, CreateUserPayload, DeleteUserPayload, RevokeTokensPayload } from '../graphql/identity/payloads.js';

export interface TokenArgs {
  scopes: ScopeName[];
  expiresInMinutes?: number | null;
  /** Bypass the token cache. */
  forceRefresh?: boolean | null;
}

/**
 * The rules of the trusted token service. Resolvers only delegate here, with the app user the access policy
 * decided for the operation (its @Policy, enforced by graphql/policy/enforcePolicies.ts).
 */
export class IdentityService {
  constructor(
    private readonly acs: AcsIdentityClient,
    private readonly mappings: MappingStore,
    private readonly tokens: TokenSource,
    private readonly tokenRules: TokenRequestRules,
    private readonly scopePolicy: ScopePolicy | null = null,
  ) {}

  async find(user: AppUserRef): Promise<IdentityView | null> {
    const mapping = await this.mappings.find(user);
    return mapping?.state === 'active' ? toView(mapping) : null;
  }

  /**
   * `User.communicationIdentity` for a supergraph: visible to the user themself and to admins, as for
   * `communicationIdentity`, except that anyone else gets null rather than FORBIDDEN, so the rest of a joined
   * `User` still resolves.
   */
  async identityOfUser(caller: Caller | null, appUserId: string): Promise<IdentityView | null> {
    const self = requireCaller(caller);
    const user = { issuer: self.issuer, appUserId };
    return maySee(self, user) ? this.find(user) : null;
  }

  /** Resolves a `CommunicationIdentity` entity reference by its ACS id: null for anyone who may not see it, as if it did not exist. */
  async identityByAcsId(caller: Caller | null, acsId: string): Promise<IdentityView | null> {
    const self = requireCaller(caller);
    const mapping = await this.mappings.findByAcsId(acsId);
    return mapping?.state === 'active' && maySee(self, mapping) ? toView(mapping) : null;
  }

  /** Idempotent: one app user has exactly one ACS identity, however many calls race. */
  async createUser(user: AppUserRef): Promise<CreateUserPayload> {
    const { mapping, created } = await this.ensureIdentity(user, async () => ({ id: await this.acs.createUser(customIdFor(user)) }));
    return { identity: toView(mapping), created };
  }

  /** `caller` is who asks (their roles, in SCOPE_POLICY), `user` whom the access policy let them act on. */
  issueToken(user: AppUserRef, args: TokenArgs, caller: Caller): Promise<IssuedToken> {
    return this.tokens.issue(user, this.validate(args, caller, user), { forceRefresh: args.forceRefresh === true });
  }

  async createUserAndToken(user: AppUserRef, args: TokenArgs, caller: Caller): Promise<CreateUserAndTokenPayload> {
    const request = this.validate(args, caller, user);
    let issued: AcsToken | undefined;
    const { mapping, created } = await this.ensureIdentity(user, async () => {
      const result = await this.acs.createUserAndToken(request.acsScopes, request.expiresInMinutes, customIdFor(user));
      issued = result;
      return result;
    });
    const token = issued ?? (await this.acs.getToken(mapping.acsId!, request.acsScopes, request.expiresInMinutes));
    return { identity: toView(mapping), accessToken: toTokenView(token, request), created };
  }

  async revokeTokens(user: AppUserRef): Promise<RevokeTokensPayload> {
    const mapping = await this.mappings.requireActive(user);
    await this.acs.revokeTokens(mapping.acsId);
    const revokedAt = new Date();
    // The mapping first: from then on no instance serves a cached token issued before the revoke.
    const updated = (await this.mappings.markRevoked(mapping, revokedAt)) ?? { ...mapping, tokensRevokedAt: revokedAt };
    await this.tokens.forget(user);
    return { identity: toView(updated), revokedAt };
  }

  /** Deletes the ACS identity first, then the mapping: a failure in between leaves a `deleting` mapping to retry. */
  async deleteUser(user: AppUserRef): Promise<DeleteUserPayload> {
    const existing = await this.mappings.find(user);
    if (!existing || existing.state === 'pending') throw identityNotFound(user);
    this.mappings.assertSameResource(existing);
    const deleting = await this.mappings.markDeleting(existing);
    if (!deleting) throw identityNotFound(user);
    await this.tokens.forget(user);
    await this.acs.deleteUser(deleting.acsId!);
    await this.mappings.remove(deleting);
    return { appUserId: user.appUserId, deletedIdentityId: deleting.acsId! };
  }

  private validate(args: TokenArgs, caller: Caller, user: AppUserRef): TokenRequest {
    return validateTokenRequest(args.scopes, args.expiresInMinutes, this.tokenRules, tokenGrant(caller, user, this.scopePolicy));
  }

  /**
   * Returns the user's active mapping, creating the ACS identity only when this call reserved the app user.
   * A failed creation releases the reservation, so the next call starts clean.
   */
  private async ensureIdentity(
    user: AppUserRef,
    createInAcs: () => Promise<{ id: string }>,
  ): Promise<{ mapping: IdentityMapping; created: boolean }> {
    for (;;) {
      const reservation = await this.mappings.reserve(user);
      let reservationId: string;
      if (reservation.reserved) {
        reservationId = reservation.reservationId;
      } else {
        const settled = await this.mappings.waitUntilSettled(user, reservation.mapping);
        if (!settled) continue; // it was deleted meanwhile: reserve again
        if (settled.state === 'active') {
          this.mappings.assertSameResource(settled);
          return { mapping: settled, created: false };
        }
        // An abandoned creation: take it over and retry it with the same customId.
        const takenOver = await this.mappings.takeOver(settled);
        if (!takenOver) continue;
        reservationId = takenOver;
      }
      let acsId: string;
      try {
        ({ id: acsId } = await createInAcs());
      } catch (error) {
        // With customId, ACS may hold the identity after all (a timeout): keep the mapping for a retry or the
        // reconciler to finish. Without it, nothing could find that identity again, so start clean.
        if (this.acs.usesCustomId) await this.mappings.abandon(user, reservationId);
        else await this.mappings.release(user, reservationId);
        throw error;
      }
      let active: IdentityMapping | null;
      try {
        active = await this.mappings.activate(user, reservationId, acsId);
      } catch (error) {
        // MongoDB failed between ACS and the mapping. Without customId nothing could find this identity again:
        // undo it now. With customId, the pending mapping leads a retry or the reconciler back to it.
        if (!this.acs.usesCustomId) await this.acs.deleteUser(acsId).catch(() => undefined);
        throw error;
      }
      if (!active) {
        // Our reservation vanished while ACS worked: undo the identity rather than orphan it.
        await this.acs.deleteUser(acsId).catch(() => undefined);
        throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The identity could not be recorded; retry.');
      }
      return { mapping: active, created: true };
    }
  }
}
