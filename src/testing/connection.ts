/**
 * The connection's behaviour as named properties, for any provision of `connectionMachine`:
 * the caller's connection gate (`acquireConnectToken`), socket opener (`openLink`) and watcher
 * (`watchLink`), and its delays, replayed along the generated paths.
 */
import { BLOCKED_PENALTY_MS, RATE_LIMITED_PENALTY_MS, type LinkFailure } from '../../machines/connection.machine.js';
import type { Property } from './check.js';
import { invocationsOf, ERROR } from './definition.js';
import type { Effect, Trace, World } from './replay.js';

/** The connection's view of the world a replay runs in, for a provided `openLink` / `watchLink`. */
export interface ConnectionWorld extends World {
  /** Records a socket closed by a provided `watchLink` (the kit's stand-in records its own). */
  socketClosed(): void;
}

export function connectionWorld(world: World): ConnectionWorld {
  return { ...world, socketClosed: () => world.record('socket.close') };
}

const is = (effect: Effect, kind: string, src: string) => effect.kind === kind && effect.detail['src'] === src;

/** +1 for each socket opened (an `openLink` that succeeded, even after it was abandoned), -1 for each closed. */
function socketDelta(effect: Effect): number {
  if (is(effect, 'actor.done', 'openLink')) return 1;
  if (is(effect, 'actor.late', 'openLink') && effect.detail['ok'] === true) return 1;
  if (is(effect, 'actor.stop', 'watchLink') || effect.kind === 'socket.close') return -1;
  return 0;
}

/** The least wait a refusal imposes: Retry-After, or the status's fallback; 0 for other failures. */
function penaltyOf(failure: LinkFailure | undefined): number {
  if (failure?.status === 429) return failure.retryAfterMs ?? RATE_LIMITED_PENALTY_MS;
  if (failure?.status === 418) return failure.retryAfterMs ?? BLOCKED_PENALTY_MS;
  return 0;
}

/** The connection's properties. Run them with `checkPaths({ …, properties: connectionProperties() })`. */
export function connectionProperties(): Property[] {
  return [
    {
      name: 'connection: never two sockets',
      check: (trace) => {
        let open = 0;
        let applied = false;
        for (const effect of trace.effects) {
          const delta = socketDelta(effect);
          if (delta === 0) continue;
          applied = true;
          open += delta;
          if (open > 1) return { applied, violation: { step: effect.step, message: `${open} sockets open at once` } };
        }
        return { applied };
      },
    },
    {
      name: 'connection: backoff never shorter than a 429/418 penalty',
      check: (trace) => {
        // From each penalised refusal to the next attempt, the longest timer that fired must cover the penalty.
        let applied = false;
        let penalty = 0;
        let waited = 0;
        for (const step of trace.steps) {
          for (const effect of step.effects) {
            if (effect.kind === 'timer.fired') waited = Math.max(waited, Number(effect.detail['ms']));
            const attempt = is(effect, 'actor.start', 'acquireConnectToken') || is(effect, 'actor.start', 'openLink');
            if (attempt && penalty > 0) {
              applied = true;
              if (waited < penalty) {
                return { applied, violation: { step: step.index, message: `attempted again after waiting ${waited} ms of a ${penalty} ms penalty` } };
              }
              penalty = 0;
            }
            if (is(effect, 'actor.error', 'openLink')) {
              penalty = penaltyOf(effect.detail['error'] as LinkFailure);
              waited = 0;
            }
          }
        }
        return { applied };
      },
    },
    {
      name: 'connection: a reopened link always resends',
      check: (trace) => {
        const flush = invocationsOf(trace.initial.machine).find((invocation) => invocation.src === 'flush')?.id ?? 'flush';
        let applied = false;
        for (const step of trace.steps) {
          if (!step.effects.some((effect) => is(effect, 'actor.done', 'openLink'))) continue;
          applied = true;
          const told = step.effects.some(
            (effect) => effect.kind === 'received' && effect.detail['to'] === flush && (effect.detail['event'] as { type: string }).type === 'link.up',
          );
          if (!told) return { applied, violation: { step: step.index, message: 'a socket opened and the flush was not told link.up: nothing is resent on it' } };
        }
        return { applied };
      },
    },
  ];
}
