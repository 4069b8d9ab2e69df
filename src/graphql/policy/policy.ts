import { Extensions, UseMiddleware } from 'type-graphql';
import { AuditMiddleware } from './auditMiddleware.js';
import type { OperationPolicy } from './operationPolicy.js';

/**
 * Declares the policy as a field extension, read before execution by enforcePolicies (budgets, who may act) and,
 * for an audited operation, by the one AuditMiddleware. The resolver takes the decided subject with @Subject().
 */
export function Policy<Payload = never>(policy: OperationPolicy<Payload>): MethodDecorator {
  const extension = Extensions({ policy });
  const audit = policy.audit ? UseMiddleware(AuditMiddleware) : undefined;
  return (target, key, descriptor) => {
    extension(target, key, descriptor);
    audit?.(target, key, descriptor);
  };
}

