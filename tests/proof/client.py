"""A small HTTP client for real `chorus serve` processes: a chosen source address, fixed extra
headers, a cookie jar that can be shared between servers, and no redirect following."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode


def can_bind(address: str) -> bool:
    """Whether a client socket can use this source address (any 127/8 address on Linux)."""
    try:
        with socket.socket() as sock:
            sock.bind((address, 0))
    except OSError:
        return False
    return True


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    text: str

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Http:
    port: int
    source: str = "127.0.0.1"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.source, 0)
        )
        sending = {**self.headers, **(headers or {})}
        if self.cookies:
            sending["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sending)
            response = connection.getresponse()
            reply = Reply(
                response.status, response.getheaders(), response.read().decode(errors="replace")
            )
        finally:
            connection.close()
        self.sent.append(f"{method} {path} -> {reply.status}")
        for key, value in reply.headers:
            if key.lower() != "set-cookie":
                continue
            for name, morsel in SimpleCookie(value).items():
                gone = morsel["max-age"] == "0" or not morsel.value
                if gone:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply

    def get(self, path: str) -> tuple[int, str]:
        reply = self.call("GET", path)
        return reply.status, reply.text

    def form(self, path: str, data: Mapping[str, object]) -> tuple[int, str]:
        reply = self.form_reply(path, data)
        return reply.status, reply.text

    def form_reply(self, path: str, data: Mapping[str, object]) -> Reply:
        body = urlencode(data, doseq=True).encode()
        return self.call("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def json(self, method: str, path: str, data: object) -> tuple[int, str]:
        reply = self.call(
            method, path, json.dumps(data).encode(), {"Content-Type": "application/json"}
        )
        return reply.status, reply.text
