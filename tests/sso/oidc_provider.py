"""A small but real OpenID Connect provider for the SSO tests, run as its own process.

``python tests/sso/oidc_provider.py --port 0`` serves on loopback (https with ``--tls-cert``)
and prints its base URL on the first line. It implements what Oceanis relies on: discovery,
JWKS, the authorization endpoint (a login form, or an automatic approval the test asks for), the
token endpoint (client secret, redirect URI, single-use code, PKCE S256 all checked; ID token
signed RS256 with joserfc) and userinfo. ``POST /_control`` (JSON) sets its clients, users and
misbehaviours; ``GET /_control`` returns what it received. Nothing here imports Django or the
client library under test.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
import ssl
import sys
import threading
import time
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from joserfc import jwt
from joserfc.jwk import RSAKey

KID = "oceanis-test-key"
BAD = "400 Bad Request"
SIGNING_KEY = RSAKey.generate_key(2048, parameters={"kid": KID, "alg": "RS256", "use": "sig"})
# Same kid, another key: a token signed with it must fail signature verification.
IMPOSTOR_KEY = RSAKey.generate_key(2048, parameters={"kid": KID, "alg": "RS256", "use": "sig"})

MISBEHAVIOURS = {
    "nonce",  # the ID token carries another nonce
    "signature",  # the ID token is signed by a key absent from the JWKS (same kid)
    "audience",  # the ID token is for another client
    "issuer",  # the ID token names another issuer
    "expired",  # the ID token expired an hour ago
    "state",  # the redirect back carries another state
    "deny",  # the user refuses: error=access_denied
    "userinfo_subject",  # userinfo answers for another subject
}


class Provider:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.base = ""
        self.reset({})

    def reset(self, config: dict) -> None:
        with self.lock:
            self.clients = config.get("clients", {})
            self.users = config.get("users", {})
            self.auto_login = config.get("auto_login")
            self.misbehave = set(config.get("misbehave", []))
            unknown = self.misbehave - MISBEHAVIOURS
            if unknown:
                raise ValueError(f"unknown misbehaviours {unknown}")
            self.codes: dict[str, dict] = {}
            self.tokens: dict[str, str] = {}
            self.log: list[dict] = []

    # -- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        body = b""
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
        routes = {
            ("GET", "/.well-known/openid-configuration"): self.discovery,
            ("GET", "/jwks"): self.jwks,
            ("GET", "/authorize"): self.authorize,
            ("POST", "/authorize"): self.authorize_post,
            ("POST", "/token"): self.token,
            ("GET", "/userinfo"): self.userinfo,
            ("GET", "/_control"): self.control_get,
            ("POST", "/_control"): self.control_post,
        }
        handler = routes.get((method, path))
        if handler is None:
            status, headers, content = "404 Not Found", [], b"not found"
        else:
            status, headers, content = handler(environ, query, body)
        start_response(status, [("Content-Length", str(len(content))), *headers])
        return [content]

    @staticmethod
    def json(data: dict, status: str = "200 OK"):
        return status, [("Content-Type", "application/json")], json.dumps(data).encode()

    @staticmethod
    def redirect(url: str):
        return "302 Found", [("Location", url)], b""

    @staticmethod
    def page(text: str, status: str = "200 OK"):
        return status, [("Content-Type", "text/html; charset=utf-8")], text.encode()

    # -- endpoints ----------------------------------------------------------------------------

    def discovery(self, environ, query, body):
        return self.json(
            {
                "issuer": self.base,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "userinfo_endpoint": f"{self.base}/userinfo",
                "jwks_uri": f"{self.base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
            }
        )

    def jwks(self, environ, query, body):
        return self.json({"keys": [SIGNING_KEY.as_dict(private=False)]})

    def _check_request(self, params: dict) -> str:
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            return "unknown client_id"
        if params.get("redirect_uri") not in client["redirect_uris"]:
            return "redirect_uri not registered"
        if params.get("response_type") != "code":
            return "response_type must be code"
        if "openid" not in params.get("scope", "").split():
            return "scope must include openid"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return "PKCE with S256 is required"
        return ""

    def authorize(self, environ, query, body):
        with self.lock:
            self.log.append({"endpoint": "authorize", "params": query})
        problem = self._check_request(query)
        if problem:
            # Never redirect to an unregistered URI (RFC 6749 §4.1.2.1).
            return self.page(f"<p>invalid request: {html.escape(problem)}</p>", "400 Bad Request")
        if self.auto_login:
            return self._approve(query, self.auto_login)
        return self._form(query, "")

    def _form(self, params: dict, error: str):
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        error_html = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        return self.page(
            "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
            "<title>Fournisseur d'identité de test</title></head><body>"
            "<h1>Fournisseur d'identité de test</h1>"
            f"{error_html}<form method='post' action='/authorize'>{hidden}"
            "<p><label for='email'>E-mail</label> <input id='email' name='email'></p>"
            "<p><label for='password'>Mot de passe</label> "
            "<input id='password' name='password' type='password'></p>"
            "<button type='submit'>Se connecter</button></form></body></html>"
        )

    def authorize_post(self, environ, query, body):
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        email = form.pop("email", "")
        password = form.pop("password", "")
        problem = self._check_request(form)
        if problem:
            return self.page(f"<p>invalid request: {html.escape(problem)}</p>", "400 Bad Request")
        user = self.users.get(email)
        if user is None or user.get("password") != password:
            return self._form(form, "Identifiants inconnus")
        return self._approve(form, email)

    def _approve(self, params: dict, email: str):
        state = params.get("state", "")
        if "state" in self.misbehave:
            state = secrets.token_urlsafe(16)
        if "deny" in self.misbehave:
            query = urlencode({"error": "access_denied", "state": state})
            return self.redirect(f"{params['redirect_uri']}?{query}")
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {
                "client_id": params["client_id"],
                "redirect_uri": params["redirect_uri"],
                "nonce": params.get("nonce"),
                "code_challenge": params["code_challenge"],
                "email": email,
                "expires": time.time() + 60,
            }
        query = urlencode({"code": code, "state": state})
        return self.redirect(f"{params['redirect_uri']}?{query}")

    def token(self, environ, query, body):
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        auth = environ.get("HTTP_AUTHORIZATION", "")
        logged = {k: ("***" if k == "client_secret" else v) for k, v in form.items()}
        with self.lock:
            self.log.append({"endpoint": "token", "params": logged, "basic": "Basic " in auth})
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if auth.startswith("Basic "):
            client_id, _sep, secret = base64.b64decode(auth[6:]).decode().partition(":")
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client["secret"], secret):
            return self.json({"error": "invalid_client"}, "401 Unauthorized")
        if form.get("grant_type") != "authorization_code":
            return self.json({"error": "unsupported_grant_type"}, "400 Bad Request")
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)  # single use
        if grant is None or grant["expires"] < time.time() or grant["client_id"] != client_id:
            return self.json({"error": "invalid_grant"}, "400 Bad Request")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self.json({"error": "invalid_grant", "error_description": "redirect_uri"}, BAD)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if not verifier or challenge.rstrip(b"=").decode() != grant["code_challenge"]:
            return self.json({"error": "invalid_grant", "error_description": "PKCE"}, BAD)
        user = self.users[grant["email"]]
        now = int(time.time())
        claims = {
            "iss": self.base if "issuer" not in self.misbehave else "https://impostor.example",
            "sub": user["claims"]["sub"],
            "aud": client_id if "audience" not in self.misbehave else "another-client",
            "iat": now,
            "exp": now + 300 if "expired" not in self.misbehave else now - 3600,
            "auth_time": now,
            **user["claims"],
            **user.get("id_token_claims", {}),
        }
        if grant["nonce"] is not None:
            claims["nonce"] = grant["nonce"] if "nonce" not in self.misbehave else "forged"
        key = IMPOSTOR_KEY if "signature" in self.misbehave else SIGNING_KEY
        id_token = jwt.encode({"alg": "RS256", "kid": KID}, claims, key)
        access_token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[access_token] = grant["email"]
        return self.json(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )

    def userinfo(self, environ, query, body):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        email = self.tokens.get(auth.removeprefix("Bearer ").strip()) if auth else None
        if email is None:
            return self.json({"error": "invalid_token"}, "401 Unauthorized")
        claims = dict(self.users[email]["claims"])
        if "userinfo_subject" in self.misbehave:
            claims["sub"] = "someone-else"
        return self.json(claims)

    def control_get(self, environ, query, body):
        with self.lock:
            return self.json({"log": self.log})

    def control_post(self, environ, query, body):
        try:
            self.reset(json.loads(body or b"{}"))
        except ValueError as exc:
            return self.json({"error": str(exc)}, "400 Bad Request")
        return self.json({"ok": True})


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve https")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    args = parser.parse_args()
    provider = Provider()
    server = make_server(
        "127.0.0.1", args.port, provider, server_class=ThreadingServer, handler_class=QuietHandler
    )
    scheme = "http"
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    provider.base = f"{scheme}://127.0.0.1:{server.server_port}"
    print(provider.base, flush=True)
    sys.stdout.close()  # nothing else is written: the test reads one line
    server.serve_forever()


if __name__ == "__main__":
    main()
