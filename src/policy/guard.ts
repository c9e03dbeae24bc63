/**
 * What the engine holds: the policy (re-read when its file changes), who the local user is, and the two
 * checks with their audit entries. Every surface passes its principal (token, Slack user, trigger,
 * triage); a caller that names nobody is the local user (see localIdentity): the process that owns the
 * engine when it is a library (scripts, tests), or the person at the CLI once the CLI says so (actAsCli).
 */
import type { Config } from '../config.ts';
import { userError } from '../errors.ts';
import type { Plan, TaskLookup } from '../plan/index.ts';
import { AuthStore } from '../store/auth-store.ts';
import type { RunStore } from '../store/run-store.ts';
import { checkDecision, checkSubmission, type Waiver } from './approvals.ts';
import { loadPolicy } from './load.ts';
import { secretRedactor } from './redaction.ts';
import type { Policy, Principal } from './schema.ts';

export interface Admitted {
  submitter: Principal;
  waivers: Waiver[];
}

export class PolicyGuard {
  constructor(
    private readonly config: Config,
    private readonly store: RunStore,
    private readonly tasks?: TaskLookup,
  ) {
    // Known secrets never reach a record: one choke point, the run store's writes.
    store.setRedactor(secretRedactor(config));
  }

  private cli = false;

  /** The engine serves a person at the command line: callers naming nobody are that person (see localIdentity). */
  actAsCli(): this {
    this.cli = true;
    return this;
  }

  get policy(): Policy {
    return loadPolicy(this.config);
  }

  /**
   * The local user. A library caller (a script, a test) is the owner of the engine: admin. At the CLI:
   * with PIPEWRIGHT_TOKEN, that token's name and role; otherwise `name` with the policy's CLI role (auto:
   * admin over an embedded SQLite store, which this user owns and could edit anyway; operator over a
   * shared Postgres store).
   */
  localIdentity(name: string = this.config.user): Principal {
    if (!this.cli) return { name, role: 'admin', via: 'library' };
    if (this.config.token) {
      const token = new AuthStore(this.store).verify(this.config.token);
      if (!token) {
        throw userError(
          'UNAUTHORIZED',
          'PIPEWRIGHT_TOKEN is not a valid token for this state',
          'it is unknown, mistyped or revoked',
          'Ask an admin for a token (`pipewright token create`), or unset PIPEWRIGHT_TOKEN.',
        );
      }
      return { name: token.name, role: token.role, via: 'cli-token' };
    }
    const cli = this.policy.identities.cli;
    const role = cli !== 'auto' ? cli : this.store.db.dialect === 'postgres' ? 'operator' : 'admin';
    return { name, role, via: 'cli' };
  }

  /** A trigger's or the triage agent's principal, with the role the policy gives it. */
  systemIdentity(kind: 'triggers' | 'triage', name: string): Principal {
    return { name, role: this.policy.identities[kind], via: kind === 'triggers' ? 'trigger' : 'triage' };
  }

  /** Checks a plan against the policy for its submitter (throws POLICY_REFUSED). */
  admitRun(plan: Plan, submitter: Principal): Admitted {
    return { submitter, waivers: checkSubmission(this.policy, plan, submitter, this.tasks).waivers };
  }

  /** Checks a decision (throws APPROVAL_FORBIDDEN / APPROVAL_SELF). */
  admitDecision(
    run: { id: string; plan: Plan; createdBy: string },
    d: { stepId: string; approved: boolean },
    decider: Principal,
  ): Admitted {
    const { waivers } = checkDecision(this.policy, {
      plan: run.plan,
      runId: run.id,
      submittedBy: run.createdBy,
      stepId: d.stepId,
      approved: d.approved,
      decider,
      tasks: this.tasks,
    });
    return { submitter: decider, waivers };
  }

  /** One audit entry per waiver, as the person who used it. */
  audit(runId: string, admitted: Admitted): void {
    for (const w of admitted.waivers) {
      this.store.audit(admitted.submitter.name, `policy.${w.kind}`, `${runId}/${w.step}`, {
        subject: w.subject,
        role: admitted.submitter.role,
        via: admitted.submitter.via,
      });
    }
  }
}
