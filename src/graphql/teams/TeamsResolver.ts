import { Arg, Mutation, Resolver } from 'type-graphql';
import type { TeamsExchange } from '../../teams/teamsExchange.js';
import type { TeamsUserRef } from '../../teams/teamsUser.js';
import { Policy } from '../policy/policy.js';
import { Subject } from '../policy/subject.js';
import { ExchangeTeamsUserTokenInput, ExchangeTeamsUserTokenPayload } from './types.js';

/** Only delegates: the rules live in TeamsExchange. The policy is declared here, as on IdentityResolver. */
@Resolver()
export class TeamsResolver {
  constructor(private readonly teams: TeamsExchange) {}

  @Mutation(() => ExchangeTeamsUserTokenPayload, {
    description:
      "Exchanges the caller's own Teams user token (Microsoft Entra ID) for an ACS access token of that Teams user. The token's oid must be the caller's.",
  })
  // The audit records the caller as the app user and their Teams user (`8:orgid:<object id>`) as the identity,
  // whatever becomes of the call.
  @Policy<ExchangeTeamsUserTokenPayload>({ acts: { on: 'teamsUser' }, budget: 'teamsExchange', audit: { identity: (_payload, subject) => subject?.identityId } })
  exchangeTeamsUserToken(@Arg('input', () => ExchangeTeamsUserTokenInput) input: ExchangeTeamsUserTokenInput, @Subject() user: TeamsUserRef) {
    return this.teams.exchange(user, input.teamsUserAadToken);
  }
}
