"""``fiscal-device agent``: run the fiscal agent, show its state, or list what it can see."""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from ..cli_support import EXIT_ERROR, EXIT_OK, EXIT_USAGE, print_json, stop_on_signals
from .bus import BusListener, backoff_delay, websocket_available, websocket_url
from .client import OdooClient, OdooUnreachable, Refused
from .journal import LocalJournal
from .runner import PULL_INTERVAL, Agent, AgentStopped

_logger = logging.getLogger("fiscal_device.agent")
EXIT_REFUSED = 7  # the key was refused or revoked: a new key is needed


def default_journal() -> Path:
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_STATE_HOME")
    root = Path(base) if base else Path.home() / ".local" / "state"
    return root / "fiscal-device-agent" / "journal.sqlite3"


def add_agent_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "agent",
        help="run the fiscal agent: the devices of this PC for a hosted Odoo",
        description=agent_command.__doc__,
    )
    parser.add_argument("--url", help="the Odoo address, e.g. https://shop.example.com")
    parser.add_argument(
        "--key",
        default=os.environ.get("FISCAL_AGENT_KEY"),
        help="the agent key shown once in Odoo (or the FISCAL_AGENT_KEY variable)",
    )
    parser.add_argument(
        "--websocket-url",
        help="Odoo's websocket when not behind the same address (a prefork server without "
        "a proxy: ws://host:<gevent port>/websocket)",
    )
    parser.add_argument(
        "--journal", type=Path, default=default_journal(), help="the local journal (SQLite)"
    )
    parser.add_argument("--status", action="store_true", help="print the agent's state and exit")
    parser.add_argument(
        "--ports",
        action="store_true",
        help="list serial ports (and whether an N5 answers) and Caspos addresses, report them",
    )
    parser.add_argument(
        "--caspos", action="append", default=[], metavar="URL", help="a Caspos address to probe"
    )
    parser.add_argument(
        "--pull-interval",
        type=float,
        default=PULL_INTERVAL,
        help="seconds between two pulls of the job list without notification",
    )
    parser.add_argument(
        "--no-websocket", action="store_true", help="pull on the timer only, no bus connection"
    )
    parser.add_argument("--once", action="store_true", help="settle and run queued jobs, exit")
    parser.add_argument("--verbose", action="store_true", help="log every step")
    parser.set_defaults(func=agent_command)


def agent_command(args: argparse.Namespace) -> int:
    """Run the jobs of this PC's fiscal devices for the Odoo at --url, with its agent key.

    The agent connects out to Odoo (no port is opened here), keeps a local journal so that a
    restart never registers a document twice, and reconnects by itself."""
    logging.basicConfig(
        level=logging.INFO if args.verbose or not (args.status or args.ports) else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    journal = LocalJournal(args.journal)
    try:
        if args.status:
            return print_status(journal)
        if not args.url or not args.key:
            print("error: --url and --key are required", file=sys.stderr)
            return EXIT_USAGE
        client = OdooClient(args.url, args.key)
        if args.ports:
            return report_ports(client, args.caspos)
        return run(args, client, journal)
    finally:
        journal.close()


def print_status(journal: LocalJournal) -> int:
    status = journal.status()
    print_json(
        {
            "agent": status.get("agent", ""),
            "url": status.get("url", ""),
            "connection": status.get("connection", "never connected"),
            "last_contact": status.get("last_contact", ""),
            "jobs": journal.counts(),
            "unfinished": [
                {"id": job.id, "kind": job.kind, "state": job.state, "at": job.updated_at}
                for job in journal.unfinished()
            ],
        }
    )
    return EXIT_OK


def report_ports(client: OdooClient, caspos_urls: list[str]) -> int:
    from .ports import scan

    found = scan(caspos_urls)
    print_json(found)
    try:
        client.call("ports", {"ports": found})
    except (OdooUnreachable, Refused) as error:
        print(f"error: the ports could not be reported to Odoo: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


def run(args: argparse.Namespace, client: OdooClient, journal: LocalJournal) -> int:
    stop = stop_on_signals()
    agent = Agent(client, journal, args.journal.parent)
    refused: list[str] = []

    def on_revoked(message: str) -> None:
        refused.append(message)
        stop.set()
        agent.wake.set()

    def on_state(state: str) -> None:
        journal.set_status(connection=state)

    def wake(reason: str) -> None:
        _logger.info("bus: %s: pulling jobs", reason)
        agent.wake.set()

    listener = None
    attempt = 0
    started = False
    try:
        while not stop.is_set():
            try:
                if not started:
                    agent.start()
                    started = True
                    if args.once:
                        agent.pull()
                        return EXIT_OK
                    if not args.no_websocket and websocket_available() and listener is None:
                        url = args.websocket_url or websocket_url(args.url)
                        listener = BusListener(client, url, wake, on_revoked, on_state)
                        listener.start()
                    elif listener is None:
                        journal.set_status(connection="polling (no websocket)")
                agent.wake.clear()
                agent.pull()
                attempt = 0
            except OdooUnreachable as error:
                delay = backoff_delay(attempt)
                attempt += 1
                _logger.warning("Odoo unreachable (%s); retrying in %.1f s", error, delay)
                stop.wait(delay)
                continue
            deadline = time.monotonic() + args.pull_interval
            while not (stop.is_set() or agent.wake.is_set()) and time.monotonic() < deadline:
                agent.wake.wait(0.5)  # a timed wait lets the signal handler run promptly
    except AgentStopped as stopped:
        refused.append(str(stopped))
    finally:
        if listener is not None:
            listener.stop()
    if refused:
        print(f"error: {refused[0]}", file=sys.stderr)
        journal.set_status(connection=f"refused: {refused[0]}")
        return EXIT_REFUSED
    journal.set_status(connection="stopped")
    return EXIT_OK
