import { Field, ObjectType } from 'type-graphql';
import type { ScopeName } from '../../acs/scopes.js';
import { CommunicationTokenScope } from '../enums/CommunicationTokenScope.js';

@ObjectType({ description: 'An ACS user access token. Treat it as a secret.' })
export class CommunicationAccessToken {
  @Field(() => String)
  token!: string;

  @Field(() => Date)
  expiresOn!: Date;

  @Field(() => [CommunicationTokenScope])
  scopes!: ScopeName[];
}
