"""A loopback webhook receiver: an aiohttp server in its own thread and event loop, on 127.0.0.x and a random port.

It keeps every request exactly as received (headers, the body's bytes, the time) and answers as the test scripts:
a status with headers and a body, or no answer at all (``Reply(hang=True)``); ``refuse()`` stops listening, so
connections are refused, until ``listen()``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # never answer (until the client hangs up)


@dataclass
class Received:
    path: str
    method: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def delivery(self) -> str:
        return self.headers["X-Factcheck-Delivery"]


class Receiver:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.received: list[Received] = []
        self.script: list[Reply] = []  # the next replies, in order; then ``decide``, then 200
        self.decide: Callable[[Received], Reply | None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.BaseSite | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [request.path for request in self.received]

    def event_ids(self) -> list[int]:
        return [request.json["id"] for request in self.received]

    # -- serving ----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        received = Received(
            path=request.path,
            method=request.method,
            headers=dict(request.headers),
            body=await request.read(),
            at=time.time(),
        )
        self.received.append(received)
        reply = self.script.pop(0) if self.script else None
        if reply is None and self.decide is not None:
            reply = self.decide(received)
        reply = reply or Reply()
        if reply.hang:
            await asyncio.sleep(3600)  # cancelled when the client hangs up (handler_cancellation)
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    def _socket(self) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        return sock

    def start(self) -> Receiver:
        sock = self._socket()
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            self._runner = web.AppRunner(self.app(), access_log=None, handler_cancellation=True)
            self._loop.run_until_complete(self._runner.setup())
            self._site = web.SockSite(self._runner, sock)
            self._loop.run_until_complete(self._site.start())
            ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, name=f"receiver-{self.host}", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def _in_loop(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def refuse(self) -> None:
        """Stop listening: connections to the port are refused until ``listen()``."""
        self._in_loop(self._site.stop())

    def listen(self) -> None:
        async def again() -> None:
            self._site = web.SockSite(self._runner, self._socket())
            await self._site.start()

        self._in_loop(again())

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def reset(self) -> None:
        self.received.clear()
        self.script.clear()
        self.decide = None
