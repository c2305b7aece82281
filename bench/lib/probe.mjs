// The event-to-membership probe shared by the benchmarks. Each profile gets two "Order Completed"
// tracks, then a third one crosses the audience "at least 3 Order Completed in the last 7 days". For
// each crossing it records, on the monotonic clock, when the track was sent, when its 200 arrived
// and when the SSE enter naming its messageId arrived. Crossings are sent open-loop at a fixed
// interval, so a slow answer does not slow the probe.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachLimited, summarize } from './sendora.mjs';

export const CROSSING_INTERVAL_MS = 40;
export const PROBE_AUDIENCE = 'three-orders';
export const PROBE_CONDITION = { event: 'Order Completed', count: { at_least: 3 }, window: { last: { days: 7 } } };

const ENTER_WAIT_MS = 15_000;

export class CrossingProbe {
  /** `log(message)` reports progress; the probe's stream must be opened with `onEvent`. */
  constructor(sendora, log) {
    this.sendora = sendora;
    this.log = log;
    this.crossingsByMessageId = new Map();
    this.unexpectedEvents = 0;
    this.onEvent = this.onEvent.bind(this);
  }

  /** Creates the probe's audience in a workspace, waits for its backfill and opens its stream. */
  async openAsync(workspace) {
    const backfill = await this.sendora.createAudience(workspace, PROBE_AUDIENCE, PROBE_CONDITION);
    await this.sendora.waitForBackfill(workspace, 30_000, backfill.catalogVersion);
    this.stream = this.sendora.openStream(workspace, PROBE_AUDIENCE, this.onEvent);
    await this.stream.ready;
  }

  close() {
    this.stream?.close();
  }

  onEvent(event) {
    const crossing = this.crossingsByMessageId.get(event.data?.message_id);
    if (event.event !== 'enter' || !crossing || crossing.enterAt !== undefined) {
      this.unexpectedEvents++;
      return;
    }

    crossing.enterAt = event.receivedAt;
    crossing.decidedAtWall = Date.parse(event.data.at);
  }

  /** Gives each user two orders, in batches of 50 users, 4 batches in flight. */
  async primeAsync(writeKey, userIds) {
    const batches = [];
    for (let i = 0; i < userIds.length; i += 50) {
      batches.push(userIds.slice(i, i + 50).flatMap((userId) => [1, 2].map((n) => ({
        type: 'track', userId, event: 'Order Completed', messageId: `${userId}-prime-${n}`, properties: { total: 10 },
      }))));
    }

    await forEachLimited(batches, 4, (batch) => this.sendora.send(writeKey, '/v1/batch', { batch }));
  }

  /** Sends one crossing per user every CROSSING_INTERVAL_MS, then waits for their enters. */
  async measureAsync(writeKey, phase, userIds) {
    const records = [];
    const sends = [];
    const start = performance.now();
    for (const [i, userId] of userIds.entries()) {
      await sleep(Math.max(0, start + i * CROSSING_INTERVAL_MS - performance.now()));
      const record = { userId, messageId: `${userId}-cross`, sentAt: performance.now() };
      this.crossingsByMessageId.set(record.messageId, record);
      records.push(record);
      sends.push(this.sendora.send(writeKey, '/v1/track', {
        userId, event: 'Order Completed', messageId: record.messageId, properties: { total: 10 },
      }).then(() => {
        record.ackAt = performance.now();
      }));
    }

    await Promise.all(sends);
    const deadline = performance.now() + ENTER_WAIT_MS;
    while (records.some((r) => r.enterAt === undefined) && performance.now() < deadline) {
      await sleep(20);
    }

    const entered = records.filter((r) => r.enterAt !== undefined);
    const wall = (t) => performance.timeOrigin + t;
    this.log(`${phase}: ${entered.length} of ${records.length} enters received`);
    return {
      crossings: records.length,
      entersReceived: entered.length,
      intervalMs: CROSSING_INTERVAL_MS,
      sendToAckMs: summarize(records.map((r) => r.ackAt - r.sentAt)),
      ackToEnterMs: summarize(entered.map((r) => r.enterAt - r.ackAt)),
      sendToEnterMs: summarize(entered.map((r) => r.enterAt - r.sentAt)),
      // Wall clocks of one machine, to a millisecond: `at` is when the profile decided the change.
      sendToDecidedMs: summarize(entered.map((r) => r.decidedAtWall - wall(r.sentAt))),
      decidedToEnterMs: summarize(entered.map((r) => wall(r.enterAt) - r.decidedAtWall)),
    };
  }
}
