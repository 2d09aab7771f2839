import type { QueueStore } from '../api.js';
import type { Store } from '../index.js';

/** Named queues and the pause switches (queue-queries.ts, transitions/pause.ts, transitions/queue-pause.ts). */
export function queueStore(s: Store): QueueStore {
  return {
    queueInfos: async (now) => s.queueInfos(now),
    queueInfo: async (name, now) => s.queueInfo(name, now),
    pauseState: async () => s.pauseState(),
    setPaused: async (paused, now) => s.setPaused(paused, now),
    resumeEverything: async () => s.resumeEverything(),
    setQueuePaused: async (name, paused, now) => s.setQueuePaused(name, paused, now),
    configureQueue: async (name, settings) => s.configureQueue(name, settings),
    pauseQueuesOnDead: async (rows, now) => s.pauseQueuesOnDead(rows, now),
    notePausedOnDead: async (queue, jobId) => s.notePausedOnDead(queue, jobId),
  };
}
