"""A real SMTP server (aiosmtpd) for the mailer's tests.

Every message it accepts is written to --maildir as N.eml (the bytes as
received), N.json (envelope, TLS and AUTH facts, and the message as Python's
standard e-mail parser decodes it) and N-attK.bin (each attachment's decoded
bytes), the .json last, so a test that sees it sees everything.

Prints "READY <port>" on stdout once it listens (port 0 picks a free one).
"""

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
import warnings
from email import policy
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    """The aiosmtpd handler: stores messages, optionally refuses or drops them."""

    def __init__(self, maildir, reject_rcpt, drop_after_data):
        self.maildir = maildir
        self.reject_rcpt = reject_rcpt
        self.drop_after_data = drop_after_data
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt:
            return self.reject_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        n = self.count
        raw = envelope.original_content
        self._write(f"{n}.eml", raw)
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        body = msg.get_body(preferencelist=("plain",))
        attachments = []
        for k, part in enumerate(msg.iter_attachments()):
            name = f"{n}-att{k}.bin"
            self._write(name, part.get_content())
            attachments.append({
                "file": name,
                "content_type": part.get_content_type(),
                "filename": part.get_filename(),
            })
        transport = server.transport
        tls = session.ssl is not None or (
            transport is not None and transport.get_extra_info("ssl_object") is not None)
        auth = session.auth_data
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": tls,
            "auth_user": auth.login.decode() if isinstance(auth, LoginPassword) else None,
            "headers": {k.lower(): str(v) for k, v in msg.items()},
            "content_type": msg.get_content_type(),
            "text": body.get_content() if body is not None else None,
            "attachments": attachments,
        }
        self._write(f"{n}.json", json.dumps(record).encode())
        if self.drop_after_data:
            # The message is here, but the client never hears so.
            transport.abort()
        return "250 2.0.0 Message accepted for delivery"

    def _write(self, name, data):
        path = os.path.join(self.maildir, name)
        with open(path + ".part", "wb") as f:
            f.write(data)
        os.replace(path + ".part", path)


def main():
    # Quiet: aiosmtpd 1.4 warns about its own Session.login_data and about
    # AUTH without STARTTLS, which is what implicit TLS and loopback tests want.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    p = argparse.ArgumentParser()
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--maildir", required=True)
    p.add_argument("--cert", help="server certificate chain (PEM)")
    p.add_argument("--key", help="server key (PEM)")
    p.add_argument("--implicit-tls", action="store_true",
                   help="TLS from the first byte (port 465 style) instead of STARTTLS")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--reject-rcpt", help='reply to RCPT TO, e.g. "550 5.1.1 no such user"')
    p.add_argument("--drop-after-data", action="store_true",
                   help="accept the message but drop the connection before replying")
    args = p.parse_args()

    host, _, port = args.listen.rpartition(":")
    handler = Recorder(args.maildir, args.reject_rcpt, args.drop_after_data)

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == args.user
              and auth_data.password.decode() == args.password)
        # handled=False: aiosmtpd itself answers "535 5.7.8" to a failed login.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def factory():
        kwargs = {}
        if args.user:
            kwargs.update(authenticator=authenticator, auth_required=True)
        if context is not None and not args.implicit_tls:
            kwargs.update(tls_context=context, require_starttls=True)
        if args.implicit_tls or (args.user and context is None):
            # TLS comes first (or not at all, on loopback): AUTH need not wait for STARTTLS.
            kwargs.update(auth_require_tls=False)
        return SMTP(handler, hostname="mail.test", loop=loop, **kwargs)

    server = loop.run_until_complete(loop.create_server(
        factory, host=host, port=int(port),
        ssl=context if args.implicit_tls else None))
    bound = server.sockets[0].getsockname()[1]
    print(f"READY {bound}", flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
