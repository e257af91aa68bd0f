"""The playground's server: the page's own files, one WebSocket per tab, exports; 127.0.0.1 only.

Each WebSocket connection owns a :class:`~chainrule.web.session.Session`. Requests are JSON
objects ``{"action": …}``; a request the server cannot honour — bad JSON, an unknown action, a
network of 10⁶ units, a negative learning rate — is answered ``{"type": "error", …}`` on that
socket and changes nothing, so no other tab notices. Training runs in a worker thread a few
iterations at a time; after each chunk the tab gets one snapshot, at most 30 a second (the chunk
shrinks when a picture would come later than 1/20 s). Closing the tab ends the connection, which
stops its run.

Nothing is fetched from elsewhere: the page is three files of this package, and every response
carries a Content-Security-Policy that allows this origin only. Hosts other than 127.0.0.1 and
localhost are refused (DNS rebinding), as are WebSockets opened from another origin.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import webbrowser
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from ..errors import ChainruleError, SpecError
from . import views
from .export import notebook, script
from .session import Session
from .state import state_from_query

__all__ = ["create_app", "serve", "bind"]

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE = 3_000_000  # characters in one request (a CSV upload is the largest)
FRAME = 1 / 30  # at most 30 pictures a second
SLOW = 1 / 20  # a chunk slower than this is halved
log = logging.getLogger("chainrule.web")
TRAINING: set = set()  # the connections whose run is going now (one per training tab)


def _csp(host: str) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src-elem 'self'; "
        f"style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://{host}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


class _Headers:
    """Adds the Content-Security-Policy and friends to every HTTP response."""

    def __init__(self, app) -> None:  # noqa: ANN001 - an ASGI app
        self.app = app

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = dict(scope["headers"]).get(b"host", b"127.0.0.1").decode("latin-1")

        async def send_with_headers(message) -> None:  # noqa: ANN001
            if message["type"] == "http.response.start":
                extra = [
                    (b"content-security-policy", _csp(host).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)


# -- HTTP --------------------------------------------------------------------------------------
async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


def _export(kind: str):  # noqa: ANN202 - a route
    async def route(request: Request) -> Response:
        query = dict(request.query_params)
        raw = query.pop("iterations", "0")
        try:
            iterations = int(raw) if raw.isdigit() and len(raw) < 10 else -1
            if iterations < 0:
                raise SpecError(f"iterations {raw!r} must be a whole number")
            state = state_from_query(query)
        except ChainruleError as e:
            return PlainTextResponse(f"chainrule: {e}\n", status_code=400)
        body = script(state, iterations) if kind == "py" else notebook(state, iterations)
        name = f"chainrule_play.{kind}"
        headers = {"content-disposition": f'attachment; filename="{name}"'}
        media = "text/x-python" if kind == "py" else "application/x-ipynb+json"
        return Response(body, media_type=media, headers=headers)

    return route


# -- one tab -----------------------------------------------------------------------------------
class Connection:
    """A tab's WebSocket and its session: one request at a time, training in the background."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws, self.session = ws, Session()
        self.lock, self.send_lock = asyncio.Lock(), asyncio.Lock()
        self.running, self.task = False, None
        self.built = False

    async def send(self, message: dict) -> None:
        async with self.send_lock:
            await self.ws.send_text(json.dumps(message, allow_nan=False, default=_plain))

    async def error(
        self,
        message: str,
        hint: str | None = None,
        action: object = None,
        detail: str | None = None,
    ) -> None:
        """An error for the page; ``detail`` is the source and caret of a parse error."""
        await self.send(
            {"type": "error", "message": message, "hint": hint, "action": action, "detail": detail}
        )

    async def handle(self, text: str) -> None:
        """Answer one request; every failure becomes an error message on this socket only."""
        action = None
        try:
            request = _parse(text)
            action = request["action"]
            await ACTIONS[action](self, request)
        except ChainruleError as e:  # as the command line shows it: message — hint
            lines = str(e).splitlines()
            await self.error(lines[0], None, action, "\n".join(lines[1:]) or None)
        except Exception as e:  # a bug must not end the tab, nor reach another one
            log.exception("request %r failed", action)
            await self.error(f"internal error: {type(e).__name__}: {e}", None, action)

    async def run(self, fn, *args):  # noqa: ANN001, ANN201 - a session method and its result
        """A session method in a worker thread, one at a time."""
        async with self.lock:
            return await asyncio.to_thread(fn, *args)

    def needs_network(self) -> None:
        if not self.built:
            raise SpecError("build a network first", hint='send {"action": "build"}')

    # -- training ----------------------------------------------------------------------------------
    async def start(self) -> None:
        self.needs_network()
        if not self.running:
            self.running = True
            self.task = asyncio.create_task(self._train())
            await self.send({"type": "status", "running": True})

    async def stop(self) -> None:
        """Stop the run after its current chunk (at most about 1/20 s)."""
        self.running = False
        if self.task is not None:
            await self.task
            self.task = None
            await self.send({"type": "status", "running": False})

    async def _train(self) -> None:
        TRAINING.add(self)
        try:
            await self._chunks()
        finally:
            TRAINING.discard(self)

    async def _chunks(self) -> None:
        loop, target = asyncio.get_running_loop(), 0
        while self.running:
            if self.session.state.per_frame != target:  # the learner changed the speed
                target = k = self.session.state.per_frame
            began = loop.time()
            try:
                await self.run(self.session.advance, k)
                snap = await self.run(self.session.snapshot)
            except ChainruleError as e:  # a diverging run stops with the library's message
                self.running = False
                await self.error(str(e).splitlines()[0], None, "train")
                await self.send({"type": "status", "running": False})
                return
            await self.send(snap)
            spent = loop.time() - began
            k = max(1, k // 2) if spent > SLOW else k
            await asyncio.sleep(max(0.0, FRAME - spent))


def _plain(obj: object) -> object:
    """NumPy scalars in a message as Python numbers."""
    try:
        return obj.item()  # type: ignore[attr-defined]
    except AttributeError:
        raise TypeError(f"cannot send a {type(obj).__name__}") from None


def _parse(text: str | None) -> dict:
    if text is None:
        raise SpecError("requests must be JSON text", hint='e.g. {"action": "train"}')
    if len(text) > MAX_MESSAGE:
        raise SpecError(f"a request of {len(text)} characters is too large")
    try:
        request = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"the request is not JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(request, dict) or not isinstance(request.get("action"), str):
        raise SpecError(
            'a request is a JSON object with an "action"', hint='e.g. {"action": "step"}'
        )
    if request["action"] not in ACTIONS:
        raise SpecError(
            f"unknown action {request['action'][:40]!r}", hint=f"known: {', '.join(ACTIONS)}"
        )
    return request


async def _build(c: Connection, request: dict) -> None:
    await c.stop()
    message = await c.run(c.session.build, request.get("state") or {})
    c.built = True
    if isinstance(request.get("id"), int):
        message["id"] = request["id"]  # the page ignores answers to choices it has since changed
    await c.send(message)
    await c.send(await c.run(c.session.snapshot))


async def _upload(c: Connection, request: dict) -> None:
    await c.run(c.session.set_upload, request.get("text"))
    await c.send({"type": "uploaded"})


async def _train(c: Connection, request: dict) -> None:
    await c.start()


async def _pause(c: Connection, request: dict) -> None:
    await c.stop()


async def _step(c: Connection, request: dict) -> None:
    c.needs_network()
    await c.stop()
    await c.run(c.session.step)
    await c.send(await c.run(c.session.snapshot))


async def _reset(c: Connection, request: dict) -> None:
    c.needs_network()
    await c.stop()
    await c.run(c.session.reset)
    await c.send(await c.run(c.session.snapshot))


async def _speed(c: Connection, request: dict) -> None:
    c.needs_network()
    await c.run(c.session.set_speed, request.get("per_frame"))
    await c.send({"type": "speed", "query": c.session.state.query()})


async def _example(c: Connection, request: dict) -> None:
    c.needs_network()
    await c.run(c.session.choose_example, request.get("index"))
    if not c.running:
        await c.send(await c.run(c.session.snapshot))


def _text(request: dict, key: str, limit: int = 2000) -> str:
    value = request.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise SpecError(f'"{key}" must be a non-empty string of at most {limit} characters')
    return value


async def _explain(c: Connection, request: dict) -> None:
    c.needs_network()
    quantity = _text(request, "quantity", 20)
    net, conv = c.session.net, c.session.state.convention
    html = await asyncio.to_thread(views.explanation_html, net, quantity, conv)
    await c.send({"type": "explanation", "quantity": quantity, "html": html})


async def _check(c: Connection, request: dict) -> None:
    c.needs_network()
    formula = _text(request, "formula", 500)
    net, conv = c.session.net, c.session.state.convention
    await c.send(
        {"type": "check", **await asyncio.to_thread(views.formula_check, net, formula, conv)}
    )


ACTIONS = {
    "build": _build,
    "upload": _upload,
    "train": _train,
    "pause": _pause,
    "step": _step,
    "reset": _reset,
    "speed": _speed,
    "example": _example,
    "explain": _explain,
    "check": _check,
}


def _same_origin(ws: WebSocket) -> bool:
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


async def play_socket(ws: WebSocket) -> None:
    if not _same_origin(ws):
        await ws.close(code=1008)
        return
    await ws.accept()
    c = Connection(ws)
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            await c.handle(message.get("text"))
    finally:
        c.running = False  # the tab is gone: its run ends after the current chunk
        if c.task is not None:
            await asyncio.gather(c.task, return_exceptions=True)


def create_app() -> Starlette:
    """The playground as an ASGI application."""
    routes = [
        Route("/", index),
        Route("/export.py", _export("py")),
        Route("/export.ipynb", _export("ipynb")),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        WebSocketRoute("/ws", play_socket),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"]),
        Middleware(_Headers),
    ]
    return Starlette(routes=routes, middleware=middleware)


def bind(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port=0``: a free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def serve(sock: socket.socket, open_browser: bool = False) -> None:
    """Serve the playground on ``sock`` until interrupted."""
    import uvicorn

    url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    config = uvicorn.Config(
        create_app(), log_level="warning", ws_max_size=MAX_MESSAGE * 4, lifespan="off"
    )
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    uvicorn.Server(config).run(sockets=[sock])
