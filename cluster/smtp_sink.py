#!/usr/bin/env python3
"""A minimal SMTP sink for cluster/run: accepts every message and appends it
to a file as one JSON object a line: {"from", "to", "subject", "body", "at"},
subject and body decoded. Standard library only (aiosmtpd is not installed,
smtpd is deprecated).

    python3 cluster/smtp_sink.py --port 2525 --out mail.jsonl [--ready FILE]

With --ready, the bound port is written to FILE once the sink listens (use
--port 0 for a free port). Runs until SIGTERM or SIGINT.
"""

import argparse
import email
import email.policy
import json
import signal
import socketserver
import sys
import threading
import time

LOCK = threading.Lock()


def record(out, sender, recipients, data):
    message = email.message_from_bytes(data, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    line = json.dumps(
        {
            "from": sender,
            "to": recipients,
            "subject": str(message.get("subject", "")),
            "body": body,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        ensure_ascii=False,
    )
    with LOCK, open(out, "a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()


class Session(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, text):
        self.wfile.write((text + "\r\n").encode("ascii"))
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink.hujifen.test ESMTP ready")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command[:4].upper()
            if verb == "EHLO":
                self.wfile.write(
                    b"250-sink.hujifen.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
                )
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 sink.hujifen.test")
            elif verb == "MAIL":
                sender, recipients = address(command), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(address(command))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = self.read_data()
                if data is None:
                    return
                try:
                    record(self.server.out, sender, recipients, data)
                    self.reply("250 OK: queued")
                except Exception as error:  # a broken message must not kill the sink
                    print(f"smtp sink: {error}", file=sys.stderr)
                    self.reply("451 could not record the message")
                sender, recipients = "", []
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline(1 << 20)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                return b"".join(lines)
            if line.startswith(b"."):
                line = line[1:]  # dot-unstuffing (RFC 5321 4.5.2)
            lines.append(line)


def address(command):
    """The address in 'MAIL FROM:<a@b> SIZE=1' or 'RCPT TO:<a@b>'."""
    _, _, rest = command.partition(":")
    rest = rest.strip()
    if rest.startswith("<"):
        return rest[1 : rest.find(">")]
    return rest.split(" ")[0]


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--out", required=True)
    parser.add_argument("--ready")
    args = parser.parse_args()
    server = Server((args.host, args.port), Session)
    server.out = args.out
    open(args.out, "a", encoding="utf-8").close()

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = server.server_address[1]
    if args.ready:
        with open(args.ready, "w", encoding="utf-8") as file:
            file.write(f"{port}\n")
    print(f"smtp sink on {args.host}:{port}, writing {args.out}", file=sys.stderr)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
