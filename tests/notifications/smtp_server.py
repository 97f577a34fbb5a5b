"""A tiny real SMTP server over TCP whose replies a test scripts (refuse, defer, accept)."""

import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        self.reply("220 test.local ESMTP")
        while line := self.rfile.readline():
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                self.reply("250 test.local")
            elif command in (b"MAIL", b"RSET", b"NOOP"):
                self.reply("250 OK")
            elif command == b"RCPT":
                self.reply(server.rcpt_reply)
            elif command == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                body = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(chunk)
                reply = server.data_replies.pop(0) if server.data_replies else "250 OK queued"
                if reply.startswith("250"):
                    server.accepted.append(b"".join(body))
                self.reply(reply)
            elif command == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


class ScriptedSmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.rcpt_reply = "250 OK"
        self.data_replies: list[str] = []  # replies to DATA, in order; then "250"
        self.accepted: list[bytes] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
