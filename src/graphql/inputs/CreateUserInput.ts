import { InputType } from 'type-graphql';
import { AppUserTargetInput } from './AppUserTargetInput.js';

@InputType()
export class CreateUserInput extends AppUserTargetInput {}
