// Opens the browser client page (browser/index.html) in headless Chromium and exits with 0 only
// when the page reports success and the gateway returned {"success": true} for identify, page
// and track. On success it prints the requests the page made as one JSON line. On failure it
// prints console errors, failed requests, requests to hosts other than 127.0.0.1 and the
// requests made, and exits with 1.
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { findResponseProblem } from './common.mjs';

const USAGE = `Usage: node browser-check.mjs --page-url URL [--chromium PATH] [--timeout-ms N]
  --page-url URL     the page, with writeKey, cdnURL and userId in its query string (required)
  --chromium PATH    the Chromium executable (default: /usr/bin/chromium)
  --timeout-ms N     milliseconds to wait for Chromium and for the page (default: 30000)`;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Every host name but 127.0.0.1 fails to resolve, so the page cannot reach another host even
  // by mistake. Such requests are still reported as problems.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

// The analytics.js one-letter paths for identify, page and track.
const EXPECTED_EVENT_PATHS = ['/v1/i', '/v1/p', '/v1/t'];

const options = parseOptions();
const problems = [];
const requests = [];
const responseChecks = [];

const browser = await launchBrowser();
try {
  const page = await browser.newPage();
  watchPage(page);
  await runPage(page);
  problems.push(...(await Promise.all(responseChecks)).filter(Boolean));
  problems.push(...findMissingEvents());
} finally {
  await browser.close();
}

if (problems.length > 0) {
  for (const problem of problems) {
    console.error(`browser-check: ${problem}`);
  }
  console.error(`browser-check: requests made: ${JSON.stringify(requests)}`);
  process.exit(1);
}
console.log(JSON.stringify({ requests }));

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'page-url': { type: 'string' },
        chromium: { type: 'string', default: '/usr/bin/chromium' },
        'timeout-ms': { type: 'string', default: '30000' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    exitWithUsage(error.message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values['page-url']) {
    exitWithUsage('missing --page-url');
  }

  const timeoutMs = Number(values['timeout-ms']);
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    exitWithUsage(`invalid --timeout-ms '${values['timeout-ms']}': expected a positive integer`);
  }

  const pageUrl = new URL(values['page-url']);
  const cdnURL = pageUrl.searchParams.get('cdnURL');
  if (!cdnURL) {
    exitWithUsage('--page-url has no cdnURL query parameter');
  }

  return {
    pageUrl: pageUrl.href,
    gatewayOrigin: new URL(cdnURL).origin,
    executablePath: values.chromium,
    timeoutMs,
  };
}

function exitWithUsage(message) {
  console.error(`browser-check: ${message}\n${USAGE}`);
  process.exit(64);
}

async function launchBrowser() {
  try {
    return await chromium.launch({
      executablePath: options.executablePath,
      args: CHROMIUM_ARGS,
      timeout: options.timeoutMs,
    });
  } catch (error) {
    const reason = error.message.split('\n')[0];
    console.error(`browser-check: could not start ${options.executablePath}: ${reason}`);
    process.exit(1);
  }
}

// Records console errors, failed requests, requests to other hosts and every response.
function watchPage(page) {
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => {
    problems.push(`page error: ${error.message}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') && url.hostname !== '127.0.0.1') {
      problems.push(`request to a host other than 127.0.0.1: ${request.method()} ${request.url()}`);
    }
  });
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText;
    problems.push(`request failed: ${request.method()} ${request.url()}: ${reason}`);
  });
  page.on('response', (response) => {
    const request = response.request();
    const headers = request.headers();
    requests.push({
      method: request.method(),
      url: request.url(),
      status: response.status(),
      contentType: headers['content-type'],
      authorization: headers.authorization?.split(' ')[0],
    });

    const url = new URL(request.url());
    if (url.origin === options.gatewayOrigin && EXPECTED_EVENT_PATHS.includes(url.pathname)) {
      responseChecks.push(checkEventResponse(response));
    }
  });
}

async function runPage(page) {
  try {
    await page.goto(options.pageUrl, { timeout: options.timeoutMs });
  } catch (error) {
    problems.push(`could not open ${options.pageUrl}: ${error.message.split('\n')[0]}`);
    return;
  }

  try {
    await page.waitForFunction(() => window.__sendoraDone !== undefined, null, {
      timeout: options.timeoutMs,
    });
  } catch {
    problems.push(`the page did not finish within ${options.timeoutMs} ms`);
    return;
  }

  const result = await page.evaluate(() => window.__sendoraDone);
  if (result !== true) {
    problems.push(`the page reported: ${result}`);
  }
}

// analytics.js counts any status below 400 as delivered and queues the event for a later retry
// after a 5xx response without failing the call, so the check reads each response itself.
async function checkEventResponse(response) {
  const where = `${response.request().method()} ${response.url()}`;
  if (response.status() < 200 || response.status() >= 300) {
    return `${where}: HTTP ${response.status()}`;
  }
  const problem = findResponseProblem(await response.text());
  return problem ? `${where}: ${problem}` : null;
}

function findMissingEvents() {
  const delivered = new Set(
    requests
      .filter((request) => request.method === 'POST' && request.status >= 200 && request.status < 300)
      .map((request) => new URL(request.url))
      .filter((url) => url.origin === options.gatewayOrigin)
      .map((url) => url.pathname),
  );
  return EXPECTED_EVENT_PATHS.filter((path) => !delivered.has(path)).map(
    (path) => `no successful POST to ${options.gatewayOrigin}${path}`,
  );
}
