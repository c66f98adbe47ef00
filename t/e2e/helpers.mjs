// Shared by the *.test.mjs files: the sandbox's addresses, an SDK client
// aimed at the gateway, and the simulators' admin endpoints.
//
// The sandbox (both simulators + the nginx gateway) is started by
// t/500-sdk-e2e.t through sandbox/demo_env.py, which writes env.json;
// its path arrives in PHONEVAL_E2E_ENV.

import { readFileSync } from 'node:fs';
import { HighLevel } from '@gohighlevel/api-client';

const envPath = process.env.PHONEVAL_E2E_ENV;
if (!envPath) {
  throw new Error('PHONEVAL_E2E_ENV is not set: run these tests through ' +
                  '"prove -I t/lib t/500-sdk-e2e.t", which starts the sandbox');
}

export const env = JSON.parse(readFileSync(envPath, 'utf8'));
export const LOCATION = env.location;
export const FIELDS = env.fields;   // item -> custom field id

// The official SDK, unmodified: its base URL is a private constant, so the
// axios instance behind it is pointed at the gateway after construction.
export function sdk(baseURL = env.gateway) {
  const client = new HighLevel({
    privateIntegrationToken: env.token,
    apiVersion: '2021-07-28',
    logLevel: 'none',
  });
  client.getHttpClient().defaults.baseURL = baseURL;
  return client;
}

async function sim(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${base}${path}: ${res.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

export const contactsSim = {
  config: (body) => sim(env.contacts, 'POST', '/_sim/config', body),
  contacts: () => sim(env.contacts, 'GET', '/_sim/contacts'),
  log: () => sim(env.contacts, 'GET', '/_sim/log'),
};

export const byteplantSim = {
  stats: () => sim(env.byteplant, 'GET', '/_sim/stats'),
};

export const gatewayStatus = async () =>
  (await sim(env.gateway, 'GET', '/phoneval_status?format=json'))
    .zones.phoneval;

// the contact as the Contacts simulator stores it (admin endpoint, not the
// gateway), or undefined
export async function stored(id) {
  return (await contactsSim.contacts()).find((c) => c.id === id);
}

export async function storedByEmail(email) {
  return (await contactsSim.contacts()).find((c) => c.email === email);
}

// the stored custom fields as { item: value } for the result fields
export function results(contact) {
  const byId = Object.fromEntries(
    (contact.customFields || []).map((cf) => [cf.id, cf.value]));
  const out = {};
  for (const [item, id] of Object.entries(FIELDS)) {
    if (id in byId) out[item] = byId[id];
  }
  return out;
}

// unique emails per run and file, so the location's duplicate check never
// trips over another test
let seq = 0;
export function email(tag) {
  seq += 1;
  return `${tag}.${process.pid}.${seq}@example.com`;
}

export const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
