#!/usr/bin/env python3
"""tests/live/baresip-failover.py - the real baresip against the baresip
profile (issue 14, doc/device.md "baresip profile", BEHAVIOUR.md B46-B50).

What it does
------------
For each trial, on its own loopback addresses 127.B.T.0/24 (T = trial; B
from the pid, so two copies of the test do not collide),
it starts

  dnsmasq    127.B.T.1:15353  voip.test: _sip._udp SRV 10 -> pbx-a:15060,
                               SRV 20 -> pbx-b:15060, A records
  kamailio   127.B.T.10:15060 (pbx-a) and 127.B.T.11:15060 (pbx-b):
             registrar only (usrloc in memory, min_expires 5), one xlog
             line per REGISTER
  dumpcap    on lo, UDP of 127.B.T.0/24
  baresip    Debian's, config written here: sip_listen 127.B.T.2:15060,
             dns_server dnsmasq, account <sip:1000@voip.test>;regint=10

waits for the first registration at pbx-a, kills pbx-a with SIGKILL (its
process group, so the kernel answers ICMP port unreachable from then on) at
a random phase of baresip's 9 s refresh cycle, waits for the registration
at pbx-b, stops everything by pid and reads the capture with tshark.
Trials run in parallel (each is mostly idle waiting for Timer F).

Per trial it reports, from the captured packets:
  failover_s   200 from pbx-b minus the kill (the metric of doc/metrics.md)
  refresh_s    first REGISTER to pbx-a after the kill minus the last 200
               from pbx-a (B46 predicts 0.9 x 10 = 9 s)
  timer_f_s    200 from pbx-b minus that REGISTER (B47/B48 predict Timer
               F = 64 x T1 = 32 s plus a round trip and the DNS questions)
  sends        REGISTERs to the dead pbx-a in between (RFC 3261 §17.1.2.2
               predicts 11: 0, 0.5, 1.5, 3.5, 7.5 and every 4 s to 31.5 s)
  predicted_s  the rule's failover for that kill moment:
               last 200 + 9 s + 32 s - kill

and compares them with sipsim: it runs scenarios/baresip-failover.ini
(the same topology with the baresip profile, the kill at a uniform phase)
with the sipsim binary given, and checks every live failover_s against the
simulated distribution (inside its range widened by 0.1 s) and against
predicted_s (within 0.1 s).  Exit 0 pass, 1 fail, 77 skip (a program is
missing: meson's skip code).  --json FILE writes every number.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

REGINT = 10
NEEDED = ["baresip", "kamailio", "dnsmasq", "dumpcap", "tshark"]

KAM_CFG = """#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=1
auto_aliases=no
listen=udp:{addr}:15060
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("registrar", "min_expires", 5)
request_route {{
    if (method=="REGISTER") {{
        xlog("L_ERR", "REG $TV(Sn) from $si:$sp\\n");
        save("location");
        exit;
    }}
    sl_send_reply("404", "Not here");
}}
"""


def which_all():
    found = {}
    for p in NEEDED:
        path = shutil.which(p) or shutil.which(p, path="/usr/sbin:/sbin")
        if not path:
            return None, p
        found[p] = path
    return found, None


class Trial:
    def __init__(self, n, bins, root, rng, base):
        self.n = n
        self.bins = bins
        self.net = "127.%d.%d" % (base, n)
        self.dir = os.path.join(root, "trial%d" % n)
        os.makedirs(self.dir)
        self.procs = {}
        self.phase = rng.uniform(0.5, 8.5)   # s after a 200 from pbx-a
        self.kill_at = None
        self.result = {"trial": n, "phase_s": self.phase}

    def path(self, name):
        return os.path.join(self.dir, name)

    def spawn(self, name, argv):
        log = open(self.path(name + ".log"), "w")
        # Own session: the process and its children share a group we can
        # signal by its id (kamailio forks workers).
        self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self, name, sig=signal.SIGTERM):
        p = self.procs.get(name)
        if p and p.poll() is None:
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def start(self):
        n = self.net
        with open(self.path("dnsmasq.conf"), "w") as f:
            f.write("\n".join([
                "port=15353", "listen-address=%s.1" % n, "bind-interfaces", "no-resolv",
                "no-hosts", "local=/voip.test/", "log-queries", "log-facility=-",
                "user=root", "pid-file=",
                "srv-host=_sip._udp.voip.test,pbx-a.voip.test,15060,10,0",
                "srv-host=_sip._udp.voip.test,pbx-b.voip.test,15060,20,0",
                "host-record=pbx-a.voip.test,%s.10" % n,
                "host-record=pbx-b.voip.test,%s.11" % n, ""]))
        self.spawn("dnsmasq", [self.bins["dnsmasq"], "-k", "-C", self.path("dnsmasq.conf")])
        for name, host in (("pbx-a", 10), ("pbx-b", 11)):
            d = self.path(name)
            os.makedirs(d)
            with open(os.path.join(d, "kamailio.cfg"), "w") as f:
                f.write(KAM_CFG.format(addr="%s.%d" % (n, host)))
            self.spawn(name, [self.bins["kamailio"], "-DD", "-E", "-f",
                              os.path.join(d, "kamailio.cfg"), "-P", os.path.join(d, "pid"),
                              "-Y", d, "-w", d, "-m", "16", "-M", "4"])
        self.spawn("dumpcap", [self.bins["dumpcap"], "-q", "-i", "lo", "-f",
                               "udp and net %s.0/24" % n, "-w", self.path("cap.pcapng")])
        bs = self.path("baresip")
        os.makedirs(bs)
        with open(os.path.join(bs, "config"), "w") as f:
            f.write("poll_method epoll\nsip_listen %s.2:15060\ndns_server %s.1:15353\n"
                    "module_path /usr/lib/baresip/modules\nmodule_app account.so\n"
                    "module g711.so\n" % (n, n))
        with open(os.path.join(bs, "accounts"), "w") as f:
            f.write("<sip:1000@voip.test>;regint=%d\n" % REGINT)
        self.t_start = time.time()

    def start_phone(self):
        self.spawn("baresip", [self.bins["baresip"], "-4", "-f", self.path("baresip"),
                               "-t", "150"])

    def regs(self, name):
        try:
            text = open(self.path(name + ".log")).read()
        except OSError:
            return []
        return [float(x) for x in re.findall(r"REG (\d+\.\d+) from", text)]

    def step(self, now):
        """Advances the trial; returns True when finished."""
        if self.kill_at is None:
            a = self.regs("pbx-a")
            # Kill at the chosen phase after a 200 from pbx-a, once two
            # refresh cycles have run (the start-up REGISTERs are done).
            if len(a) >= 3:
                self.kill_at = a[-1] + self.phase
            if now - self.t_start > 60:
                self.result["error"] = "no registration at pbx-a"
                return True
            return False
        if "killed" not in self.result:
            if now >= self.kill_at:
                self.stop("pbx-a", signal.SIGKILL)
                self.result["killed"] = time.time()
            return False
        if self.regs("pbx-b"):
            time.sleep(0.5)               # let the 200 reach the capture
            return True
        if now - self.result["killed"] > REGINT + 32 + 15:
            self.result["error"] = "no registration at pbx-b"
            return True
        return False

    def finish(self):
        for name in ("baresip", "pbx-b", "pbx-a", "dnsmasq"):
            self.stop(name)
        time.sleep(0.3)
        self.stop("dumpcap")
        if "error" in self.result:
            return
        out = subprocess.run([self.bins["tshark"], "-r", self.path("cap.pcapng"), "-Y", "sip",
                              "-T", "fields", "-e", "frame.time_epoch", "-e", "ip.src",
                              "-e", "ip.dst", "-e", "sip.Method", "-e", "sip.Status-Code"],
                             capture_output=True, text=True, check=False)
        pkts = []
        for line in out.stdout.splitlines():
            f = line.split("\t")
            if len(f) >= 5:
                pkts.append((float(f[0]), f[1], f[2], f[3], f[4]))
        a, b, ph = self.net + ".10", self.net + ".11", self.net + ".2"
        k = self.result["killed"]
        ok_a = [t for t, s, d, m, c in pkts if s == a and d == ph and c == "200" and t < k]
        reg_a = [t for t, s, d, m, c in pkts if d == a and m == "REGISTER" and t > k]
        ok_b = [t for t, s, d, m, c in pkts if s == b and d == ph and c == "200" and t > k]
        if not ok_a or not reg_a or not ok_b:
            self.result["error"] = "capture incomplete"
            return
        first = reg_a[0]
        self.result.update({
            "failover_s": ok_b[0] - k,
            "refresh_s": first - ok_a[-1],
            "timer_f_s": ok_b[0] - first,
            "sends": len([t for t in reg_a if t < ok_b[0]]),
            "predicted_s": ok_a[-1] + 0.9 * REGINT + 32.0 - k,
        })


def simulate(sipsim, scenario, work):
    db = os.path.join(work, "sim.db")
    subprocess.run([sipsim, "run", scenario, "-o", db, "-q", "-j", "1"], check=True,
                   stdout=subprocess.DEVNULL)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT value FROM metric WHERE name = 'failover_s' AND unit = '' "
                       "AND value IS NOT NULL").fetchall()
    return sorted(r[0] for r in rows)


def ks_statistic(sample, ref):
    """Two-sample Kolmogorov-Smirnov D."""
    d = 0.0
    for x in sorted(set(sample) | set(ref)):
        fa = sum(1 for v in sample if v <= x) / len(sample)
        fb = sum(1 for v in ref if v <= x) / len(ref)
        d = max(d, abs(fa - fb))
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sipsim", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--json")
    args = ap.parse_args()

    bins, missing = which_all()
    if bins is None:
        print("skip: %s not installed (scripts/install-deps.sh)" % missing)
        return 77
    work = tempfile.mkdtemp(prefix="sipsim-baresip-")
    rng = random.Random(args.seed)
    # Two copies of this test at once (a developer's tree and a worktree)
    # must not collide on addresses: the second octet comes from the pid,
    # away from 127.0.x and 127.255.x.
    base = 20 + os.getpid() % 200
    trials = [Trial(i + 1, bins, work, rng, base) for i in range(args.trials)]
    try:
        for t in trials:
            t.start()
        time.sleep(1.0)                   # servers listening before the phone
        for t in trials:
            t.start_phone()
        pending = list(trials)
        while pending:
            time.sleep(0.05)
            now = time.time()
            for t in list(pending):
                if t.step(now):
                    pending.remove(t)
    finally:
        for t in trials:
            t.finish()

    sim = simulate(args.sipsim, args.scenario, work)
    live = [t.result for t in trials]
    fails = []
    for r in live:
        if "error" in r:
            fails.append("trial %d: %s" % (r["trial"], r["error"]))
            continue
        if not (sim[0] - 0.1 <= r["failover_s"] <= sim[-1] + 0.1):
            fails.append("trial %d: failover %.3f s outside the simulated [%.3f, %.3f]"
                         % (r["trial"], r["failover_s"], sim[0], sim[-1]))
        if abs(r["failover_s"] - r["predicted_s"]) > 0.1:
            fails.append("trial %d: failover %.3f s, the rules predict %.3f s"
                         % (r["trial"], r["failover_s"], r["predicted_s"]))
    measured = [r["failover_s"] for r in live if "failover_s" in r]
    summary = {
        "live": live,
        "sim": {"n": len(sim), "min": sim[0] if sim else None, "max": sim[-1] if sim else None,
                "mean": sum(sim) / len(sim) if sim else None},
        "ks_d": ks_statistic(measured, sim) if measured and sim else None,
        "failures": fails,
    }
    for r in live:
        if "failover_s" in r:
            print("trial %d: failover %.3f s (rules %.3f s, error %+.3f s), refresh %.3f s, "
                  "Timer F leg %.3f s, %d sends to the dead primary"
                  % (r["trial"], r["failover_s"], r["predicted_s"],
                     r["failover_s"] - r["predicted_s"], r["refresh_s"], r["timer_f_s"],
                     r["sends"]))
    if sim:
        print("sipsim: %d runs, failover_s in [%.3f, %.3f], mean %.3f; KS D (live vs sim) = %.3f"
              % (len(sim), sim[0], sim[-1], summary["sim"]["mean"], summary["ks_d"] or 0))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    for m in fails:
        print("FAIL " + m)
    if not fails:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print("kept for inspection: " + work)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
