import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { IdentityService } from '../../identity/identityService.js';
import type { GatewayContext } from '../context.js';
import { Policy } from '../policy/policy.js';
import { CommunicationIdentity } from '../identity/CommunicationIdentity.js';
import { User } from './User.js';

/** Only delegates: who may see a user's identity is decided in IdentityService. */
@Resolver(() => User)
export class UserResolver {
  constructor(private readonly identities: IdentityService) {}

  @FieldResolver(() => CommunicationIdentity, {
    nullable: true,
    description: "The user's ACS identity: visible to the user themself and to admins; null for anyone else, or when there is none.",
  })
  // Once per appearance in the operation; each representation `_entities` resolves is charged to `entities` as well.
  @Policy({ budget: 'reads' })
  communicationIdentity(@Root() user: User, @Ctx() { caller }: GatewayContext) {
    return this.identities.identityOfUser(caller, user.id);
  }
}
