import { createParameterDecorator } from 'type-graphql';
import { resolveTarget } from '../../identity/accessPolicy.js';
import type { AppUserRef } from '../../identity/appUser.js';
import type { GatewayContext } from '../context.js';
import { recordSubject } from './subject.js';

/** Where the operation names the app user it acts on: `input.appUserId`, or a top-level `appUserId` argument. */
export type SubjectArgument = 'input' | 'appUserId';

/**
 * The app user an operation acts on, as the access policy decides it: the caller when no id is given, anyone
 * else only for the admin role. Recorded for the field's audit (see Audited), which then names the subject the
 * policy resolved instead of working it out again.
 */
export function ActingOn(argument: SubjectArgument = 'input'): ReturnType<typeof createParameterDecorator> {
  return createParameterDecorator<GatewayContext>(({ args, context, info }) => {
    const user = resolveTarget(context.caller, requestedAppUserId(args, argument));
    recordSubject(info, { appUserId: user.appUserId });
    return user;
  });
}

export function requestedAppUserId(args: Record<string, unknown>, argument: SubjectArgument): unknown {
  if (argument === 'appUserId') return args.appUserId;
  return (args.input as { appUserId?: unknown } | null | undefined)?.appUserId;
}
