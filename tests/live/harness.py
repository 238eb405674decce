#!/usr/bin/env python3
"""tests/live/harness.py - real third-party SIP and DNS servers for live tests.

Starts Kamailio (registrar + usrloc, with or without digest auth) and
dnsmasq (SRV and A records) on a 127.0.0.0/8 address and a high port,
each in its own process group, and stops them by that process group's id
(never by name).  Used by tests/live/test-live.py; reusable by any test or
script that needs a real registrar on loopback (doc/live.md, "Testing").

As a module:
    from harness import Kamailio, Dnsmasq
    k = Kamailio("127.0.0.21", 25070, workdir, users={"alice": "secret"})
    k.start()           # returns once the UDP port is bound
    k.kill()            # SIGKILL: the port closes, datagrams get ICMP port unreachable
    k.pause()/resume()  # SIGSTOP/SIGCONT: silence, no ICMP (datagrams queue)
    k.stop()            # SIGTERM, then SIGKILL after 5 s
    d = Dnsmasq("127.0.0.53", 25353, workdir,
                srv=[("_sip._udp.voip.test", "pbx-a.voip.test", 25070, 10, 0)],
                hosts=[("pbx-a.voip.test", "127.0.0.21")])

From a shell (each prints the process group id and returns when ready):
    harness.py kamailio ADDR:PORT WORKDIR [--user USER:PASSWORD ...] [--realm R]
    harness.py dnsmasq  ADDR:PORT WORKDIR [--srv NAME,TARGET,PORT,PRIO,WEIGHT ...]
                                           [--host NAME,IP ...] [--ttl S]
    harness.py kill|stop|pause|resume PGID
    harness.py available        exit 0 when kamailio and dnsmasq are installed

Notes
- Kamailio forks (main, UDP receiver, timers); a SIGKILL to the main
  process alone would leave a child holding the socket, so signals go to
  the whole process group (start_new_session).
- Readiness is the UDP port appearing in /proc/net/udp, so a test never
  sleeps for a guessed time.
- Nothing here needs root: Kamailio runs with -DD -E and its runtime
  directory in WORKDIR; dnsmasq with --no-daemon and --user unset when
  not root.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


def available():
    return os.access(KAMAILIO, os.X_OK) and os.access(DNSMASQ, os.X_OK)


def _hex_addr(addr, port):
    a = [int(x) for x in addr.split(".")]
    return "%02X%02X%02X%02X:%04X" % (a[3], a[2], a[1], a[0], port)


def udp_bound(addr, port):
    """Is some socket bound to addr:port (UDP)?"""
    want = _hex_addr(addr, port)
    with open("/proc/net/udp") as f:
        return any(line.split()[1] == want for line in f.readlines()[1:])


def signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
        return True
    except ProcessLookupError:
        return False


class Server:
    """One server process group; subclasses give argv and config."""
    name = "server"

    def __init__(self, addr, port, workdir):
        self.addr, self.port, self.workdir = addr, port, workdir
        os.makedirs(workdir, exist_ok=True)
        self.proc = None
        self.log_path = os.path.join(workdir, "%s-%s-%d.log" % (self.name, addr, port))

    def argv(self):
        raise NotImplementedError

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, timeout=10.0):
        if udp_bound(self.addr, self.port):
            raise RuntimeError("%s:%d is already bound" % (self.addr, self.port))
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %d; log: %s\n%s" % (
                    self.name, self.proc.returncode, self.log_path, self.log_tail()))
            if udp_bound(self.addr, self.port):
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("%s did not bind %s:%d within %.0f s; log: %s" % (
            self.name, self.addr, self.port, timeout, self.log_path))

    def log_tail(self, n=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def kill(self):
        """SIGKILL the group and wait until the port is closed (ICMP from then on)."""
        signal_group(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        end = time.monotonic() + 5
        while udp_bound(self.addr, self.port) and time.monotonic() < end:
            time.sleep(0.01)
        # children reparented to init may take a moment to die
        if udp_bound(self.addr, self.port):
            raise RuntimeError("%s:%d still bound after SIGKILL" % (self.addr, self.port))

    def pause(self):
        signal_group(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        signal_group(self.proc.pid, signal.SIGCONT)

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        signal_group(self.proc.pid, signal.SIGCONT)
        signal_group(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            signal_group(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        signal_group(self.proc.pid, signal.SIGKILL)   # stray children


class Kamailio(Server):
    """Kamailio 5.6 as a registrar: usrloc in memory, digest auth when users are given."""
    name = "kamailio"

    def __init__(self, addr, port, workdir, users=None, realm=None, min_expires=1,
                 max_expires=3600):
        super().__init__(addr, port, workdir)
        self.users, self.realm = users or {}, realm
        self.min_expires, self.max_expires = min_expires, max_expires

    def config(self):
        mods = ["tm", "sl", "pv", "maxfwd", "textops", "siputils", "xlog", "sanity",
                "usrloc", "registrar"] + (["auth"] if self.users else [])
        lines = [
            "#!KAMAILIO",
            "debug=2", "log_stderror=yes", "fork=yes", "children=1",
            "disable_tcp=yes", "auto_aliases=no", "dns=no", "rev_dns=no",
            "listen=udp:%s:%d" % (self.addr, self.port),
            'mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"',
        ]
        lines += ['loadmodule "%s.so"' % m for m in mods]
        lines += [
            'modparam("usrloc", "db_mode", 0)',
            'modparam("registrar", "min_expires", %d)' % self.min_expires,
            'modparam("registrar", "max_expires", %d)' % self.max_expires,
            "request_route {",
            '  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }',
            '  if (is_method("OPTIONS")) { sl_send_reply("200", "OK"); exit; }',
            '  if (is_method("REGISTER")) {',
        ]
        if self.users:
            realm = '"%s"' % self.realm if self.realm else '"$td"'
            lines.append('    $var(pw) = "";')
            for user, pw in self.users.items():
                lines.append('    if ($au == "%s") { $var(pw) = "%s"; }' % (user, pw))
            lines += [
                '    if ($var(pw) == "" || !pv_www_authenticate(%s, "$var(pw)", "0")) {' % realm,
                '      www_challenge(%s, "0"); exit;' % realm,
                "    }",
            ]
        lines += [
            '    if (!save("location")) { sl_reply_error(); }',
            "    exit;",
            "  }",
            '  sl_send_reply("405", "Method Not Allowed");',
            "}",
        ]
        return "\n".join(lines) + "\n"

    def argv(self):
        base = os.path.join(self.workdir, "kamailio-%s-%d" % (self.addr, self.port))
        os.makedirs(base, exist_ok=True)
        cfg = os.path.join(base, "kamailio.cfg")
        with open(cfg, "w") as f:
            f.write(self.config())
        return [KAMAILIO, "-DD", "-E", "-f", cfg, "-P", os.path.join(base, "pid"),
                "-Y", base, "-w", base, "-m", "16", "-M", "4"]


class Dnsmasq(Server):
    """dnsmasq as an authoritative-looking server for SRV and A records only."""
    name = "dnsmasq"

    def __init__(self, addr, port, workdir, srv=(), hosts=(), ttl=60):
        super().__init__(addr, port, workdir)
        self.srv, self.hosts, self.ttl = list(srv), list(hosts), ttl

    def argv(self):
        a = [DNSMASQ, "--no-daemon", "--port=%d" % self.port, "--listen-address=%s" % self.addr,
             "--bind-interfaces", "--no-resolv", "--no-hosts", "--no-poll",
             "--conf-file=/dev/null", "--pid-file=", "--local-ttl=%d" % self.ttl,
             "--auth-ttl=%d" % self.ttl, "--cache-size=0", "--log-facility=-"]
        if os.geteuid() == 0:
            a.append("--user=root")
        for name, target, port, prio, weight in self.srv:
            a.append("--srv-host=%s,%s,%d,%d,%d" % (name, target, port, prio, weight))
        for name, ip in self.hosts:
            a.append("--host-record=%s,%s" % (name, ip))
        # Answer for the records' zones locally (NXDOMAIN / NODATA for other
        # names in them), as an authoritative server would, instead of
        # REFUSED for want of an upstream server.
        zones = sorted({".".join(r[0].split(".")[-2:]) for r in self.srv + self.hosts})
        a += ["--local=/%s/" % z for z in zones]
        return a


def _main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("kamailio")
    k.add_argument("where")
    k.add_argument("workdir")
    k.add_argument("--user", action="append", default=[])
    k.add_argument("--realm")
    d = sub.add_parser("dnsmasq")
    d.add_argument("where")
    d.add_argument("workdir")
    d.add_argument("--srv", action="append", default=[])
    d.add_argument("--host", action="append", default=[])
    d.add_argument("--ttl", type=int, default=60)
    for c in ("kill", "stop", "pause", "resume"):
        s = sub.add_parser(c)
        s.add_argument("pgid", type=int)
    sub.add_parser("available")
    a = p.parse_args()
    if a.cmd == "available":
        return 0 if available() else 1
    if a.cmd in ("kill", "stop", "pause", "resume"):
        sig = {"kill": signal.SIGKILL, "stop": signal.SIGTERM, "pause": signal.SIGSTOP,
               "resume": signal.SIGCONT}[a.cmd]
        if a.cmd == "stop":
            signal_group(a.pgid, signal.SIGCONT)
        return 0 if signal_group(a.pgid, sig) else 1
    addr, port = a.where.rsplit(":", 1)
    if a.cmd == "kamailio":
        users = dict(u.split(":", 1) for u in a.user)
        srv = Kamailio(addr, int(port), a.workdir, users=users, realm=a.realm)
    else:
        recs = []
        for s in a.srv:
            n, t, po, pr, w = s.split(",")
            recs.append((n, t, int(po), int(pr), int(w)))
        hosts = [tuple(h.split(",", 1)) for h in a.host]
        srv = Dnsmasq(addr, int(port), a.workdir, srv=recs, hosts=hosts, ttl=a.ttl)
    srv.start()
    # the process group outlives this script: print its id for kill/stop
    print(srv.pid)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
