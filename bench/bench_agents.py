"""Many fiscal agents idle on one Odoo server, then jobs spread over them.

Simulated agents (one process, one thread and one websocket each, as ``fiscal-device agent``
connects: ``/fiscal_device/agent/session`` then Odoo's ``/websocket``) listen on their bus
channels. The script measures:

- (with ``psql`` reaching the database) latency from the commit of each job's bus message
  (its ``bus_bus.create_date``) to the agent's receipt;
- the CPU the server's processes (odoo-bin and its workers, read from ``/proc/<pid>/stat``)
  spend over ``--idle`` seconds with no agent, then with each agent count connected and idle;
- job delivery latency: jobs (X reports of each agent's device, left queued: ``agent_wait`` 0)
  are started at ``--rate`` per second spread over the agents; latency runs from the moment
  the job's request is sent (an upper bound of its commit, which happens inside that request)
  to the agent's receipt of its bus notification; p50 / p95 per agent count, with the job
  request's own duration beside it.

Run against a server started like the system suite's (``--workers=2 --gevent-port=P``)::

    python bench/bench_agents.py --url http://127.0.0.1:8069 --db DB \
        --websocket-url ws://127.0.0.1:P/websocket --server-pid PID --agents 20,200

Needs ``websocket-client`` (the ``agent`` extra). Linux only (``/proc``).
"""

# pylint: disable=print-used  # a command-line program: its output is for the terminal

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import websocket

from fiscal_device_lib.agent.bus import backoff_delay

TICKS = os.sysconf("SC_CLK_TCK")


class Rpc:
    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.ids = itertools.count(1)
        self.route("/web/session/authenticate", {"db": db, "login": login, "password": password})

    def route(self, path, params):
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self.ids), "params": params}
        answer = self.http.post(self.url + path, json=payload, timeout=300).json()
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer.get("result")

    def call(self, model, method, *args, **kwargs):
        return self.route(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


def server_cpu_seconds(master_pid):
    """User + system CPU seconds of ``master_pid`` and every process below it."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, frontier = {master_pid}, [master_pid]
    while frontier:
        pid = frontier.pop()
        for child, (parent, _ticks) in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(parents[pid][1] for pid in tree if pid in parents) / TICKS


def idle_cpu_percent(master_pid, seconds):
    start_cpu, start = server_cpu_seconds(master_pid), time.monotonic()
    time.sleep(seconds)
    used = server_cpu_seconds(master_pid) - start_cpu
    return 100.0 * used / (time.monotonic() - start)


class SimulatedAgent(threading.Thread):
    """One agent's bus connection; records when each job notification arrives."""

    def __init__(self, url, websocket_url, key, received):
        super().__init__(daemon=True)
        self.url, self.websocket_url, self.key = url, websocket_url, key
        self.received = received
        self.connected = threading.Event()
        self.stopping = False
        self.failed = False
        self.reconnects = 0

    def run(self):
        # as the agent does: (re)connect with capped exponential backoff and jitter (a connect
        # storm fills the gevent worker's database pool for a moment and it drops sockets)
        attempt = 0
        while not self.stopping:
            try:
                socket = self.connect()
            except Exception:
                attempt += 1
                if attempt > 12:
                    self.failed = True
                    self.connected.set()
                    return
                time.sleep(backoff_delay(attempt))
                continue
            attempt = 0
            self.connected.set()
            try:
                self.listen(socket)
            except Exception:
                if not self.stopping:
                    self.reconnects += 1

    def listen(self, socket):
        while not self.stopping:
            message = socket.recv()
            if not message:
                raise ConnectionError("closed")
            now, wall = time.monotonic(), time.time()
            for notification in json.loads(message):
                body = notification.get("message") or {}
                if body.get("type") == "fiscal_agent/job":
                    self.received[body["payload"]["id"]] = (now, wall, notification["id"])

    def connect(self):
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self.key}"
        session = http.post(self.url + "/fiscal_device/agent/session", json={}, timeout=300)
        session.raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        socket = websocket.create_connection(
            self.websocket_url, cookie=cookie, origin=self.url, timeout=600
        )
        socket.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
        return socket


def make_agents(rpc, count, label):
    """``count`` agents, each with one emulator device (never reached: its jobs stay queued);
    returns [(key, device id)]."""
    made = []
    for number in range(count):
        agent_id = rpc.call("fiscal.agent", "create", [{"name": f"Bench {label} {number}"}])[0]
        action = rpc.call("fiscal.agent", "action_generate_key", [agent_id])
        key = rpc.call("fiscal.agent.key", "read", [action["res_id"]], ["key"])[0]["key"]
        device_id = rpc.call(
            "fiscal.device",
            "create",
            [
                {
                    "name": f"Bench {label} {number}",
                    "kind": "caspos_emulator",
                    "agent_id": agent_id,
                    "agent_wait": 0,
                }
            ],
        )[0]
        made.append((key, device_id))
    return made


def run_jobs(args, agents, received):
    """Start ``--jobs`` X reports at ``--rate`` per second over the agents' devices; returns
    the latencies in seconds."""
    started, durations = {}, []
    lock = threading.Lock()
    local = threading.local()

    def one(device_id):
        if not hasattr(local, "rpc"):
            local.rpc = Rpc(args.url, args.db, args.login, args.password)
        sent = time.monotonic()
        action = local.rpc.call("fiscal.device", "action_x_report", [device_id])
        with lock:
            started[action["res_id"]] = sent
            durations.append(time.monotonic() - sent)

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        begin = time.monotonic()
        for number in range(args.jobs):
            time.sleep(max(0.0, begin + number / args.rate - time.monotonic()))
            pool.submit(one, agents[number % len(agents)][1])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not set(started) <= set(received):
        time.sleep(0.1)
    missing = set(started) - set(received)
    if missing:
        print(f"  {len(missing)} job(s) never reached their agent", file=sys.stderr)
    latencies = sorted(received[job][0] - started[job] for job in started if job in received)
    return latencies, sorted(durations), [received[job] for job in started if job in received]


def commit_latencies(db, arrivals):
    """Seconds from each notification's commit to its arrival: the bus row is written in the
    job's own short transaction, just before its commit (``create_date``, read with psql on
    this machine); empty when the database cannot be read."""
    ids = ",".join(str(bus_id) for _now, _wall, bus_id in arrivals)
    if not ids:
        return []
    done = subprocess.run(
        [
            "psql",
            "-d",
            db,
            "-Atc",
            f"SELECT id, extract(epoch FROM create_date) FROM bus_bus WHERE id IN ({ids})",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        return []
    written = {int(row.split("|")[0]): float(row.split("|")[1]) for row in done.stdout.split()}
    return sorted(wall - written[bus_id] for _now, wall, bus_id in arrivals if bus_id in written)


def percentile(values, fraction):
    return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--websocket-url", required=True)
    parser.add_argument("--server-pid", type=int, required=True, help="odoo-bin's own pid")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--agents", default="20,200", help="agent counts to measure")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle measurement")
    parser.add_argument("--rate", type=float, default=20.0, help="jobs per second")
    parser.add_argument("--jobs", type=int, default=200, help="jobs per agent count")
    parser.add_argument("--threads", type=int, default=8, help="parallel job requests")
    args = parser.parse_args()

    rpc = Rpc(args.url, args.db, args.login, args.password)
    print(f"server idle, no agent: {idle_cpu_percent(args.server_pid, args.idle):.2f} % of a core")
    listeners, received = [], {}
    for count in (int(n) for n in args.agents.split(",")):
        made = make_agents(rpc, count - len(listeners), f"{count}")
        for key, device in made:
            listener = SimulatedAgent(args.url, args.websocket_url, key, received)
            listener.start()
            listeners.append((listener, device))
            time.sleep(0.05)  # agents of many shops do not start in the same millisecond
        for listener, _device in listeners:
            listener.connected.wait(600)
        time.sleep(5)  # let the subscriptions settle
        online = [(listener, device) for listener, device in listeners if not listener.failed]
        idle = idle_cpu_percent(args.server_pid, args.idle)
        latencies, durations, arrivals = run_jobs(args, online, received)
        from_commit = commit_latencies(args.db, arrivals)
        print(
            f"{count} agents ({len(online)} connected): server idle {idle:.2f} % of a core; "
            f"{len(latencies)} jobs at {args.rate:g}/s: request sent -> agent notified "
            f"p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms; "
            f"the job request itself p50 {percentile(durations, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(durations, 0.95) * 1000:.0f} ms"
        )
        dropped = sum(listener.reconnects for listener, _device in listeners)
        print(f"  websockets dropped by the server and reconnected so far: {dropped}")
        if from_commit:
            print(
                f"  commit -> agent notified (bus row create_date): "
                f"p50 {percentile(from_commit, 0.5) * 1000:.0f} ms, "
                f"p95 {percentile(from_commit, 0.95) * 1000:.0f} ms, "
                f"max {max(from_commit) * 1000:.0f} ms"
            )
    for listener, _device in listeners:
        listener.stopping = True


if __name__ == "__main__":
    main()
