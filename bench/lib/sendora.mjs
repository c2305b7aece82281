// Clients for the parts of Sendora that the benchmarks drive: the admin API, the tracking API and
// the live membership stream. Times come from performance.now(), a monotonic clock in milliseconds.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const MAX_ATTEMPTS = 5;

export class Sendora {
  constructor(url, adminToken) {
    this.url = url.replace(/\/$/, '');
    this.adminToken = adminToken;
    this.retries = 0;
  }

  async admin(method, path, body) {
    const response = await fetch(`${this.url}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} /admin/v1${path} returned ${response.status}: ${text}`);
    }

    return text ? JSON.parse(text) : null;
  }

  /** Creates a workspace and returns the write key of its first source. */
  async createWorkspace(id) {
    const workspace = await this.admin('POST', '/workspaces', { id, name: id });
    return workspace.sources[0].writeKey;
  }

  /** Creates an audience and returns the backfill it started. */
  async createAudience(workspace, id, condition) {
    const created = await this.admin('POST', `/workspaces/${workspace}/audiences`, { id, name: id, condition });
    return created.backfill;
  }

  /** Returns the audience ids that a profile, found by an external id such as `user_id:ada`, is a member of. */
  async memberships(workspace, externalId) {
    const path = `/v1/spaces/${workspace}/collections/users/profiles/${encodeURIComponent(externalId)}/memberships`;
    const response = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.adminToken}` } });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`GET ${path} returned ${response.status}: ${text}`);
    }

    return JSON.parse(text).data.map((membership) => membership.audience_id);
  }

  /**
   * Polls the workspace's backfill until it is no longer running. Returns the last progress, with
   * `timedOut` set when it was still running after timeoutMs.
   */
  async waitForBackfill(workspace, timeoutMs, catalogVersion = 0) {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const progress = await this.admin('GET', `/workspaces/${workspace}/backfill`);
      const done = !progress.running && progress.catalogVersion >= catalogVersion;
      if (done || performance.now() > deadline) {
        return { ...progress, timedOut: !done, polledAt: new Date().toISOString() };
      }

      await sleep(250);
    }
  }

  /**
   * Posts to a tracking path. A 503 is retried after its Retry-After (at most 5 seconds), up to
   * MAX_ATTEMPTS attempts in all, and counted in `retries`. Throws on any other status but 200.
   */
  async send(writeKey, path, body) {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${this.url}${path}`, {
        method: 'POST',
        headers: { authorization: basicAuthorization(writeKey), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status === 200) {
        return response.status;
      }

      if (response.status !== 503 || attempt === MAX_ATTEMPTS) {
        throw new Error(`POST ${path} returned ${response.status} on attempt ${attempt}: ${text}`);
      }

      this.retries++;
      await sleep(1000 * Math.min(5, Number(response.headers.get('retry-after') ?? 1)));
    }
  }

  /** Opens the live membership stream of an audience; see MembershipStream. */
  openStream(workspace, audienceId, onEvent) {
    return new MembershipStream(
      `${this.url}/admin/v1/workspaces/${workspace}/audiences/${audienceId}/stream`, this.adminToken, onEvent);
  }
}

/** The users that load.mjs spreads its tracks over; the driver creates their profiles before the load. */
export const LOAD_USERS = 500;

export function loadUserId(index) {
  return `load-${index}`;
}

export function basicAuthorization(writeKey) {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}

/**
 * An SSE client on fetch's streaming body. It calls onEvent({ event, id, data, receivedAt }) for each
 * event as soon as its bytes are read, with receivedAt from performance.now(). `ready` resolves once
 * the gateway has sent the stream's first bytes.
 */
export class MembershipStream {
  constructor(url, adminToken, onEvent) {
    this.controller = new AbortController();
    let markReady;
    let markFailed;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    this.done = this.#readAsync(url, adminToken, onEvent, markReady).catch((error) => {
      markFailed(error);
      if (!this.controller.signal.aborted) {
        throw error;
      }
    });
  }

  close() {
    this.controller.abort();
  }

  async #readAsync(url, adminToken, onEvent, markReady) {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${adminToken}`, accept: 'text/event-stream' },
      signal: this.controller.signal,
    });
    if (response.status !== 200) {
      throw new Error(`GET ${url} returned ${response.status}: ${await response.text()}`);
    }

    const decoder = new TextDecoder();
    let buffered = '';
    let first = true;
    for await (const chunk of response.body) {
      const receivedAt = performance.now();
      if (first) {
        first = false;
        markReady();
      }

      buffered += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = parseEvent(block);
        if (event) {
          onEvent({ ...event, receivedAt });
        }
      }
    }
  }
}

function parseEvent(block) {
  let event = 'message';
  let id = null;
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':') || line.startsWith('retry:')) {
      continue;
    }

    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') {
      event = value;
    } else if (field === 'id') {
      id = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }

  return data.length === 0 ? null : { event, id, data: JSON.parse(data.join('\n')) };
}

/** Percentiles by the nearest-rank method, in the unit of the values. */
export function summarize(values) {
  if (values.length === 0) {
    return { count: 0 };
  }

  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return {
    count: sorted.length,
    min: sorted[0],
    p50: rank(50),
    p90: rank(90),
    p99: rank(99),
    max: sorted[sorted.length - 1],
    mean,
  };
}

/** Runs fn over items with at most `limit` calls in flight. */
export async function forEachLimited(items, limit, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index], index);
    }
  });
  await Promise.all(workers);
}
