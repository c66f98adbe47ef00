// A 429 from the Contacts API travels back through the gateway and reaches
// the SDK as a GHLRateLimitError with HighLevel's rate-limit headers parsed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GHLRateLimitError, GHLValidationError } from '@gohighlevel/api-client';

import { sdk, LOCATION, contactsSim, storedByEmail, email } from './helpers.mjs';

const ghl = sdk();

test('a 429 from the Contacts API is a GHLRateLimitError', async () => {
  await contactsSim.config({ force_429: 1 });
  const mail = email('ratelimited');
  let err;
  try {
    await ghl.contacts.createContact({
      locationId: LOCATION,
      firstName: 'Rita',
      email: mail,
      phone: '+1 415 555 0120',
    });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof GHLRateLimitError, `got ${err}`);
  assert.equal(err.code, 'RATE_LIMIT');
  assert.equal(err.statusCode, 429);
  assert.equal(err.message, 'Too Many Requests');
  assert.ok(err.rateLimit, 'the X-RateLimit-* headers were parsed');
  assert.equal(await storedByEmail(mail), undefined);

  // the next request goes through again
  const res = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Rita',
    email: mail,
    phone: '+1 415 555 0120',
  });
  assert.ok(res.contact.id);
});

test('a 429 on PUT and on upsert as well', async () => {
  const created = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Rudi',
    email: email('ratelimited-put'),
    phone: '+1 415 555 0121',
  });
  await contactsSim.config({ force_429: 2 });
  await assert.rejects(
    ghl.contacts.updateContact({ contactId: created.contact.id },
      { phone: '+1 415 555 0122' }),
    (e) => e instanceof GHLRateLimitError && e.statusCode === 429);
  await assert.rejects(
    ghl.contacts.upsertContact({
      locationId: LOCATION, email: email('ratelimited-upsert'),
      phone: '+1 415 555 0123',
    }),
    (e) => e instanceof GHLRateLimitError && !(e instanceof GHLValidationError));
});
