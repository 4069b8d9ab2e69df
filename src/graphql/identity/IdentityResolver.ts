import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GatewayContext } from '../context.js';
import type { AppUserRef } from '../../identity/appUser.js';
import type { IdentityService } from '../../identity/identityService.js';
import { payloadIdentity } from '../policy/operationPolicy.js';
import { Policy } from '../policy/policy.js';
import { Subject } from '../policy/subject.js';
import { CommunicationIdentity } from './CommunicationIdentity.js';
import { CreateUserAndTokenInput, CreateUserInput, DeleteUserInput, IssueTokenInput, RevokeTokensInput } from './inputs.js';
import { CreateUserAndTokenPayload, CreateUserPayload, DeleteUserPayload, IssueTokenPayload, RevokeTokensPayload } from './payloads.js';

/**
 * Only delegates: the rules live in IdentityService. Each operation declares its whole policy here with @Policy:
 * on whom it acts (`appUser`: the caller, or anyone for the admin role), its budget (queries spend `reads`, one point
 * for each time the field appears, aliases included), and what its audit records.
 */
@Resolver()
export class IdentityResolver {
  constructor(private readonly identities: IdentityService) {}

  @Query(() => CommunicationIdentity, { nullable: true, description: "The caller's ACS identity; null when they have none." })
  @Policy({ acts: { on: 'appUser' }, budget: 'reads' })
  me(@Subject() user: AppUserRef) {
    return this.identities.find(user);
  }

  @Query(() => CommunicationIdentity, { nullable: true, description: "An app user's ACS identity: the caller's own, or anyone's with the admin role." })
  @Policy({ acts: { on: 'appUser', named: 'appUserId' }, budget: 'reads' })
  communicationIdentity(@Arg('appUserId', () => ID) _appUserId: string, @Subject() user: AppUserRef) {
    return this.identities.find(user);
  }

  @Mutation(() => CreateUserPayload, { description: 'Creates the ACS identity for an app user; idempotent.' })
  @Policy<CreateUserPayload>({ acts: { on: 'appUser' }, audit: { identity: payloadIdentity } })
  createUser(@Arg('input', () => CreateUserInput, { nullable: true }) _input: CreateUserInput | null, @Subject() user: AppUserRef) {
    return this.identities.createUser(user);
  }

  @Mutation(() => IssueTokenPayload, { description: 'Issues (or refreshes) an access token for an existing identity.' })
  @Policy<IssueTokenPayload>({ acts: { on: 'appUser' }, budget: 'issueToken', audit: { identity: payloadIdentity } })
  issueToken(@Arg('input', () => IssueTokenInput) input: IssueTokenInput, @Subject() user: AppUserRef, @Ctx() { caller }: GatewayContext) {
    return this.identities.issueToken(user, input, caller!);
  }

  @Mutation(() => CreateUserAndTokenPayload, { description: 'Creates the identity when needed and issues a token, in one call.' })
  @Policy<CreateUserAndTokenPayload>({ acts: { on: 'appUser' }, budget: 'createUserAndToken', audit: { identity: payloadIdentity } })
  createUserAndToken(@Arg('input', () => CreateUserAndTokenInput) input: CreateUserAndTokenInput, @Subject() user: AppUserRef, @Ctx() { caller }: GatewayContext) {
    return this.identities.createUserAndToken(user, input, caller!);
  }

  @Mutation(() => RevokeTokensPayload, { description: 'Revokes every token issued so far for an identity.' })
  @Policy<RevokeTokensPayload>({ acts: { on: 'appUser' }, audit: { identity: payloadIdentity } })
  revokeTokens(@Arg('input', () => RevokeTokensInput, { nullable: true }) _input: RevokeTokensInput | null, @Subject() user: AppUserRef) {
    return this.identities.revokeTokens(user);
  }

  @Mutation(() => DeleteUserPayload, { description: 'Deletes the ACS identity and everything stored for the app user.' })
  @Policy<DeleteUserPayload>({ acts: { on: 'appUser' }, audit: { identity: (payload) => payload?.deletedIdentityId } })
  deleteUser(@Arg('input', () => DeleteUserInput, { nullable: true }) _input: DeleteUserInput | null, @Subject() user: AppUserRef) {
    return this.identities.deleteUser(user);
  }
}
