#!/usr/bin/env node
// A legacy SOAP client (node `soap`) calls every shipped operation through
// soapbridge, and every answer is checked field by field against what the
// REST service behind it says when asked directly.
//
//   node node_soap_call_bridge.js BRIDGE_URL DEMO_URL
//
// The same checks as zeep_call_bridge.py, by an independent client: the
// WSDL and its schemas come from the bridge's `?wsdl`; orders over SOAP 1.1,
// payments over SOAP 1.2 (forceSoap12Headers). Exit 1 on any mismatch.
'use strict';

const soap = require('soap');

const [BRIDGE, DEMO] = process.argv.slice(2).map((u) => u.replace(/\/$/, ''));
const failures = [];

async function rest(path) {
  const r = await fetch(DEMO + path);
  return JSON.parse(await r.text());
}

// node-soap's values and JSON values in one comparable form: numbers and
// numeric strings as canonical decimals, date-times as instants, `$value`
// for simple content, absent optionals dropped, attributes flattened.
function norm(v) {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) return v.map(norm);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const out = {};
    for (const [k0, x0] of Object.entries(v)) {
      if (k0 === 'attributes' && typeof x0 === 'object') {
        for (const [ak, av] of Object.entries(x0)) {
          if (!ak.startsWith('xmlns') && !ak.includes(':')) out[ak] = norm(av);
        }
        continue;
      }
      const k = k0 === '$value' ? '$value' : k0;
      const x = norm(x0);
      if (x === undefined || (Array.isArray(x) && x.length === 0)) continue;
      out[k] = x;
    }
    return out;
  }
  if (typeof v === 'number') return canonicalNumber(String(v));
  if (typeof v === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(v)) return canonicalNumber(v);
    if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(v)) {
      const d = new Date(v);
      if (!Number.isNaN(d.getTime())) return d.toISOString();
    }
    return v;
  }
  return v;
}

function canonicalNumber(s) {
  let [i, f = ''] = s.split('.');
  f = f.replace(/0+$/, '');
  i = i.replace(/^(-?)0+(?=\d)/, '$1');
  return f ? `${i}.${f}` : i;
}

// node-soap puts one repeated element as an object, not a list: compare
// through the JSON side's shape.
function shapeLike(via, direct) {
  if (Array.isArray(direct) && via !== undefined && !Array.isArray(via)) via = [via];
  if (Array.isArray(direct) && Array.isArray(via)) return via.map((x, i) => shapeLike(x, direct[i]));
  if (direct && typeof direct === 'object' && via && typeof via === 'object') {
    const out = {};
    for (const [k, x] of Object.entries(via)) out[k] = shapeLike(x, direct[k]);
    return out;
  }
  // node-soap reads xs:date into a Date at midnight UTC.
  if (typeof direct === 'string' && /^\d{4}-\d\d-\d\d$/.test(direct)
      && typeof via === 'string' && via === `${direct}T00:00:00.000Z`) {
    return direct;
  }
  return via;
}

function check(name, viaSoap, direct) {
  const b = norm(direct);
  const a = shapeLike(norm(viaSoap), b);
  const same = JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
  if (same) {
    console.log(`ok    ${name}`);
  } else {
    failures.push(name);
    console.log(`FAIL  ${name}\n  via soap: ${JSON.stringify(a)}\n  direct:   ${JSON.stringify(b)}`);
  }
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

function pick(o, keys) {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

async function fault(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return e;
  }
}

async function main() {
  const orders = await soap.createClientAsync(`${BRIDGE}/soap/OrderService?wsdl`);
  const payments = await soap.createClientAsync(`${BRIDGE}/soap/PaymentService?wsdl`, {
    forceSoap12Headers: true,
  });

  let [r] = await orders.GetOrderAsync({ orderId: 'SO-2024-000123' });
  check('GetOrder', r.order, (await rest('/erp/orders/SO-2024-000123')).order);

  [r] = await orders.ListOrdersAsync({ customerId: 'CUST-004711', status: ['PENDING', 'CONFIRMED'] });
  check('ListOrders', r, await rest('/erp/orders?customerId=CUST-004711&status=PENDING&status=CONFIRMED'));

  [r] = await orders.GetStockLevelAsync({ sku: 'PUMP-00042' });
  check('GetStockLevel', r, await rest('/erp/stock/PUMP-00042'));

  [r] = await orders.CreateOrderAsync({
    order: {
      customerId: 'CUST-000043', orderDate: '2026-11-25', currency: 'EUR',
      line: [{ sku: 'VLV-1200-XL', quantity: 4, unitPrice: '12.50' }],
    },
    requestId: 'node-1',
  });
  let stored = (await rest(`/erp/orders/${r.orderId}`)).order;
  check('CreateOrder', r, pick(stored, ['orderId', 'status', 'totalAmount', 'currency']));

  [r] = await orders.CancelOrderAsync({ orderId: 'SO-2024-000098', reason: 'node test' });
  stored = (await rest('/erp/orders/SO-2024-000098')).order;
  check('CancelOrder', r, pick(stored, ['orderId', 'status', 'cancelledAt']));

  let e = await fault(orders.CancelOrderAsync({ orderId: 'SO-2024-000098', reason: 'again' }));
  const body = e && e.body ? String(e.body) : '';
  check('CancelOrder twice: declared OrderFault', /<tns:code>NOT_CANCELLABLE<\/tns:code>/.test(body), true);

  e = await fault(orders.GetOrderAsync({ orderId: 'SO-2024-000404' }));
  check('GetOrder unknown: fault', Boolean(e && e.root && JSON.stringify(e.root).includes('soap:Client')), true);

  [r] = await payments.GetPaymentStatusAsync({ paymentId: 'PMT-20240314-000042' });
  check('GetPaymentStatus (SOAP 1.2)', r, await rest('/bank/payments/PMT-20240314-000042/status'));

  payments.addSoapHeader(
    '<ctx:RequestContext xmlns:ctx="urn:example:bank:payments:v2">'
      + '<ctx:messageId>3b2f6c1e-8d4a-4e7b-9c0d-5a1f2e3d4c5b</ctx:messageId>'
      + '<ctx:channel>ONLINE_BANKING</ctx:channel></ctx:RequestContext>',
  );
  [r] = await payments.SubmitPaymentAsync({
    payment: {
      endToEndId: 'NODE-0001',
      amount: { attributes: { currency: 'EUR' }, $value: '12.50' },
      requestedExecutionDate: 'ASAP',
      debtor: { name: 'Muster Maschinenbau GmbH' },
      debtorAccount: { iban: 'DE41500105170123456789' },
      creditor: { name: 'Immobilien Lyon SARL' },
      creditorAccount: { iban: 'FR4030004028370001234567842' },
    },
  });
  stored = await rest(`/bank/payments/${r.paymentId}/status`);
  check('SubmitPayment (SOAP 1.2, header)', pick(r, ['paymentId', 'status']), pick(stored, ['paymentId', 'status']));
  payments.clearSoapHeaders();

  e = await fault(payments.GetPaymentStatusAsync({ paymentId: 'PMT-20240314-999999' }));
  check('GetPaymentStatus unknown: declared PaymentNotFound',
    Boolean(e && e.body && String(e.body).includes('PaymentNotFound')), true);

  console.log(`${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
