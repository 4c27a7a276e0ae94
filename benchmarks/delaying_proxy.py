"""A reverse proxy that puts a slow, jittery network between a browser and a Jupyter server.

Every WebSocket message, in each direction, is held for `delay ± jitter` seconds (uniform),
in order, as on a remote JupyterHub over the internet; plain HTTP requests are forwarded
after one such delay. aiohttp, on its own thread and loop; used by bench_network.py.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "upgrade"}


class DelayingProxy:
    def __init__(self, upstream: str, delay: float, jitter: float, seed: int = 3) -> None:
        self.upstream = upstream.rstrip("/")
        self.delay, self.jitter = delay, jitter
        self.random = random.Random(seed)
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        threading.Thread(target=self._main, name="delaying-proxy", daemon=True).start()
        self._ready.wait(10)

    def _hold(self) -> float:
        return max(0.0, self.delay + self.random.uniform(-self.jitter, self.jitter))

    def _main(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        self.session = aiohttp.ClientSession(auto_decompress=False, trust_env=False)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        url = self.upstream + str(request.rel_url)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request, url, headers)
        await asyncio.sleep(self._hold())
        body = await request.read()
        async with self.session.request(
            request.method, url, headers=headers, data=body, allow_redirects=False
        ) as upstream:
            payload = await upstream.read()
            out_headers = {
                k: v for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS
            }
            return web.Response(status=upstream.status, headers=out_headers, body=payload)

    async def _websocket(self, request: web.Request, url: str, headers: dict[str, Any]):
        offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        offered = [p for p in offered if p]
        headers = {k: v for k, v in headers.items() if not k.lower().startswith("sec-websocket")}
        if "Origin" in headers:
            headers["Origin"] = self.upstream  # the server checks the origin of WebSockets
        try:
            upstream = await self.session.ws_connect(
                url.replace("http", "ws", 1), headers=headers, protocols=offered, max_msg_size=0
            )
        except aiohttp.WSServerHandshakeError as refused:
            return web.Response(status=refused.status)  # as the server answered
        client = web.WebSocketResponse(
            protocols=[upstream.protocol] if upstream.protocol else (), max_msg_size=0
        )
        await client.prepare(request)
        await asyncio.gather(self._pump(client, upstream), self._pump(upstream, client))
        return client

    async def _pump(self, source: Any, sink: Any) -> None:
        """Forward `source`'s messages to `sink`, each held back, in order."""
        queue: asyncio.Queue[tuple[float, Any] | None] = asyncio.Queue()

        async def release() -> None:
            while (item := await queue.get()) is not None:
                due, msg = item
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                try:
                    if msg.type == WSMsgType.TEXT:
                        await sink.send_str(msg.data)
                    else:
                        await sink.send_bytes(msg.data)
                except ConnectionResetError:  # the other side left (a page closed): drop
                    return
            await sink.close()

        releaser = asyncio.ensure_future(release())
        last = 0.0
        async for msg in source:
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            last = max(last, time.monotonic() + self._hold())  # order is kept
            queue.put_nowait((last, msg))
        queue.put_nowait(None)
        await releaser
