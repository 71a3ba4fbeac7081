"""The link-check farm with the pages a capture test needs: pages a test writes and rewrites (drift, dedupe), served
whole or chunked, a server that compresses whatever it is asked, long bodies streamed without being built first."""

from __future__ import annotations

import asyncio
import gzip

from aiohttp import web

from .farm import ARTICLE, Farm

EXCERPT = "the deficit fell to 3.1 per cent"


def article(extra: str = "", size: int = 0) -> bytes:
    """The farm's budget article (it holds EXCERPT), padded with paragraphs to about ``size`` bytes."""
    body = ARTICLE.format(extra=extra)
    padding = []
    while len(body) + sum(map(len, padding)) < size:
        padding.append(f"<p>Paragraph {len(padding)} of the annex: figures by region and year.</p>\n")
    return ARTICLE.format(extra=extra + "".join(padding)).encode()


class CaptureFarm(Farm):
    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.pages: dict[str, tuple[bytes, str]] = {}

    def page_url(self, name: str, body: bytes, content_type: str = "text/html", **query: str) -> str:
        self.pages[name] = (body, content_type)
        suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        return self.url(f"/page/{name}{suffix}")

    async def page(self, request: web.Request) -> web.StreamResponse:
        body, content_type = self.pages[request.match_info["name"]]
        if request.query.get("gzip"):
            # Compressed whatever the request asked (Accept-Encoding: identity): kept as sent.
            return web.Response(
                body=gzip.compress(body, mtime=0),
                headers={"Content-Type": content_type, "Content-Encoding": "gzip"},
            )
        if not request.query.get("chunked"):
            return web.Response(body=body, content_type=content_type.split(";")[0])
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 4096):
            await response.write(body[start : start + 4096])
        await response.write_eof()
        return response

    async def stream(self, request: web.Request) -> web.StreamResponse:
        """``size`` bytes of octets in 64 KiB writes, never built whole here either."""
        size = int(request.query["size"])
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = size
        await response.prepare(request)
        chunk = b"\x00" * 65536
        sent = 0
        try:
            while sent < size:
                await response.write(chunk[: size - sent])
                sent += min(len(chunk), size - sent)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        self.hits["stream:sent"] = sent
        return response

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_route("*", "/page/{name}", self.page)
        app.router.add_route("GET", "/stream", self.stream)
        return app

    def reset(self) -> None:
        super().reset()
        self.pages.clear()
