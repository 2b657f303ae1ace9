#!/usr/bin/env node
// A SOAP 1.2 backend written with node `soap` (spyne's SOAP 1.2 is
// unfinished), for the REST facade's interop tests.
//
//   node node_soap12_backend.js WSDL
//
// Serves the Calc service of tests/fixtures/wsdl/calc-soap12.wsdl at /calc
// on a free loopback port (printed on the first line): Add(a, b) -> sum with
// two decimals; a = 13 answers a Sender fault.
'use strict';

const fs = require('fs');
const http = require('http');
const soap = require('soap');

const xml = fs.readFileSync(process.argv[2], 'utf8');
const service = {
  CalcService: {
    Calc12Port: {
      Add(args) {
        if (String(args.a) === '13') {
          throw { Fault: { Code: { Value: 'soap:Sender' }, Reason: { Text: 'unlucky number' } }, statusCode: 400 };
        }
        return { sum: (Number(args.a) + Number(args.b)).toFixed(2) };
      },
    },
  },
};
const server = http.createServer((req, res) => {
  res.statusCode = 404;
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  soap.listen(server, { path: '/calc', services: service, xml, forceSoap12Headers: true });
  console.log(server.address().port);
});
