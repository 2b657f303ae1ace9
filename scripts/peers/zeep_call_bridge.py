#!/usr/bin/env python3
"""A legacy SOAP client (python zeep) calls every shipped operation through
soapbridge, and every answer is checked field by field against what the
REST service behind it says when asked directly.

    zeep_call_bridge.py BRIDGE_URL DEMO_URL

BRIDGE_URL is `soapbridge serve --demo` (the shipped mappings), DEMO_URL the
example REST service it runs. zeep reads the contracts from the bridge's
`?wsdl` (so the served WSDL, its rewritten addresses and imported schemas
are what is tested), calls over SOAP 1.1 (orders) and SOAP 1.2 (payments),
and must see the declared faults. Prints one line per check; exit 1 on any
mismatch.
"""

import datetime
import decimal
import json
import sys
import urllib.request

import zeep
from zeep.helpers import serialize_object

BRIDGE, DEMO = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")
failures = []


def rest(path):
    with urllib.request.urlopen(DEMO + path) as r:
        return json.loads(r.read(), parse_float=decimal.Decimal, parse_int=decimal.Decimal)


def norm(v):
    """zeep's Python values and JSON values in one comparable form."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "_value_1":
                k = "$value"
            x = norm(x)
            if x is None or x == []:
                continue  # absent optional fields
            out[k] = x
        return out
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, decimal.Decimal)):
        return decimal.Decimal(str(v)).normalize()
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc).isoformat()
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, str):
        # Date-times from JSON: compare as instants, whatever the zone notation.
        try:
            if "T" in v and len(v) >= 19:
                return datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).astimezone(
                    datetime.timezone.utc).isoformat()
        except ValueError:
            pass
        return v
    return v


def check(name, via_soap, direct):
    a, b = norm(via_soap), norm(direct)
    if a == b:
        print(f"ok    {name}")
    else:
        failures.append(name)
        print(f"FAIL  {name}\n  via soap: {a}\n  direct:   {b}")


def fault_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except zeep.exceptions.Fault as f:
        return f
    return None


def main():
    orders = zeep.Client(BRIDGE + "/soap/OrderService?wsdl").service
    payments = zeep.Client(BRIDGE + "/soap/PaymentService?wsdl").service

    got = orders.GetOrder(orderId="SO-2024-000123")
    check("GetOrder", serialize_object(got, dict), rest("/erp/orders/SO-2024-000123")["order"])

    got = orders.ListOrders(customerId="CUST-004711", status=["PENDING", "CONFIRMED"])
    direct = rest("/erp/orders?customerId=CUST-004711&status=PENDING&status=CONFIRMED")
    check("ListOrders", serialize_object(got, dict), direct)

    got = orders.GetStockLevel(sku="PUMP-00042")
    check("GetStockLevel", serialize_object(got, dict), rest("/erp/stock/PUMP-00042")["stockLevel"])

    created = orders.CreateOrder(order={
        "customerId": "CUST-000042", "orderDate": datetime.date(2026, 11, 25), "currency": "EUR",
        "line": [{"sku": "PUMP-00042", "quantity": 3, "unitPrice": decimal.Decimal("100.00"),
                  "discount": decimal.Decimal("5")}],
    }, requestId="zeep-1")
    created = serialize_object(created, dict)
    stored = rest("/erp/orders/" + created["orderId"])["order"]
    check("CreateOrder", created,
          {k: stored[k] for k in ("orderId", "status", "totalAmount", "currency")})

    cancelled = serialize_object(orders.CancelOrder(orderId="SO-2024-000098", reason="zeep test"), dict)
    stored = rest("/erp/orders/SO-2024-000098")["order"]
    check("CancelOrder", cancelled,
          {k: stored[k] for k in ("orderId", "status", "cancelledAt")})

    f = fault_code(orders.CancelOrder, orderId="SO-2024-000098", reason="again")
    detail = f.detail.find(".//{urn:example:erp:orders:v1}code") if f is not None and f.detail is not None else None
    check("CancelOrder twice: declared OrderFault", detail.text if detail is not None else None,
          "NOT_CANCELLABLE")

    f = fault_code(orders.GetOrder, orderId="SO-2024-000404")
    check("GetOrder unknown: fault", f is not None and f.code is not None and "Client" in f.code, True)

    status = payments.GetPaymentStatus(paymentId="PMT-20240314-000042")
    check("GetPaymentStatus (SOAP 1.2)", serialize_object(status, dict),
          rest("/bank/payments/PMT-20240314-000042/status"))

    header = {"messageId": "3b2f6c1e-8d4a-4e7b-9c0d-5a1f2e3d4c5b", "channel": "ONLINE_BANKING"}
    submitted = payments.SubmitPayment(
        payment={
            "endToEndId": "ZEEP-0001",
            "amount": {"_value_1": decimal.Decimal("12.50"), "currency": "EUR"},
            "requestedExecutionDate": "ASAP",
            "debtor": {"name": "Muster Maschinenbau GmbH"},
            "debtorAccount": {"iban": "DE41500105170123456789"},
            "creditor": {"name": "Immobilien Lyon SARL"},
            "creditorAccount": {"iban": "FR4030004028370001234567842"},
        },
        _soapheaders={"context": header},
    )
    submitted = serialize_object(submitted, dict)
    stored = rest("/bank/payments/" + submitted["paymentId"] + "/status")
    check("SubmitPayment (SOAP 1.2, header)", {k: submitted[k] for k in ("paymentId", "status")},
          {k: stored[k] for k in ("paymentId", "status")})

    f = fault_code(payments.GetPaymentStatus, paymentId="PMT-20240314-999999")
    check("GetPaymentStatus unknown: declared PaymentNotFound",
          f is not None and f.detail is not None
          and f.detail.find("{urn:example:bank:payments:v2}PaymentNotFound") is not None, True)

    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
