// The official SDK writes contacts through the gateway (phoneval_action
// annotate); the Contacts simulator must store them with the verdict in
// the result custom fields.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  sdk, env, LOCATION, FIELDS, stored, storedByEmail, results, email,
  contactsSim, byteplantSim, gatewayStatus, ISO_SECONDS,
} from './helpers.mjs';

const ghl = sdk();

test('createContact: a valid phone is stored with its verdict', async () => {
  const res = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Ada',
    lastName: 'Valid',
    email: email('create'),
    phone: '+1 415 555 0101',
  });
  assert.ok(res.contact?.id, 'the SDK returns the created contact');

  const c = await stored(res.contact.id);
  assert.ok(c, 'the simulator holds the contact');
  assert.equal(c.phone, '+14155550101');
  const r = results(c);
  assert.equal(r.status, 'VALID_CONFIRMED');
  assert.match(r.last_validated, ISO_SECONDS);
  assert.equal(Number(r.confidence), 95);
  assert.equal(r.line_type, 'MOBILE');
});

test('createContact: a national number uses phoneval_default_country',
  async () => {
    const res = await ghl.contacts.createContact({
      locationId: LOCATION,
      firstName: 'Nat',
      email: email('national'),
      phone: '(212) 555-0142',
    });
    const r = results(await stored(res.contact.id));
    assert.equal(r.status, 'VALID_CONFIRMED');
    assert.equal(r.line_type, 'MOBILE');
  });

test('createContact: an INVALID phone is stored, annotated INVALID',
  async () => {
    const res = await ghl.contacts.createContact({
      locationId: LOCATION,
      firstName: 'Ivan',
      email: email('invalid'),
      phone: '+1 209 559 9999 00',   // the Byteplant simulator: INVALID
    });
    const r = results(await stored(res.contact.id));
    assert.equal(r.status, 'INVALID');
    assert.equal(Number(r.confidence), 0);
    assert.match(r.last_validated, ISO_SECONDS);
    assert.equal(r.line_type, undefined, 'an empty line type is not stored');
  });

test('createContact: no verdict to be had is PENDING, and passes',
  async () => {
    const res = await ghl.contacts.createContact({
      locationId: LOCATION,
      firstName: 'Pat',
      email: email('pending'),
      phone: '+1 209 559 9999 01',   // the Byteplant simulator: DELAYED
    });
    const r = results(await stored(res.contact.id));
    assert.deepEqual(r, { status: 'PENDING' },
      'PENDING, with empty (so unstored) time and confidence');
  });

test('createContact: result fields sent by the client are replaced',
  async () => {
    const res = await ghl.contacts.createContact({
      locationId: LOCATION,
      firstName: 'Spoof',
      email: email('spoof'),
      phone: '+1 209 558 9999 00',
      customFields: [
        { id: FIELDS.status, field_value: 'VALID_CONFIRMED' },
        { id: FIELDS.confidence, field_value: 100 },
      ],
    });
    const r = results(await stored(res.contact.id));
    assert.equal(r.status, 'INVALID');
    assert.equal(Number(r.confidence), 0);
  });

test('updateContact: a new phone gets a new verdict', async () => {
  const created = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Uma',
    email: email('update'),
    phone: '+44 20 7946 0123',
  });
  const id = created.contact.id;
  let r = results(await stored(id));
  assert.equal(r.status, 'VALID_CONFIRMED');
  assert.equal(r.line_type, 'FIXED_LINE');

  const updated = await ghl.contacts.updateContact(
    { contactId: id }, { phone: '+49 1512 3456789', lastName: 'Moved' });
  assert.equal(updated.succeded, true);

  const c = await stored(id);
  assert.equal(c.phone, '+4915123456789');
  assert.equal(c.lastName, 'Moved');
  r = results(c);
  assert.equal(r.status, 'VALID_CONFIRMED');
  assert.equal(r.line_type, 'MOBILE');
});

test('updateContact: removing the phone clears its verdict', async () => {
  const created = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Clem',
    email: email('clear'),
    phone: '+1 415 555 0102',
  });
  const id = created.contact.id;
  assert.equal(results(await stored(id)).status, 'VALID_CONFIRMED');

  await ghl.contacts.updateContact({ contactId: id }, { phone: null });
  const c = await stored(id);
  assert.equal(c.phone, undefined);
  assert.deepEqual(results(c), {}, 'no verdict outlives its number');
});

test('updateContact: a write without a phone passes untouched', async () => {
  const created = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Tom',
    email: email('nophone'),
    phone: '+1 415 555 0103',
  });
  const id = created.contact.id;
  const before = results(await stored(id));

  await ghl.contacts.updateContact({ contactId: id }, { lastName: 'Tagged' });
  const c = await stored(id);
  assert.equal(c.lastName, 'Tagged');
  assert.deepEqual(results(c), before, 'the verdict stays as it was');
});

test('updateContact: the same number again is a cache hit', async () => {
  const created = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Cary',
    email: email('cache'),
    phone: '+1 415 555 0106',
  });
  const id = created.contact.id;
  const before = await gatewayStatus();
  const calls = (await byteplantSim.stats()).requests;

  await ghl.contacts.updateContact({ contactId: id },
    { phone: '+1-415-555-0106', lastName: 'Again' });
  const after = await gatewayStatus();
  assert.equal(after.cache.hits, before.cache.hits + 1);
  assert.equal((await byteplantSim.stats()).requests, calls,
    'no provider call');
  const r = results(await stored(id));
  assert.equal(r.status, 'VALID_CONFIRMED');
});

test('upsertContact: creates, then updates, with verdicts', async () => {
  const mail = email('upsert');
  const first = await ghl.contacts.upsertContact({
    locationId: LOCATION,
    firstName: 'Uli',
    email: mail,
    phone: '+1 415 555 0104',
  });
  assert.equal(first.new, true);
  assert.equal(results(await stored(first.contact.id)).status,
    'VALID_CONFIRMED');

  const second = await ghl.contacts.upsertContact({
    locationId: LOCATION,
    email: mail,
    phone: '+1 209 557 9999 00',
  });
  assert.equal(second.new, false);
  assert.equal(second.contact.id, first.contact.id);
  const c = await storedByEmail(mail);
  const r = results(c);
  assert.equal(r.status, 'INVALID');
  assert.equal(Number(r.confidence), 0);
});

test('reads pass the gateway untouched', async () => {
  const created = await ghl.contacts.createContact({
    locationId: LOCATION,
    firstName: 'Rea',
    email: email('read'),
    phone: '+1 415 555 0105',
  });
  const got = await ghl.contacts.getContact({ contactId: created.contact.id });
  assert.equal(got.contact.id, created.contact.id);
  assert.equal(results(got.contact).status, 'VALID_CONFIRMED');

  const found = await ghl.contacts.searchContactsAdvanced({
    locationId: LOCATION,
    pageLimit: 10,
    filters: [{ field: 'email', operator: 'eq', value: created.contact.email }],
  });
  assert.equal(found.total, 1);
});

test('the gateway counted what it did', async () => {
  const z = await gatewayStatus();
  assert.ok(z.requests.annotated >= 9, JSON.stringify(z.requests));
  assert.ok(z.phones.VALID_CONFIRMED >= 6, JSON.stringify(z.phones));
  const log = await contactsSim.log();
  const sdkHeader = log.find((e) => e.path === '/contacts/' &&
                                    e.method === 'POST');
  assert.equal(sdkHeader.headers.Version, '2021-07-28');
  assert.ok(env.gateway.startsWith('http://127.0.0.1:'));
});
