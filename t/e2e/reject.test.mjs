// The gateway's second server has "phoneval_action reject": the SDK must
// surface its 422 as a GHLValidationError carrying the module's message,
// and nothing may reach the Contacts simulator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GHLError, GHLValidationError } from '@gohighlevel/api-client';

import {
  sdk, env, LOCATION, stored, storedByEmail, results, email,
} from './helpers.mjs';

const ghl = sdk(env.gateway_reject);

async function rejected(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('the request went through; a 422 was expected');
}

test('createContact with an INVALID phone: 422 GHLValidationError',
  async () => {
    const mail = email('reject');
    const err = await rejected(ghl.contacts.createContact({
      locationId: LOCATION,
      firstName: 'Rex',
      email: mail,
      phone: '+1 209 555 01ab',
    }));
    assert.ok(err instanceof GHLValidationError, `got ${err?.constructor?.name}: ${err}`);
    assert.ok(err instanceof GHLError);
    assert.equal(err.name, 'GHLError');
    assert.equal(err.code, 'VALIDATION');
    assert.equal(err.statusCode, 422);
    assert.equal(err.message, 'phone: INVALID');
    assert.equal(err.response.statusCode, 422);
    assert.equal(err.response.error, 'Unprocessable Entity');
    assert.deepEqual(err.response.message, ['phone: INVALID']);
    assert.equal(err.response.phoneval.length, 1);
    assert.equal(err.response.phoneval[0].path, 'phone');
    assert.equal(err.response.phoneval[0].input, '+1 209 555 01ab');
    assert.equal(err.response.phoneval[0].status, 'INVALID');
    assert.equal(await storedByEmail(mail), undefined,
      'the Contacts API never saw it');
  });

test('a provider INVALID verdict is rejected as well', async () => {
  const mail = email('reject-provider');
  const err = await rejected(ghl.contacts.upsertContact({
    locationId: LOCATION,
    email: mail,
    phone: '+1 209 559 9999 00',
  }));
  assert.ok(err instanceof GHLValidationError, `got ${err}`);
  assert.equal(err.statusCode, 422);
  assert.match(err.message, /INVALID/);
  assert.equal(await storedByEmail(mail), undefined);
});

test('updateContact to an INVALID phone: 422, the contact unchanged',
  async () => {
    const created = await ghl.contacts.createContact({
      locationId: LOCATION,
      firstName: 'Kay',
      email: email('reject-update'),
      phone: '+1 415 555 0110',
    });
    const id = created.contact.id;
    assert.equal(results(await stored(id)).status, 'VALID_CONFIRMED');

    const err = await rejected(ghl.contacts.updateContact(
      { contactId: id }, { phone: '12' }));
    assert.ok(err instanceof GHLValidationError, `got ${err}`);
    assert.equal(err.statusCode, 422);
    assert.equal(err.message, 'phone: INVALID');
    const c = await stored(id);
    assert.equal(c.phone, '+14155550110');
    assert.equal(results(c).status, 'VALID_CONFIRMED');
  });

test('a valid phone passes the reject server, annotated', async () => {
  const res = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Val',
    email: email('reject-valid'),
    phone: '+1 415 555 0111',
  });
  const r = results(await stored(res.contact.id));
  assert.equal(r.status, 'VALID_CONFIRMED');
  assert.equal(Number(r.confidence), 95);
});
