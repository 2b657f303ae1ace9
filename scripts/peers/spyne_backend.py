#!/usr/bin/env python3
"""A legacy SOAP 1.1 service written with python spyne, for soapbridge's
REST-facade interop tests.

    spyne_backend.py

Listens on 127.0.0.1 (a free port, printed on the first line of stdout) and
serves its own WSDL at `/?wsdl`. Operations:
- Hello(name) -> greeting; name "fail" raises a Client fault;
- Total(items: Item[]) -> the sum of qty * price (decimals, arrays);
- Lookup(sku) -> an Item; an unknown sku raises a declared fault
  (UnknownSku, with the sku in its detail);
- Echo(note: nillable string, count: int) -> the same back (null/absent).
"""

import decimal
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

from spyne import (Application, Array, ComplexModel, Decimal, Fault, Integer,
                   ServiceBase, Unicode, rpc)
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

NS = "urn:example:legacy:shop"


class Item(ComplexModel):
    __namespace__ = NS
    sku = Unicode(min_occurs=1)
    qty = Integer(min_occurs=1)
    price = Decimal(min_occurs=1)


class UnknownSku(Fault):
    __namespace__ = NS
    __type_name__ = "UnknownSku"

    def __init__(self, sku):
        super().__init__(faultcode="Client.UnknownSku", faultstring=f"no article {sku}",
                         detail={"sku": sku})


CATALOG = {
    "PUMP-00042": Item(sku="PUMP-00042", qty=40, price=decimal.Decimal("149.90")),
    "VLV-1200-XL": Item(sku="VLV-1200-XL", qty=250, price=decimal.Decimal("12.50")),
}


class Shop(ServiceBase):
    @rpc(Unicode, _returns=Unicode)
    def Hello(ctx, name):
        if name == "fail":
            raise Fault("Client.BadName", "the name `fail` is refused")
        return f"Hello {name}"

    @rpc(Array(Item), _returns=Decimal)
    def Total(ctx, items):
        return sum((i.qty * i.price for i in items or []), decimal.Decimal("0"))

    @rpc(Unicode, _returns=Item, _throws=UnknownSku)
    def Lookup(ctx, sku):
        if sku not in CATALOG:
            raise UnknownSku(sku)
        return CATALOG[sku]

    @rpc(Unicode, Integer, _returns=(Unicode, Integer), _out_variable_names=("note", "count"))
    def Echo(ctx, note, count):
        return note, count


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


app = Application([Shop], NS, name="ShopService",
                  in_protocol=Soap11(validator="lxml"), out_protocol=Soap11())
server = make_server("127.0.0.1", 0, WsgiApplication(app), handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
