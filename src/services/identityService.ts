import { createHash } from 'node:crypto';
import type { AcsIdentityClient, AcsToken } from '../acs/acsIdentityClient.js';
import type { ScopeName } from '../acs/scopes.js';
import type { Caller } from '../auth/caller.js';
import { ErrorCode, GatewayError } from '../errors.js';
import type { IdentityMapping } from '../models/identityMapping.js';
import { requireCaller, resolveTarget, type AppUserRef } from './accessPolicy.js';
import type { CacheLookup, TokenCache } from '../tokenCache/tokenCache.js';
import type { MappingStore } from './mappingStore.js';
import type { RecentMappings } from './recentMappings.js';
import { validateTokenRequest, type TokenRequest, type TokenRequestRules } from './tokenRequest.js';

/** What callers see of a mapping. */
export interface IdentityView {
  id: string;
  appUserId: string;
  createdAt: Date;
  /** A promise when it is read only if a client asks for it (see issueToken). */
  tokensRevokedAt: Date | null | Promise<Date | null>;
}

export interface TokenView {
  token: string;
  expiresOn: Date;
  scopes: ScopeName[];
}

export interface TokenArgs {
  appUserId?: string | null;
  scopes: ScopeName[];
  expiresInMinutes?: number | null;
  /** Bypass the token cache. */
  forceRefresh?: boolean | null;
}

/** The rules of the trusted token service; resolvers only delegate here. */
export class IdentityService {
  constructor(
    private readonly acs: AcsIdentityClient,
    private readonly mappings: MappingStore,
    private readonly tokenRules: TokenRequestRules,
    /** Null when TOKEN_CACHE is off. */
    private readonly tokenCache: TokenCache | null = null,
    /** Null when MAPPING_CACHE_SECONDS is 0; only used while the token cache is off. */
    private readonly recentMappings: RecentMappings | null = null,
  ) {}

  async me(caller: Caller | null): Promise<IdentityView | null> {
    const self = requireCaller(caller);
    return this.findIdentity({ issuer: self.issuer, appUserId: self.userId });
  }

  async communicationIdentity(caller: Caller | null, appUserId: string): Promise<IdentityView | null> {
    return this.findIdentity(resolveTarget(caller, appUserId));
  }

  /**
   * `User.communicationIdentity` for a supergraph: the same rule as `communicationIdentity` (self, or the admin role),
   * except that another user's identity is null rather than FORBIDDEN, so the rest of a joined `User` still resolves.
   */
  async identityOfUser(caller: Caller | null, appUserId: string): Promise<IdentityView | null> {
    const self = requireCaller(caller);
    if (appUserId !== self.userId && !self.isAdmin) return null;
    return this.findIdentity({ issuer: self.issuer, appUserId });
  }

  /**
   * Resolves a `CommunicationIdentity` entity reference by its ACS id: visible to the user it belongs to and to admins
   * of the same identity provider; null for anyone else, exactly as if it did not exist.
   */
  async identityByAcsId(caller: Caller | null, acsId: string): Promise<IdentityView | null> {
    const self = requireCaller(caller);
    const mapping = await this.mappings.findByAcsId(acsId);
    if (mapping?.state !== 'active' || mapping.issuer !== self.issuer) return null;
    if (mapping.appUserId !== self.userId && !self.isAdmin) return null;
    return toView(mapping);
  }

  /** Idempotent: one app user has exactly one ACS identity, however many calls race. */
  async createUser(caller: Caller | null, appUserId?: string | null): Promise<{ identity: IdentityView; created: boolean }> {
    const user = resolveTarget(caller, appUserId);
    const { mapping, created } = await this.ensureIdentity(user, async () => ({ id: await this.acs.createUser(customIdFor(user)) }));
    return { identity: toView(mapping), created };
  }

  async issueToken(caller: Caller | null, args: TokenArgs): Promise<{ identity: IdentityView; accessToken: TokenView }> {
    const user = resolveTarget(caller, args.appUserId);
    const request = this.validate(args);
    if (!this.tokenCache) return this.issueUncached(user, request);
    // A cache hit must honour a revoke made on any instance, so the mapping is read every time.
    const mapping = await this.requireActive(user);
    const lookup: CacheLookup = {
      user,
      acsId: mapping.acsId!,
      scopes: request.acsScopes,
      expiresInMinutes: request.expiresInMinutes,
      notIssuedBefore: mapping.tokensRevokedAt ?? null,
    };
    const cached = this.tokenCache && !args.forceRefresh ? await this.tokenCache.get(lookup) : null;
    if (cached) return { identity: toView(mapping), accessToken: toTokenView(cached, request) };

    // Taken before ACS is called, so a revoke racing this call can only make the entry look older, never newer.
    const issuedAt = new Date();
    const token = await this.acs.getToken(mapping.acsId!, request.acsScopes, request.expiresInMinutes);
    await this.tokenCache?.put(lookup, token, issuedAt);
    return { identity: toView(mapping), accessToken: toTokenView(token, request) };
  }

  /**
   * Without the token cache, a mapping read in the last MAPPING_CACHE_SECONDS serves: ACS refuses a token for an
   * identity deleted since (404), and then the mapping is read afresh. Two things another instance may have changed
   * meanwhile are not taken from it: tokensRevokedAt is read only if the client asks for it, and a deletion still
   * under way (ACS not yet told) can let tokens out for that long, which die with the identity.
   */
  private async issueUncached(user: AppUserRef, request: TokenRequest): Promise<{ identity: IdentityView; accessToken: TokenView }> {
    const recent = this.recentMappings?.get(user);
    if (recent) {
      try {
        const token = await this.acs.getToken(recent.acsId!, request.acsScopes, request.expiresInMinutes);
        const identity = { ...toView(recent), tokensRevokedAt: this.lazyTokensRevokedAt(user) };
        return { identity, accessToken: toTokenView(token, request) };
      } catch (error) {
        if (!(error instanceof GatewayError && error.code === ErrorCode.IDENTITY_NOT_FOUND)) throw error;
        this.recentMappings!.forget(user);
      }
    }
    const mapping = await this.requireActive(user);
    const token = await this.acs.getToken(mapping.acsId!, request.acsScopes, request.expiresInMinutes);
    // Only once ACS accepted it: an identity ACS refuses is read afresh every time.
    this.recentMappings?.remember(mapping);
    return { identity: toView(mapping), accessToken: toTokenView(token, request) };
  }

  /** A promise read only when awaited, so a response that does not select the field costs no database read. */
  private lazyTokensRevokedAt(user: AppUserRef): Promise<Date | null> {
    let read: Promise<Date | null> | undefined;
    const load = () => (read ??= this.mappings.find(user).then((mapping) => mapping?.tokensRevokedAt ?? null));
    return { then: (onFulfilled, onRejected) => load().then(onFulfilled, onRejected) } as Promise<Date | null>;
  }

  async createUserAndToken(
    caller: Caller | null,
    args: TokenArgs,
  ): Promise<{ identity: IdentityView; accessToken: TokenView; created: boolean }> {
    const user = resolveTarget(caller, args.appUserId);
    const request = this.validate(args);
    let issued: AcsToken | undefined;
    const { mapping, created } = await this.ensureIdentity(user, async () => {
      const result = await this.acs.createUserAndToken(request.acsScopes, request.expiresInMinutes, customIdFor(user));
      issued = result;
      return result;
    });
    const token = issued ?? (await this.acs.getToken(mapping.acsId!, request.acsScopes, request.expiresInMinutes));
    return { identity: toView(mapping), accessToken: toTokenView(token, request), created };
  }

  async revokeTokens(caller: Caller | null, appUserId?: string | null): Promise<{ identity: IdentityView; revokedAt: Date }> {
    const user = resolveTarget(caller, appUserId);
    const mapping = await this.requireActive(user);
    await this.acs.revokeTokens(mapping.acsId!);
    const revokedAt = new Date();
    // The mapping first: from then on no instance serves a cached token issued before the revoke.
    const updated = (await this.mappings.markRevoked(mapping, revokedAt)) ?? { ...mapping, tokensRevokedAt: revokedAt };
    this.recentMappings?.forget(user);
    await this.tokenCache?.dropUser(user);
    return { identity: toView(updated), revokedAt };
  }

  /** Deletes the ACS identity first, then the mapping: a failure in between leaves a `deleting` mapping to retry. */
  async deleteUser(caller: Caller | null, appUserId?: string | null): Promise<{ appUserId: string; deletedIdentityId: string }> {
    const user = resolveTarget(caller, appUserId);
    const existing = await this.mappings.find(user);
    if (!existing || existing.state === 'pending') throw notFound(user);
    this.checkResource(existing);
    const deleting = await this.mappings.markDeleting(existing);
    if (!deleting) throw notFound(user);
    this.recentMappings?.forget(user);
    await this.acs.deleteUser(deleting.acsId!);
    await this.tokenCache?.dropUser(user);
    await this.mappings.remove(deleting);
    return { appUserId: user.appUserId, deletedIdentityId: deleting.acsId! };
  }

  private validate(args: TokenArgs): TokenRequest {
    return validateTokenRequest(args.scopes, args.expiresInMinutes, this.tokenRules);
  }

  private async findIdentity(user: AppUserRef): Promise<IdentityView | null> {
    const mapping = await this.mappings.find(user);
    return mapping?.state === 'active' ? toView(mapping) : null;
  }

  private async requireActive(user: AppUserRef): Promise<IdentityMapping> {
    const found = await this.mappings.find(user);
    const mapping = found && (await this.mappings.waitUntilSettled(user, found));
    if (!mapping) throw notFound(user);
    this.checkResource(mapping);
    return mapping;
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
          this.checkResource(settled);
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
      const active = await this.mappings.activate(user, reservationId, acsId);
      if (!active) {
        // Our reservation vanished while ACS worked: undo the identity rather than orphan it.
        await this.acs.deleteUser(acsId).catch(() => undefined);
        throw new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The identity could not be recorded; retry.');
      }
      return { mapping: active, created: true };
    }
  }

  private checkResource(mapping: IdentityMapping): void {
    if (mapping.acsResource !== this.acs.resourceKey) {
      throw new GatewayError(
        ErrorCode.IDENTITY_RESOURCE_MISMATCH,
        `This app user's ACS identity belongs to another ACS resource (${mapping.acsResource}) than the configured one (${this.acs.resourceKey}). Point the gateway back at that resource, or delete and recreate the user.`,
      );
    }
  }
}

/** Stable per app user, so ACS hands back the same identity when a creation is retried. */
export function customIdFor(user: AppUserRef): string {
  return `gw-${createHash('sha256').update(`${user.issuer}\n${user.appUserId}`).digest('hex').slice(0, 40)}`;
}

function notFound(user: AppUserRef): GatewayError {
  return new GatewayError(ErrorCode.IDENTITY_NOT_FOUND, `App user "${user.appUserId}" has no ACS identity; call createUser first.`);
}

function toView(mapping: IdentityMapping): IdentityView {
  return {
    id: mapping.acsId!,
    appUserId: mapping.appUserId,
    createdAt: mapping.createdAt,
    tokensRevokedAt: mapping.tokensRevokedAt ?? null,
  };
}

function toTokenView(token: AcsToken, request: TokenRequest): TokenView {
  return { token: token.token, expiresOn: token.expiresOn, scopes: request.scopeNames };
}
