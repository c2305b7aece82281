// Sends identify, track, page, screen, group and alias to a Sendora gateway through
// @segment/analytics-node, unchanged but for its host, and exits with 0 only when the gateway
// accepted every message. Run with --help for the options.
import { Analytics } from '@segment/analytics-node';
import {
  buildSampleCalls,
  exitAfterTimeout,
  findResponseProblem,
  parseClientArguments,
  reportAndExit,
} from './common.mjs';

const SDK_NAME = 'segment-node';
const options = parseClientArguments(SDK_NAME);
exitAfterTimeout(SDK_NAME, options.timeoutMs);

const errors = [];

// Wraps fetch to read each response body, which the SDK itself never looks at.
async function fetchAndCheck(url, init) {
  const response = await fetch(url, init);
  const body = await response.clone().text();
  if (response.ok) {
    const problem = findResponseProblem(body);
    if (problem) {
      errors.push(`${url}: ${problem}`);
    }
  } else {
    errors.push(`${url}: HTTP ${response.status} ${body.slice(0, 300)}`);
  }
  return response;
}

const analytics = new Analytics({
  writeKey: options.writeKey,
  host: options.host,
  ...(options.path ? { path: options.path } : {}),
  ...(options.flushAt ? { flushAt: options.flushAt } : {}),
  maxRetries: 3,
  httpClient: fetchAndCheck,
});

// Delivery failures also reach each call's callback, so this handler records only other errors.
analytics.on('error', (error) => {
  if (error.code !== 'delivery_failure') {
    errors.push(`${error.code}: ${error.reason?.message ?? error.reason}`);
  }
});

const calls = buildSampleCalls(options);
const delivered = calls.map(
  (call) =>
    new Promise((resolve) => {
      analytics[call.type](call.params, (error) => {
        if (error) {
          const cause = error.cause?.message ? ` (${error.cause.message})` : '';
          errors.push(`${call.type} failed: ${error.message ?? error}${cause}`);
        }
        resolve();
      });
    }),
);

await analytics.closeAndFlush({ timeout: options.timeoutMs });
await Promise.all(delivered);
reportAndExit(SDK_NAME, calls, errors);
