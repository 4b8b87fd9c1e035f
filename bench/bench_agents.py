"""Many fiscal agents idle on one Odoo server, then jobs spread over them.

Simulated agents (one process, one thread and one websocket each, as ``fiscal-device agent``
connects: ``/fiscal_device/agent/session`` then Odoo's ``/websocket``) listen on their bus
channels. The script measures:

- the CPU the server's processes (odoo-bin and its workers, read from ``/proc/<pid>/stat``)
  spend over ``--idle`` seconds with no agent, then with each agent count connected and idle;
- job delivery latency: jobs (X reports of each agent's device, left queued: ``agent_wait`` 0)
  are started at ``--rate`` per second spread over the agents; latency runs from the moment
  the job's request is sent (an upper bound of its commit) to the agent's receipt of its bus
  notification; p50 / p95 per agent count.

Run against a server started like the system suite's (``--workers=2 --gevent-port=P``)::

    python bench/bench_agents.py --url http://127.0.0.1:8069 --db DB \
        --websocket-url ws://127.0.0.1:P/websocket --server-pid PID --agents 20,200

Needs ``websocket-client`` (the ``agent`` extra). Linux only (``/proc``).
"""

import argparse
import itertools
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import websocket

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

    def run(self):
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self.key}"
        http.post(
            self.url + "/fiscal_device/agent/session", json={}, timeout=300
        ).raise_for_status()
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        socket = websocket.create_connection(
            self.websocket_url, cookie=cookie, origin=self.url, timeout=600
        )
        socket.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
        self.connected.set()
        while not self.stopping:
            try:
                message = socket.recv()
            except Exception:
                return
            now = time.monotonic()
            for notification in json.loads(message or "[]"):
                body = notification.get("message") or {}
                if body.get("type") == "fiscal_agent/job":
                    self.received[body["payload"]["id"]] = now


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
    started = {}
    lock = threading.Lock()
    local = threading.local()

    def one(device_id):
        if not hasattr(local, "rpc"):
            local.rpc = Rpc(args.url, args.db, args.login, args.password)
        sent = time.monotonic()
        action = local.rpc.call("fiscal.device", "action_x_report", [device_id])
        with lock:
            started[action["res_id"]] = sent

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
    return sorted(received[job] - started[job] for job in started if job in received)


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
        for key, _device in made:
            listener = SimulatedAgent(args.url, args.websocket_url, key, received)
            listener.start()
            listeners.append((listener, _device))
        for listener, _device in listeners:
            listener.connected.wait(300)
        time.sleep(5)  # let the subscriptions settle
        idle = idle_cpu_percent(args.server_pid, args.idle)
        latencies = run_jobs(args, [(None, device) for _l, device in listeners], received)
        print(
            f"{count} agents: server idle {idle:.2f} % of a core; {len(latencies)} jobs at "
            f"{args.rate:g}/s: delivery p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms"
        )
    for listener, _device in listeners:
        listener.stopping = True


if __name__ == "__main__":
    main()
