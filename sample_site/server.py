"""Serve the sample site on 127.0.0.1 for tests, the demo and benchmarks.

A real HTTP server (not a mock) so the crawler meets real sockets, redirects, conditional requests,
charsets and failures. Query-string routes (`/?pg=N`, `/?p=ID`), 301s for old URL forms and
Last-Modified dates come from the build's `_routes.json`; everything else is a static file.

    with SampleSite() as site:
        urllib.request.urlopen(site.base_url + "/?pg=2")
        site.override("/k21-meldungen/x/", b"<html>changed</html>")
        assert site.hits["/?pg=2"] == 1

CLI: `python -m sample_site.server [--port N]` serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import posixpath
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sample_site.build import DEFAULT_SITE_DIR, ROUTES_FILE, build_site
from sample_site.faults import Faults, Response

BASE_URL_TOKEN = b"__BASE_URL__"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".jpg": "image/jpeg",
    ".json": "application/json",
}
FEED_TYPE = "application/rss+xml; charset=utf-8"


class HitCounter(Counter):
    """A Counter of request targets (`/?pg=2`, `/k21-meldungen/x/`) that handler threads share."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()

    def add(self, key: str) -> None:
        with self._lock:
            self[key] += 1

    def reset(self) -> None:
        with self._lock:
            self.clear()

    def total_for(self, prefix: str) -> int:
        """Sum of hits whose target starts with `prefix` (e.g. all `/k21-meldungen/` fetches)."""
        with self._lock:
            return sum(n for k, n in self.items() if k.startswith(prefix))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SampleSite


class SampleSite:
    """The sample site on a free port, in a daemon thread; use as a context manager.

    `root` is a built site folder (default: the bundled `sample_site/site`, built first if missing;
    `build=True` forces a rebuild from the content files).
    """

    def __init__(self, root: str | Path | None = None, port: int = 0, host: str = "127.0.0.1",
                 verbose: bool = False, build: bool = False) -> None:
        self.root = Path(root) if root else DEFAULT_SITE_DIR
        self.host = host
        self.port = port
        self.verbose = verbose
        self.hits = HitCounter()
        self.faults = Faults()
        self._overrides: dict[str, Response] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if build or (root is None and not (self.root / ROUTES_FILE).exists()):
            build_site(self.root)
        self.routes = self._load_routes()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> SampleSite:
        server = _Server((self.host, self.port), _Handler)
        server.site = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="sample-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # -- test hooks ------------------------------------------------------------------------
    def override(self, path: str, body: bytes, status: int = 200,
                 headers: dict[str, str] | None = None) -> None:
        """Answer `path` (exact request target, e.g. `/?pg=2` or `/k21-meldungen/x/`) with `body`.

        ETag and Last-Modified (now) are set unless `headers` gives them, so a crawler that
        revalidates sees a change.
        """
        hdrs = {"Content-Type": "text/html; charset=utf-8"}
        hdrs.update(headers or {})
        now = datetime.now(timezone.utc).replace(microsecond=0)
        hdrs.setdefault("ETag", _etag(body))
        hdrs.setdefault("Last-Modified", format_datetime(now, usegmt=True))
        with self._lock:
            self._overrides[path] = Response(status, bytes(body), hdrs)

    def clear_overrides(self) -> None:
        with self._lock:
            self._overrides.clear()

    def reset(self) -> None:
        """Forget overrides, hits and fault counters (between tests sharing one server)."""
        self.clear_overrides()
        self.hits.reset()
        self.faults.reset()

    def rebuild(self) -> None:
        """Re-render the site from the content files and reload the routes (bundled site only)."""
        build_site(self.root)
        self.routes = self._load_routes()

    def _load_routes(self) -> dict[str, Any]:
        path = self.root / ROUTES_FILE
        routes: dict[str, Any] = {"redirects": {}, "lastmod": {}, "list_pages": 0}
        if path.exists():
            routes.update(json.loads(path.read_text(encoding="utf-8")))
        return routes

    # -- routing ---------------------------------------------------------------------------
    def resolve(self, target: str, host_header: str | None) -> Response:
        """The response for one request target; pure routing, no socket I/O."""
        parts = urlsplit(target)
        path = unquote(parts.path) or "/"
        query = parts.query
        with self._lock:
            override = self._overrides.get(target)
            if override is None and path != "/":
                override = self._overrides.get(path)
        if override is not None:
            return override
        if path == "/faults" or path.startswith("/faults/"):
            found = self.faults.handle(path if path != "/faults" else "/faults/", query, target)
            return found or _not_found()
        if path == "/" and query:
            return self._query_route(query)
        if query and target in self.routes.get("query", {}):  # `?page=N` list pages of other sources
            return self._file(self.routes["query"][target], None)
        redirect = self.routes["redirects"].get(path)
        if redirect:
            return _redirect(redirect)
        return self._static(path, host_header)

    def _query_route(self, query: str) -> Response:
        params = parse_qs(query)
        if "pg" in params:
            try:
                page = int(params["pg"][0])
            except ValueError:
                return _not_found()
            if page == 1:
                return self._file("index.html", None)
            if 2 <= page <= int(self.routes.get("list_pages", 0)):
                return self._file(f"_pages/{page}.html", None)
            return _not_found()
        if "p" in params:
            redirect = self.routes["redirects"].get(f"/?p={params['p'][0]}")
            return _redirect(redirect) if redirect else _not_found()
        return self._file("index.html", None)

    def _static(self, path: str, host_header: str | None) -> Response:
        norm = posixpath.normpath(path)
        segments = [s for s in norm.split("/") if s]
        if any(s.startswith((".", "_")) for s in segments):
            return _not_found()
        rel = "/".join(segments)
        fs = self.root / rel if rel else self.root
        if path.endswith("/") or not rel:
            rel = f"{rel}/index.html".lstrip("/")
        elif fs.is_dir():
            return _redirect(path + "/")
        elif not fs.is_file() and "." not in segments[-1]:
            rel += ".html"  # extensionless article URLs (`/egov/artikel/<slug>`)
        return self._file(rel, host_header)

    def _file(self, rel: str, host_header: str | None) -> Response:
        fs = (self.root / rel).resolve()
        root = self.root.resolve()
        if not fs.is_relative_to(root) or not fs.is_file():
            return _not_found()
        body = fs.read_bytes()
        ctype = CONTENT_TYPES.get(fs.suffix, mimetypes.guess_type(fs.name)[0] or "application/octet-stream")
        if fs.name == "feed.xml":
            ctype = FEED_TYPE
        if fs.suffix == ".xml":
            base = f"http://{host_header}" if host_header else self.base_url
            body = body.replace(BASE_URL_TOKEN, base.encode("ascii", "replace"))
        stamp = self.routes["lastmod"].get(rel)
        modified = (datetime.fromisoformat(stamp) if stamp
                    else datetime.fromtimestamp(fs.stat().st_mtime, timezone.utc))
        return Response(200, body, {
            "Content-Type": ctype, "ETag": _etag(body),
            "Last-Modified": format_datetime(modified.astimezone(timezone.utc).replace(microsecond=0),
                                             usegmt=True),
        })


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


def _not_found() -> Response:
    return Response(404, "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Nicht gefunden"
                    "</title></head><body><h1>404 – Seite nicht gefunden</h1></body></html>".encode(),
                    {"Content-Type": "text/html; charset=utf-8"})


def _redirect(location: str) -> Response:
    return Response(301, f'<html><body>Verschoben: <a href="{location}">{location}</a></body></html>'.encode(),
                    {"Content-Type": "text/html; charset=utf-8", "Location": location})


def not_modified(request_headers: Any, resp_headers: dict[str, str]) -> bool:
    """RFC 9110 order: If-None-Match decides when present, else If-Modified-Since."""
    inm = request_headers.get("If-None-Match")
    etag = resp_headers.get("ETag")
    if inm is not None:
        if not etag:
            return False
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag.removeprefix("W/") in tags
    ims = request_headers.get("If-Modified-Since")
    lastmod = resp_headers.get("Last-Modified")
    if ims and lastmod:
        try:
            return parsedate_to_datetime(lastmod) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy and browsers expect
    server: _Server
    server_version = "SampleSite/1.0"

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        site = self.server.site
        target = self.path
        if "://" in target:  # absolute-form request target (proxies)
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        site.hits.add(target)
        try:
            try:
                resp = site.resolve(target, self.headers.get("Host"))
            except Exception as exc:  # a bug in routing must not look like a network failure
                self.log_error("error serving %s: %r", target, exc)
                resp = Response(500, f"<html><body>500: {type(exc).__name__}</body></html>".encode(),
                                {"Content-Type": "text/html; charset=utf-8"})
            if resp.status == 200 and not_modified(self.headers, resp.headers):
                self.send_response(304)
                for key in ("ETag", "Last-Modified"):
                    if key in resp.headers:
                        self.send_header(key, resp.headers[key])
                self.end_headers()
                return
            self.send_response(resp.status)
            for key, value in resp.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if not head:
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.site.verbose:
            super().log_message(format, *args)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the Policy Radar sample site until Ctrl-C.")
    parser.add_argument("--port", type=int, default=8000, help="port (0 = any free port; default 8000)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--root", default=None, help="a built or generated site folder")
    parser.add_argument("--rebuild", action="store_true", help="rebuild from the content files first")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(list(argv) if argv is not None else None)
    site = SampleSite(root=args.root, port=args.port, host=args.host, verbose=args.verbose,
                      build=args.rebuild)
    with site:
        print(f"Sample site: {site.base_url}/  (faults: {site.base_url}/faults/; Ctrl-C stops)",
              flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
