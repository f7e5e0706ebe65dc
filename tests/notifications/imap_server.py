"""A real IMAP4rev1 server over TLS on loopback, small but speaking the protocol for real: what
imap-tools sends to log in, select a folder, search the unseen messages, fetch one, flag it seen
and log out. Each connection's TLS handshake is done server-side, so a client that refuses the
certificate shows up as a handshake failure here and never reaches LOGIN."""

from __future__ import annotations

import re
import socketserver
import ssl
import threading

COMMAND_RE = re.compile(rb"^(?P<tag>\S+) (?P<command>(UID )?\S+)(?: (?P<args>.*))?$", re.I)


class ImapsServer:
    def __init__(self, context: ssl.SSLContext, messages: list[bytes]):
        self.context = context
        self.messages = {str(uid): raw for uid, raw in enumerate(messages, start=1)}
        self.seen: set[str] = set()
        self.logins: list[tuple[str, str]] = []
        self.handshake_errors: list[str] = []
        self.commands: list[str] = []
        self._server = None
        self._thread = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> ImapsServer:
        owner = self

        class Handler(socketserver.StreamRequestHandler):
            def setup(self):
                self.request.settimeout(10)
                try:
                    self.request = owner.context.wrap_socket(self.request, server_side=True)
                except (ssl.SSLError, OSError) as exc:
                    owner.handshake_errors.append(str(exc))
                    self.request = None
                    return
                super().setup()

            def handle(self):
                if self.request is not None:
                    owner._converse(self.rfile, self.wfile)

            def finish(self):
                if self.request is not None:
                    super().finish()

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    # --- the protocol -------------------------------------------------------------------

    def _converse(self, rfile, wfile) -> None:
        def send(*lines: bytes) -> None:
            wfile.write(b"".join(line + b"\r\n" for line in lines))
            wfile.flush()

        send(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Oceanis test IMAP ready")
        while True:
            line = rfile.readline()
            if not line:
                return
            match = COMMAND_RE.match(line.rstrip(b"\r\n"))
            if match is None:
                send(b"* BAD unparsable command")
                continue
            tag, args = match["tag"], match["args"] or b""
            command = match["command"].upper().decode()
            self.commands.append(command)
            if command == "CAPABILITY":
                send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN", tag + b" OK CAPABILITY completed")
            elif command == "LOGIN":
                user, password = re.findall(rb'"((?:[^"\\]|\\.)*)"', args)[:2]
                self.logins.append((user.decode(), password.decode()))
                send(tag + b" OK LOGIN completed")
            elif command in ("SELECT", "EXAMINE"):
                send(
                    b"* %d EXISTS" % len(self.messages),
                    b"* 0 RECENT",
                    b"* OK [UIDVALIDITY 1] UIDs valid",
                    b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)",
                    tag + b" OK [READ-WRITE] SELECT completed",
                )
            elif command == "UID SEARCH":
                unseen = [uid for uid in self.messages if uid not in self.seen]
                send(b"* SEARCH " + " ".join(unseen).encode(), tag + b" OK SEARCH completed")
            elif command == "UID FETCH":
                uid = args.split(b" ", 1)[0].decode()
                raw = self.messages.get(uid)
                if raw is not None:
                    flags = b"\\Seen" if uid in self.seen else b""
                    wfile.write(
                        b"* %s FETCH (UID %s FLAGS (%s) RFC822.SIZE %d BODY[] {%d}\r\n"
                        % (uid.encode(), uid.encode(), flags, len(raw), len(raw))
                        + raw
                        + b")\r\n"
                    )
                send(tag + b" OK FETCH completed")
            elif command == "UID STORE":
                uid = args.split(b" ", 1)[0].decode()
                if b"\\Seen" in args and uid in self.messages:
                    self.seen.add(uid)
                send(
                    b"* %s FETCH (UID %s FLAGS (\\Seen))" % (uid.encode(), uid.encode()),
                    tag + b" OK STORE completed",
                )
            elif command in ("NOOP", "EXPUNGE"):  # nothing is ever flagged \Deleted here
                send(tag + b" OK %s completed" % command.encode())
            elif command == "LOGOUT":
                send(b"* BYE logging out", tag + b" OK LOGOUT completed")
                return
            else:
                send(tag + b" BAD command not supported by the test server")
