import { Field, InputType, Int } from 'type-graphql';
import type { ScopeName } from '../../acs/scopes.js';
import { CommunicationTokenScope } from '../enums/CommunicationTokenScope.js';
import { AppUserTargetInput } from './AppUserTargetInput.js';

/** What a token is for and how long it lives. */
@InputType()
export abstract class TokenRequestInput extends AppUserTargetInput {
  @Field(() => [CommunicationTokenScope], { description: 'At least one, no duplicates, within the allowed scopes.' })
  scopes!: ScopeName[];

  @Field(() => Int, { nullable: true, description: 'From 60 to 1440; the gateway default when omitted.' })
  expiresInMinutes?: number | null;
}
