import { InvocationContext, type LogHandler, type Timer } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { TimerDeclaration } from '../shared/platform/registry.js';
import { withInvocation } from './http-host.js';
import { nextOccurrence, parseSchedule } from './ncrontab.js';

export interface RunningTimers {
  stop: () => void;
}

/** setTimeout cannot wait longer than about 24.8 days; longer waits are taken in steps. */
const longestWaitMs = 2 ** 31 - 1;

/** Runs each timer function on its NCRONTAB schedule, one invocation at a time per function. */
export function startTimers(declarations: readonly TimerDeclaration[], logHandler: LogHandler): RunningTimers {
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
    const context = new InvocationContext({ invocationId, functionName: declaration.name, logHandler: withInvocation(logHandler, declaration.name, invocationId) });
    try {
      await declaration.handler(timer, context);
    } catch (error) {
      context.error(`Timer ${declaration.name} failed`, error);
    }
  };

  const scheduleNext = (declaration: TimerDeclaration, last: Date | null) => {
    if (stopped) return;
    const schedule = parseSchedule(declaration.schedule);
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
    parseSchedule(declaration.schedule);
    if (declaration.runOnStartup) {
      void invoke(declaration, null, nextOccurrence(parseSchedule(declaration.schedule), new Date())).then(() => scheduleNext(declaration, null));
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
