"""The agent's calls to Odoo's agent routes (``/fiscal_device/agent/*``), over one HTTP session.

Contract: every call is a JSON ``POST`` with the key in ``Authorization: Bearer``; a 401 raises
``KeyRefused`` (the agent stops), another refusal ``Refused`` with the server's message and
status, a network failure or a 5xx ``OdooUnreachable`` (the agent retries with backoff).
"""

from __future__ import annotations

import requests

ROUTE = "/fiscal_device/agent/"
TIMEOUT = 30.0


class AgentClientError(Exception):
    """Base of the agent's errors talking to Odoo."""


class OdooUnreachable(AgentClientError):
    """No answer, or a server error: try again later."""


class Refused(AgentClientError):
    """Odoo refused the request (``status`` 400/403/404/409) and said why."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class KeyRefused(Refused):
    """The key is wrong, revoked or the agent archived (401): nothing more can be done."""


class OdooClient:
    def __init__(self, url: str, key: str, timeout: float = TIMEOUT):
        self.url = url.rstrip("/")
        self.key = key
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {key}"

    def close(self) -> None:
        self.http.close()

    def call(self, route: str, payload: dict | None = None) -> dict:
        try:
            response = self.http.post(
                self.url + ROUTE + route, json=payload or {}, timeout=self.timeout
            )
        except requests.RequestException as error:
            raise OdooUnreachable(f"{route}: {error}") from error
        if response.status_code >= 500:
            raise OdooUnreachable(f"{route}: HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise OdooUnreachable(
                f"{route}: HTTP {response.status_code}, not JSON (is {self.url} an Odoo "
                "with fiscal_device installed?)"
            ) from None
        if response.status_code == 401:
            raise KeyRefused(401, answer.get("error", "key refused"))
        if response.status_code != 200:
            raise Refused(response.status_code, answer.get("error", response.reason))
        return answer

    def session_cookie(self) -> str:
        """Open the agent's bus session; returns the ``Cookie`` header its websocket sends."""
        self.call("session")
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
