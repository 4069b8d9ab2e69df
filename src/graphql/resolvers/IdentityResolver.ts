import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { IdentityService } from '../../services/identityService.js';
import type { GatewayContext } from '../context.js';
import { CreateUserAndTokenInput } from '../inputs/CreateUserAndTokenInput.js';
import { CreateUserInput } from '../inputs/CreateUserInput.js';
import { DeleteUserInput } from '../inputs/DeleteUserInput.js';
import { IssueTokenInput } from '../inputs/IssueTokenInput.js';
import { RevokeTokensInput } from '../inputs/RevokeTokensInput.js';
import { CommunicationIdentity } from '../types/CommunicationIdentity.js';
import { CreateUserAndTokenPayload } from '../types/CreateUserAndTokenPayload.js';
import { CreateUserPayload } from '../types/CreateUserPayload.js';
import { DeleteUserPayload } from '../types/DeleteUserPayload.js';
import { IssueTokenPayload } from '../types/IssueTokenPayload.js';
import { RevokeTokensPayload } from '../types/RevokeTokensPayload.js';

/** Only delegates: the rules live in IdentityService. */
@Resolver()
export class IdentityResolver {
  constructor(private readonly identities: IdentityService) {}

  @Query(() => CommunicationIdentity, { nullable: true, description: "The caller's ACS identity; null when they have none." })
  me(@Ctx() { caller }: GatewayContext) {
    return this.identities.me(caller);
  }

  @Query(() => CommunicationIdentity, { nullable: true, description: "An app user's ACS identity: the caller's own, or anyone's with the admin role." })
  communicationIdentity(@Arg('appUserId', () => ID) appUserId: string, @Ctx() { caller }: GatewayContext) {
    return this.identities.communicationIdentity(caller, appUserId);
  }

  @Mutation(() => CreateUserPayload, { description: 'Creates the ACS identity for an app user; idempotent.' })
  createUser(@Arg('input', () => CreateUserInput, { nullable: true }) input: CreateUserInput | null, @Ctx() { caller }: GatewayContext) {
    return this.identities.createUser(caller, input?.appUserId);
  }

  @Mutation(() => IssueTokenPayload, { description: 'Issues (or refreshes) an access token for an existing identity.' })
  issueToken(@Arg('input', () => IssueTokenInput) input: IssueTokenInput, @Ctx() { caller }: GatewayContext) {
    return this.identities.issueToken(caller, input);
  }

  @Mutation(() => CreateUserAndTokenPayload, { description: 'Creates the identity when needed and issues a token, in one call.' })
  createUserAndToken(@Arg('input', () => CreateUserAndTokenInput) input: CreateUserAndTokenInput, @Ctx() { caller }: GatewayContext) {
    return this.identities.createUserAndToken(caller, input);
  }

  @Mutation(() => RevokeTokensPayload, { description: 'Revokes every token issued so far for an identity.' })
  revokeTokens(@Arg('input', () => RevokeTokensInput, { nullable: true }) input: RevokeTokensInput | null, @Ctx() { caller }: GatewayContext) {
    return this.identities.revokeTokens(caller, input?.appUserId);
  }

  @Mutation(() => DeleteUserPayload, { description: 'Deletes the ACS identity and everything stored for the app user.' })
  deleteUser(@Arg('input', () => DeleteUserInput, { nullable: true }) input: DeleteUserInput | null, @Ctx() { caller }: GatewayContext) {
    return this.identities.deleteUser(caller, input?.appUserId);
  }
}
