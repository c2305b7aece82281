// Sends identify, track, page, screen, group and alias to a Sendora gateway through
// @rudderstack/rudder-sdk-node, unchanged but for its data plane URL, and exits with 0 only when
// the gateway accepted every message. The SDK gzips each batch. Run with --help for the options.
import Analytics from '@rudderstack/rudder-sdk-node';
import {
  buildSampleCalls,
  exitAfterTimeout,
  findResponseProblem,
  parseClientArguments,
  reportAndExit,
} from './common.mjs';

const SDK_NAME = 'rudder-node';
const options = parseClientArguments(SDK_NAME);
exitAfterTimeout(SDK_NAME, options.timeoutMs);

const errors = [];

// axios runs this on every response body, which the SDK itself never looks at. Error statuses
// reach the calls' callbacks instead.
function checkResponse(body, headers, status) {
  if (status >= 200 && status < 300) {
    const problem = findResponseProblem(body);
    if (problem) {
      errors.push(problem);
    }
  }
  return body;
}

const client = new Analytics(options.writeKey, {
  dataPlaneUrl: options.host,
  ...(options.path ? { path: options.path } : {}),
  ...(options.flushAt ? { flushAt: options.flushAt } : {}),
  retryCount: 3,
  logLevel: 'error',
  axiosConfig: { transformResponse: [checkResponse] },
});

// The SDK sends the first call by itself and leaves that request's rejection unhandled, which
// would end the process before the report.
process.on('unhandledRejection', (reason) => {
  errors.push(`request failed: ${describeError(reason)}`);
});

function describeError(error) {
  const status = error?.response ? ` (HTTP ${error.response.status})` : '';
  return `${error?.message ?? error}${status}`;
}

const calls = buildSampleCalls(options);
const completed = new Set();
for (const call of calls) {
  client[call.type](call.params, (error) => {
    if (error) {
      errors.push(`${call.type} failed: ${describeError(error)}`);
    }
    completed.add(call.type);
  });
}

// The SDK sends the first call at once and queues the rest until flushAt or flushInterval.
// flush() sends at most flushAt queued calls, and when the request in flight fails it throws
// before sending any, so it is called until every call has completed. The SDK runs the
// callbacks on the next turn of the event loop after a request ends.
for (let round = 0; completed.size < calls.length && round <= calls.length; round++) {
  try {
    await client.flush();
  } catch {
    // The callbacks of that request's calls receive the same error.
  }
  await new Promise((resolve) => setImmediate(resolve));
}

for (const call of calls) {
  if (!completed.has(call.type)) {
    errors.push(`${call.type} was never sent: the SDK did not call back`);
  }
}
reportAndExit(SDK_NAME, calls, errors);
