import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context.js';
import type { AppUserRef } from '../../identity/appUser.js';
import type { IdentityService } from '../../identity/identityService.js';
import { CreateUserAndTokenInput, CreateUserInput, DeleteUserInput, IssueTokenInput, RevokeTokensInput } from './inputs.js';
import { ActingOn } from '../policies/actingOn.js';
import { Audited } from '../policies/audited.js';
import { RateLimited } from '../policies/rateLimited.js';
import { CommunicationIdentity } from './CommunicationIdentity.js';
import { CreateUserAndTokenPayload, CreateUserPayload, DeleteUserPayload, IssueTokenPayload, RevokeTokensPayload } from './payloads.js';

/**
 * Only delegates: the rules live in IdentityService. Each operation declares its policies here: on whom it acts
 * (@ActingOn: the caller, or anyone for the admin role), its audit (@Audited) and its rate-limit budget (@RateLimited).
 */
@Resolver()
export class IdentityResolver {
  constructor(private readonly identities: IdentityService) {}

  @Query(() => CommunicationIdentity, { nullable: true, description: "The caller's ACS identity; null when they have none." })
  me(@ActingOn() user: AppUserRef) {
    return this.identities.find(user);
  }

  @Query(() => CommunicationIdentity, { nullable: true, description: "An app user's ACS identity: the caller's own, or anyone's with the admin role." })
  communicationIdentity(@Arg('appUserId', () => ID) _appUserId: string, @ActingOn('appUserId') user: AppUserRef) {
    return this.identities.find(user);
  }

  @Mutation(() => CreateUserPayload, { description: 'Creates the ACS identity for an app user; idempotent.' })
  @Audited()
  createUser(@Arg('input', () => CreateUserInput, { nullable: true }) _input: CreateUserInput | null, @ActingOn() user: AppUserRef) {
    return this.identities.createUser(user);
  }

  @Mutation(() => IssueTokenPayload, { description: 'Issues (or refreshes) an access token for an existing identity.' })
  @Audited()
  @RateLimited('issueToken')
  issueToken(@Arg('input', () => IssueTokenInput) input: IssueTokenInput, @ActingOn() user: AppUserRef, @Ctx() { caller }: GatewayContext) {
    return this.identities.issueToken(user, input, caller!);
  }

  @Mutation(() => CreateUserAndTokenPayload, { description: 'Creates the identity when needed and issues a token, in one call.' })
  @Audited()
  @RateLimited('createUserAndToken')
  createUserAndToken(@Arg('input', () => CreateUserAndTokenInput) input: CreateUserAndTokenInput, @ActingOn() user: AppUserRef, @Ctx() { caller }: GatewayContext) {
    return this.identities.createUserAndToken(user, input, caller!);
  }

  @Mutation(() => RevokeTokensPayload, { description: 'Revokes every token issued so far for an identity.' })
  @Audited()
  revokeTokens(@Arg('input', () => RevokeTokensInput, { nullable: true }) _input: RevokeTokensInput | null, @ActingOn() user: AppUserRef) {
    return this.identities.revokeTokens(user);
  }

  @Mutation(() => DeleteUserPayload, { description: 'Deletes the ACS identity and everything stored for the app user.' })
  @Audited()
  deleteUser(@Arg('input', () => DeleteUserInput, { nullable: true }) _input: DeleteUserInput | null, @ActingOn() user: AppUserRef) {
    return this.identities.deleteUser(user);
  }
}
