import { InvocationContext, type LogHandler, type Timer } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { settings } from '../shared/platform/config.js';
import { queuedBy, type TimerDeclaration } from '../shared/platform/registry.js';
import { withInvocation, type QueueOutputSink } from './http-host.js';
import { nextOccurrence, parseSchedule } from './ncrontab.js';

export interface RunningTimers {
  stop: () => void;
}

/** setTimeout cannot wait longer than about 24.8 days; longer waits are taken in steps. */
const longestWaitMs = 2 ** 31 - 1;

/** `%NAME%` names the setting that holds the schedule, as in the Functions host. */
export function resolveSchedule(schedule: string): string {
  const setting = /^%([A-Z0-9_]+)%$/.exec(schedule)?.[1];
  if (!setting) return schedule;
  const value = (settings() as Record<string, unknown>)[setting] ?? process.env[setting];
  if (typeof value !== 'string' || !value) throw new Error(`The schedule setting ${setting} is not set`);
  return value;
}

/** Runs each timer function on its NCRONTAB schedule, one invocation at a time per function. */
export function startTimers(declarations: readonly TimerDeclaration[], logHandler: LogHandler, deliverQueueOutputs: QueueOutputSink): RunningTimers {
  const handles = new Set<NodeJS.Timeout>();
  let stopped = false;

  const invoke = async (declaration: TimerDeclaration, last: Date | null, next: Date | null) => {
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (last ?? new Date(0)).toISOString(),
        next: (next ?? new Date(0)).toISOString(),
        lastUpdated: new Date().toISOString(),
      },
    };
    const invocationId = randomUUID();
    const context = new InvocationContext({
      invocationId,
      functionName: declaration.name,
      logHandler: withInvocation(logHandler, declaration.name, invocationId),
    });
    try {
      await declaration.handler(timer, context);
      await deliverQueueOutputs(queuedBy(context, declaration.queueOutputs));
    } catch (error) {
      context.error(`Timer ${declaration.name} failed`, error);
    }
  };

  const scheduleNext = (declaration: TimerDeclaration, last: Date | null) => {
    if (stopped) return;
    const schedule = parseSchedule(resolveSchedule(declaration.schedule));
    const next = nextOccurrence(schedule, new Date());
    if (!next) return;
    const wait = (target: Date) => {
      const handle = setTimeout(
        async () => {
          handles.delete(handle);
          if (stopped) return;
          if (Date.now() < target.getTime()) return wait(target);
          const following = nextOccurrence(schedule, target);
          await invoke(declaration, last, following);
          scheduleNext(declaration, target);
        },
        Math.min(Math.max(target.getTime() - Date.now(), 0), longestWaitMs),
      );
      handle.unref();
      handles.add(handle);
    };
    wait(next);
  };

  for (const declaration of declarations) {
    parseSchedule(resolveSchedule(declaration.schedule));
    if (declaration.runOnStartup) {
      void invoke(declaration, null, nextOccurrence(parseSchedule(resolveSchedule(declaration.schedule)), new Date())).then(() =>
        scheduleNext(declaration, null),
      );
    } else {
      scheduleNext(declaration, null);
    }
  }
  return {
    stop: () => {
      stopped = true;
      handles.forEach((handle) => clearTimeout(handle));
      handles.clear();
    },
  };
}
