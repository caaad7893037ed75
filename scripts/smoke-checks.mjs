// The JSON and header checks of scripts/smoke.sh, one per step: `node smoke-checks.mjs CHECK ARGS...` prints one line
// saying what was seen and exits 0 when it is what the contract (docs/contract.md) documents, 1 (the line saying what is
// wrong) otherwise. Bodies and headers are read from the files curl wrote; nothing here prints a header's value other
// than the ones named (never Authorization, which the proxy does not echo anyway).
import { readFileSync } from 'node:fs';

const [check, ...args] = process.argv.slice(2);

function fail(reason) {
  console.log(reason);
  process.exit(1);
}

function pass(detail) {
  console.log(detail);
  process.exit(0);
}

function readJson(file, what) {
  const text = readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    // A body that is not JSON may be a platform's HTML page: say so in a few visible characters, never the whole page.
    const start = text.slice(0, 80).replace(/[^\x20-\x7e]/g, ' ').trim();
    return fail(`${what} is not JSON${start ? ` (starts "${start}")` : ' (empty)'}`);
  }
}

// The last header block curl wrote (after any 100 Continue or redirect), names lower-cased.
function readHeaders(file) {
  const blocks = readFileSync(file, 'utf8').split(/\r?\n\r?\n/).filter((block) => block.trim() !== '');
  const headers = new Map();
  for (const line of (blocks.at(-1) ?? '').split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  return headers;
}

const isText = (value) => typeof value === 'string' && value.length > 0;
const isWholeNumber = (text) => /^[0-9]+$/.test(text ?? '');

// /health: {"status": "...", "checks": {"name": {"status": "...", "description": "..."}}}.
function health([bodyFile]) {
  const body = readJson(bodyFile, 'the health body');
  if (!isText(body.status)) fail('the health body has no "status"');
  if (typeof body.checks !== 'object' || body.checks === null || Object.keys(body.checks).length === 0) {
    fail('the health body has no "checks"');
  }
  for (const [name, entry] of Object.entries(body.checks)) {
    if (!isText(entry?.status) || typeof entry?.description !== 'string') {
      fail(`the health check "${name}" has no "status" and "description"`);
    }
  }
  const checks = Object.entries(body.checks).map(([name, entry]) => `${name} ${entry.status}`).join(', ');
  pass(`status ${body.status} (${checks})`);
}

// /quota: {"object": "quota", "tier": "...", "resetSeconds": n, "requests": {limit, used, remaining}, "tokens": {...}}.
// Prints the request limit as the last word ("none" without one), which smoke.sh reads for the rate-limit step.
function quota([bodyFile]) {
  const body = readJson(bodyFile, 'the quota body');
  if (body.object !== 'quota') fail('the quota body\'s "object" is not "quota"');
  if (!isText(body.tier)) fail('the quota body has no "tier"');
  if (typeof body.requests !== 'object' || body.requests === null) fail('the quota body has no "requests"');
  const { limit, used } = body.requests;
  if (limit === null || limit === undefined) {
    pass(`tier ${body.tier}, no request limit; limit none`);
  }
  if (!Number.isInteger(limit) || !Number.isInteger(used)) fail('the quota body\'s "requests" has no whole "limit" and "used"');
  pass(`tier ${body.tier}, ${used} of ${limit} requests used this hour; limit ${limit}`);
}

// A counted response of a key with a request limit: X-RateLimit-Limit (equal to /quota's limit) and X-RateLimit-Remaining.
function rateLimit([headersFile, expectedLimit]) {
  const headers = readHeaders(headersFile);
  const limit = headers.get('x-ratelimit-limit');
  const remaining = headers.get('x-ratelimit-remaining');
  if (limit === undefined || remaining === undefined) fail('no X-RateLimit-Limit and X-RateLimit-Remaining headers');
  if (!isWholeNumber(limit) || !isWholeNumber(remaining)) fail('X-RateLimit-Limit or X-RateLimit-Remaining is not a whole number');
  if (limit !== expectedLimit) fail(`X-RateLimit-Limit ${limit}, but /quota says the key's limit is ${expectedLimit}`);
  if (Number(remaining) > Number(limit)) fail(`X-RateLimit-Remaining ${remaining} is more than X-RateLimit-Limit ${limit}`);
  pass(`X-RateLimit-Limit ${limit}, X-RateLimit-Remaining ${remaining}`);
}

// The documented error body: message, path, requestId, statusCode, timestamp and error {message, type, code}, with the
// x-request-id header equal to requestId. Prints the request id as the last word, which smoke.sh looks for in the archive.
function errorBody([status, path, bodyFile, headersFile]) {
  const body = readJson(bodyFile, 'the error body');
  const missing = ['message', 'path', 'requestId', 'timestamp'].filter((field) => !isText(body[field]));
  if (missing.length > 0) fail(`the error body has no ${missing.map((field) => `"${field}"`).join(', ')}`);
  if (body.statusCode !== Number(status)) fail(`the error body's "statusCode" is ${body.statusCode}, not ${status}`);
  if (body.path !== path) fail(`the error body's "path" is not ${path}`);
  if (Number.isNaN(Date.parse(body.timestamp))) fail('the error body\'s "timestamp" is not a time');
  const error = body.error;
  if (typeof error !== 'object' || error === null || !isText(error.message) || !isText(error.type) || !('code' in error)) {
    fail('the error body has no "error" with "message", "type" and "code"');
  }
  const requestIdHeader = readHeaders(headersFile).get('x-request-id');
  if (requestIdHeader !== body.requestId) fail(`the x-request-id header is not the body's requestId ${body.requestId}`);
  pass(`code ${error.code}, requestId ${body.requestId}`);
}

const checks = { health, quota, 'rate-limit': rateLimit, 'error-body': errorBody };
if (!(check in checks)) fail(`no check named ${check}`);
checks[check](args);
