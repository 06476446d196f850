/**
 * ScenarioRunner: runs one guided scenario at a time against this node's `DispatchService` and
 * keeps its record (narration, steps, measurements) for the page's panel. The scripts themselves
 * are `scenario-scripts.ts`; this is the driver that owns the clock, the sleeps and the record.
 *
 * ```ts
 * const runner = new ScenarioRunner(service, { timeoutMs: 30_000 });
 * runner.start('split'); // → the run; throws ScenarioBusyError while another runs
 * runner.current(); // the newest run (running, done or failed) or undefined
 * await runner.stop(); // at server close: waits for the running script's current step
 * ```
 *
 * A run ends `done` when its script returns (a measurement that did not happen in time is reported
 * as such, not thrown), `failed` when a chaos step or a read throws (the error is its last line).
 *
 * Timeouts: each wait gives up after `timeoutMs` (default 30 s: longer than any failover the
 * cluster's defaults allow) and polls every `pollMs` (default 100 ms).
 *
 * When not to use: for single chaos actions, the node controls; for scripted fault runs, the nemesis.
 */
import type { DispatchService } from '../service.ts';
import { HttpRefusal } from './errors.ts';
import type { ScenarioId } from './scenario-plan.ts';
import { scenarioTitle } from './scenario-plan.ts';
import { SCRIPTS } from './scenario-scripts.ts';
import type { ScenarioContext } from './scenario-scripts.ts';

export type LineKind = 'expect' | 'do' | 'saw' | 'error';

export interface ScenarioLine {
  readonly at: number;
  readonly kind: LineKind;
  readonly text: string;
}

export interface ScenarioResult {
  readonly label: string;
  readonly value: string;
}

export interface ScenarioRun {
  readonly seq: number;
  readonly id: ScenarioId;
  readonly title: string;
  readonly startedAt: number;
  status: 'running' | 'done' | 'failed';
  endedAt: number | undefined;
  readonly lines: ScenarioLine[];
  readonly results: ScenarioResult[];
}

export interface ScenarioRunnerOptions {
  /** Longest wait for one measured outcome, ms. Default 30,000. */
  readonly timeoutMs?: number;
  /** Poll interval of waits, ms. Default 100. */
  readonly pollMs?: number;
  /** Unix ms. Default `Date.now`. */
  readonly now?: () => number;
}

/** Another scenario is running: one at a time, since their chaos steps would mix. */
export class ScenarioBusyError extends HttpRefusal<'scenario_running'> {
  readonly status = 409;
  constructor(running: string) {
    super('scenario_running', `"${running}" is still running; wait for its report`);
    this.name = 'ScenarioBusyError';
  }
}

export class ScenarioRunner {
  readonly #service: DispatchService;
  readonly #timeoutMs: number;
  readonly #pollMs: number;
  readonly #now: () => number;
  #run: ScenarioRun | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #seq = 0;

  constructor(service: DispatchService, options: ScenarioRunnerOptions = {}) {
    this.#service = service;
    this.#timeoutMs = Math.max(1, options.timeoutMs ?? 30_000);
    this.#pollMs = Math.max(1, options.pollMs ?? 100);
    this.#now = options.now ?? Date.now;
  }

  current(): ScenarioRun | undefined {
    return this.#run;
  }

  start(id: ScenarioId): ScenarioRun {
    if (this.#run?.status === 'running') throw new ScenarioBusyError(this.#run.title);
    const run: ScenarioRun = {
      seq: ++this.#seq,
      id,
      title: scenarioTitle(id),
      startedAt: this.#now(),
      status: 'running',
      endedAt: undefined,
      lines: [],
      results: [],
    };
    this.#run = run;
    this.#running = this.#execute(run);
    return run;
  }

  /** Waits for the running script to end; its later waits give up at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #execute(run: ScenarioRun): Promise<void> {
    const context = this.#context(run);
    try {
      await SCRIPTS[run.id](context);
      run.status = 'done';
    } catch (err) {
      run.lines.push({ at: this.#now(), kind: 'error', text: (err as Error).message });
      run.status = 'failed';
    } finally {
      run.endedAt = this.#now();
    }
  }

  #context(run: ScenarioRun): ScenarioContext {
    const line = (kind: LineKind, text: string): void => {
      run.lines.push({ at: this.#now(), kind, text });
    };
    return {
      service: this.#service,
      now: this.#now,
      expect: (text) => line('expect', text),
      did: (text) => line('do', text),
      saw: (text) => line('saw', text),
      result: (label, value) => run.results.push({ label, value }),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, this.#stopped ? 0 : ms)),
      waitFor: async (check) => {
        const started = this.#now();
        for (;;) {
          if (await check()) return this.#now() - started;
          if (this.#stopped || this.#now() - started >= this.#timeoutMs) return undefined;
          await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
        }
      },
      timeoutMs: this.#timeoutMs,
    };
  }
}
