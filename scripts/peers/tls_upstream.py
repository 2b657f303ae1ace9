#!/usr/bin/env python3
"""A JSON upstream over HTTPS that requires a client certificate (mutual
TLS), for soapbridge's upstream TLS tests.

    tls_upstream.py CERT KEY CA ANSWER_JSON

Listens on 127.0.0.1 (a free port, printed on the first line of stdout),
answers every POST with ANSWER_JSON's content and a header naming the
client certificate's CN. Clients without a certificate signed by CA fail
the handshake.
"""

import http.server
import ssl
import sys

cert, key, ca, answer_file = sys.argv[1:5]
answer = open(answer_file, "rb").read()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        subject = dict(x[0] for x in self.connection.getpeercert().get("subject", ()))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.send_header("X-Client-CN", subject.get("commonName", ""))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
