// Arguments, sample calls and response checks shared by the server-side SDK clients.
import { parseArgs } from 'node:util';

const USAGE = `Options:
  --host URL                 base URL of the Sendora gateway, e.g. http://127.0.0.1:5080 (required)
  --write-key KEY            write key of the source (required)
  --user ID                  userId of every call (required)
  --anon ID                  anonymousId of every call and previousId of the alias call (required)
  --path PATH                batch path appended to --host (default: the SDK's /v1/batch)
  --flush-at N               events per batch request (default: the SDK's)
  --group-id ID              groupId of the group call (default: acme)
  --message-id-prefix TEXT   messageId prefix, each call appends -<type> (default: <sdk>-<user>)
  --timeout-ms N             exit with code 2 when not done within N milliseconds (default: 30000)`;

/** Parses the command line, printing usage and exiting with code 64 when it is invalid. */
export function parseClientArguments(sdkName) {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        host: { type: 'string' },
        'write-key': { type: 'string' },
        user: { type: 'string' },
        anon: { type: 'string' },
        path: { type: 'string' },
        'flush-at': { type: 'string' },
        'group-id': { type: 'string', default: 'acme' },
        'message-id-prefix': { type: 'string' },
        'timeout-ms': { type: 'string', default: '30000' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    exitWithUsage(sdkName, error.message);
  }
  if (values.help) {
    console.log(`Usage: node ${sdkName}.mjs OPTIONS\n${USAGE}`);
    process.exit(0);
  }

  for (const name of ['host', 'write-key', 'user', 'anon']) {
    if (!values[name]) {
      exitWithUsage(sdkName, `missing --${name}`);
    }
  }

  const flushAt = values['flush-at'] === undefined ? undefined : Number(values['flush-at']);
  if (flushAt !== undefined && !(Number.isInteger(flushAt) && flushAt > 0)) {
    exitWithUsage(sdkName, `invalid --flush-at '${values['flush-at']}': expected a positive integer`);
  }

  const timeoutMs = Number(values['timeout-ms']);
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    exitWithUsage(sdkName, `invalid --timeout-ms '${values['timeout-ms']}': expected a positive integer`);
  }

  return {
    host: values.host,
    writeKey: values['write-key'],
    userId: values.user,
    anonymousId: values.anon,
    path: values.path,
    flushAt,
    groupId: values['group-id'],
    messageIdPrefix: values['message-id-prefix'] ?? `${sdkName}-${values.user}`,
    timeoutMs,
  };
}

function exitWithUsage(sdkName, message) {
  console.error(`${sdkName}: ${message}\n${USAGE}`);
  process.exit(64);
}

/**
 * Builds identify, track, page, screen, group and alias calls in the parameter shape that both
 * @segment/analytics-node and @rudderstack/rudder-sdk-node accept. Every call carries userId and
 * anonymousId, except alias, which carries userId and previousId = anonymousId.
 */
export function buildSampleCalls({ userId, anonymousId, groupId, messageIdPrefix }) {
  const ids = { userId, anonymousId };
  const messageId = (type) => `${messageIdPrefix}-${type}`;
  return [
    {
      type: 'identify',
      params: {
        ...ids,
        messageId: messageId('identify'),
        traits: { name: 'Ada Lovelace', email: `${userId}@example.com`, plan: 'pro' },
      },
    },
    {
      type: 'track',
      params: {
        ...ids,
        messageId: messageId('track'),
        event: 'Order Completed',
        properties: {
          orderId: 'order-1001',
          revenue: 42.5,
          currency: 'USD',
          products: [{ productId: 'sku-1', quantity: 2, price: 21.25 }],
        },
      },
    },
    {
      type: 'page',
      params: {
        ...ids,
        messageId: messageId('page'),
        category: 'Docs',
        name: 'Pricing',
        properties: { path: '/pricing', title: 'Pricing' },
      },
    },
    {
      type: 'screen',
      params: {
        ...ids,
        messageId: messageId('screen'),
        name: 'Home',
        properties: { variant: 'dark' },
      },
    },
    {
      type: 'group',
      params: {
        ...ids,
        messageId: messageId('group'),
        groupId,
        traits: { name: 'Acme Inc', plan: 'enterprise', employees: 120 },
      },
    },
    {
      type: 'alias',
      params: { userId, previousId: anonymousId, messageId: messageId('alias') },
    },
  ];
}

/**
 * Returns why a 2xx response body from the gateway is not a full success, or null when it is
 * {"success": true} without rejected messages. The SDKs treat any 2xx status as delivered, so
 * messages that the gateway rejected inside an accepted batch would pass unnoticed otherwise.
 */
export function findResponseProblem(body) {
  let parsed;
  try {
    parsed = typeof body === 'string' ? JSON.parse(body) : body;
  } catch {
    return `response body is not JSON: ${String(body).slice(0, 200)}`;
  }
  if (parsed?.success !== true) {
    return `response body lacks "success": true: ${JSON.stringify(parsed).slice(0, 200)}`;
  }
  if (Array.isArray(parsed.rejected) && parsed.rejected.length > 0) {
    return `the gateway rejected messages: ${JSON.stringify(parsed.rejected)}`;
  }
  return null;
}

/** Exits with code 2 if the process is still running after timeoutMs. */
export function exitAfterTimeout(sdkName, timeoutMs) {
  setTimeout(() => {
    console.error(`${sdkName}: timed out after ${timeoutMs} ms before every call was delivered`);
    process.exit(2);
  }, timeoutMs).unref();
}

/** Prints the result as one JSON line and exits with 0 when there are no errors, 1 otherwise. */
export function reportAndExit(sdkName, calls, errors) {
  if (errors.length > 0) {
    for (const error of errors) {
      console.error(`${sdkName}: ${error}`);
    }
    process.exit(1);
  }
  const messageIds = Object.fromEntries(calls.map((call) => [call.type, call.params.messageId]));
  console.log(JSON.stringify({ sdk: sdkName, messageIds }));
  process.exit(0);
}
