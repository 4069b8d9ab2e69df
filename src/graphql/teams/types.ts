import { Field, ID, InputType, ObjectType } from 'type-graphql';

@InputType()
export class ExchangeTeamsUserTokenInput {
  @Field(() => String, {
    description:
      "The Teams user's Microsoft Entra ID access token for Azure Communication Services (scopes Teams.ManageCalls and Teams.ManageChats), as MSAL returns it. It must be the caller's own. Never stored or logged.",
  })
  teamsUserAadToken!: string;
}

@ObjectType({ description: 'An ACS access token of a Teams user. It expires with the Entra token it was exchanged for. Treat it as a secret.' })
export class TeamsUserAccessToken {
  @Field(() => String)
  token!: string;

  @Field(() => Date)
  expiresOn!: Date;
}

@ObjectType({ description: 'The Teams user an ACS token was issued for: the identity a call or chat joins as.' })
export class TeamsUserIdentity {
  @Field(() => ID, { description: "The Teams user's communication identifier, `8:orgid:<Entra object id>` (a lower-case GUID), as the Calling and Chat SDKs write it." })
  id!: string;
}

/** Declared once: TeamsExchange returns this shape. */
@ObjectType()
export class ExchangeTeamsUserTokenPayload {
  @Field(() => TeamsUserIdentity, { description: 'Who the token is for: the caller as a Teams user, as issueToken returns the identity beside its token.' })
  identity!: TeamsUserIdentity;

  @Field(() => TeamsUserAccessToken)
  accessToken!: TeamsUserAccessToken;

  @Field(() => ID, { deprecationReason: 'Use identity.id.', description: 'The same as identity.id.' })
  teamsUserId!: string;
}
