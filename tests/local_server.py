"""A local HTTP server for tests: fixed answers by path, every request recorded; never the internet."""
import http.server
import threading


class LocalServer:
    """`routes`: path -> (status, body bytes) for GET and POST; `requests`: (method, path, body) received."""

    def __init__(self, routes: dict):
        self.routes, self.requests = dict(routes), []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                owner.requests.append((method, self.path, self.rfile.read(length)))
                status, body = owner.routes.get(self.path, (404, b"not here"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self.answer("GET")

            def do_POST(self):
                self.answer("POST")

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def paths(self) -> list[str]:
        """The paths asked for, in order."""
        return [path for _, path, _ in self.requests]

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
