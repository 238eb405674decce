#!/usr/bin/env python3
"""tests/live/test-live.py - `sipsim live` against real Kamailio and dnsmasq.

A TAP test (meson suite 'live').  Every server runs on this process's own
127.A.B.x addresses (A.B from the pid) and high ports, started and stopped
by process group id through tests/live/harness.py.

The phone (profile obihai, SRV lookup of voip.test) has short timers so
the whole test takes well under two minutes:
    RegisterExpires E = 10 s: refresh at 0.9 E = 9 s (B5, OBi margin 10 %)
    sip transaction timer F = 2 s (Timer F, B8/B38)
    failback_interval = 4 s (B20)
pbx-a (SRV priority 10) asks for digest auth, pbx-b (priority 20) does not.

Cases
 1. registers through SRV at pbx-a (with a digest challenge), and pbx-b's
    A record and port come from DNS;
 2. pbx-a killed (SIGKILL: its port closes): the next REGISTER gets ICMP
    port unreachable and the phone is at pbx-b at once (B38) - failover_s
    <= 0.9 E (time to the next refresh) + 1 s, and the REGISTER to pbx-b
    follows the failed one by less than Timer F;
 3. pbx-a back (a new Kamailio on the same address): failback (B20);
    Ctrl-C removes the binding (expires=0) and the command exits 130;
 4. pbx-a silenced (SIGSTOP: no ICMP): failover after Timer F -
    F <= failover_s, and failover_s within the bound of the same scenario
    simulated (200 replications of a proxy-crash at a random instant), which
    is itself checked against the rule bound 0.9 E + F + 1 s;
    the ICMP case likewise against the same scenario with proxy-kill;
    SIGCONT and failback; the run ends at its duration (exit 0).
"""
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import queue

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

E, F, FAILBACK = 10.0, 2.0, 4.0
REFRESH = 0.9 * E
SLACK = 1.0          # DNS, loopback RTT and main-loop wake-ups: far below this
# Simulated runs per fault: the crash instant is uniform over the run, so
# the failovers spread over [0, 0.9 E] (+ F); the live session's value
# (about 0.9 E - 1 s: the fault comes 1 s after a registration) is below
# the maximum of N_SIM of them unless all N_SIM fall in the lowest
# 8/9 of the range: probability (8/9)^200 < 1e-10.
N_SIM = 200

tests_run = 0
failed = 0


def tap(ok, what):
    global tests_run, failed
    tests_run += 1
    if not ok:
        failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", tests_run, what), flush=True)
    return ok


def addr(k):
    p = os.getpid()
    return "127.%d.%d.%d" % (64 + (p >> 8) % 128, p & 255, k)


BASE = """
[scenario]
name = live-failover
duration = 60s
seed = 1
replications = 200

[dns]
address = {dns}
port = 25353
zone = voip.test
ttl = 1
_sip._udp.voip.test = SRV 10 0 25070 pbx-a.voip.test; SRV 20 0 25070 pbx-b.voip.test
pbx-a.voip.test = A {pbxa}
pbx-b.voip.test = A {pbxb}

[proxy pbx-a]
address = {pbxa}
port = 25070
min_expires = 1
realm = voip.test
users = alice:secret

[proxy pbx-b]
address = {pbxb}
port = 25070
min_expires = 1

[live]
address = {phone}

[device phone]
profile = obihai
SP1::AuthUserName = alice
SP1::AuthPassword = secret
SP1::ProxyServer = voip.test
SP1::X_UserAgentPort = 25060
SP1::X_ProxyServerRedundancy = true
SP1::RegisterExpires = {E}
SP1::sip transaction timer = {F_ms}
SP1::failback_interval = {FB}

"""


# Two scenarios on the same base, one per fault: the simulated runs of each
# give the bound its live sessions are held against.  [fault] is for
# simulated runs only: sipsim live never stops anything (doc/live.md).
FAULT = """
[scenario]
extends = base.ini
name = live-{kind}

[fault pbx-a-dies]
type = proxy-{kind}
target = pbx-a
at = uniform(20s, 30s)
duration = 15s

[expect]
# the rule bound: {rule}
bounded = failover_s max <= {bound}
completes = failover_completed min >= 1
"""


# Three phones, paced by [live] rate (doc/live.md, Safety); instance i
# binds [live] address + i, so they share X_UserAgentPort.
MANY = """
[scenario]
extends = base.ini
name = live-many

[live]
address = {phone}
rate = 4
max_devices = {max}

[device phone]
count = 3
# B10's start-up spread (10 s by default) kept short: registered by 1.5 s
SP1::sip.reg_surge_prevention = 1
"""


def pcap_packets(path):
    """(src, dst, sport, dport, payload) of each record of a LINKTYPE_RAW pcap."""
    import struct
    out = []
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    assert magic in (0xa1b2c3d4, 0xa1b23c4d), "pcap magic %x" % magic
    assert struct.unpack("<I", data[20:24])[0] == 101, "LINKTYPE_RAW"
    off = 24
    while off + 16 <= len(data):
        incl, = struct.unpack("<I", data[off + 8:off + 12])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ihl = (pkt[0] & 15) * 4
        assert pkt[0] >> 4 == 4 and pkt[9] == 17, "IPv4/UDP"
        src = ".".join(str(b) for b in pkt[12:16])
        dst = ".".join(str(b) for b in pkt[16:20])
        sport, dport = struct.unpack(">HH", pkt[ihl:ihl + 4])
        out.append((src, dst, sport, dport, pkt[ihl + 8:]))
    return out


class Live:
    """A running `sipsim live`: its stdout lines in a queue, stdin for fault lines."""

    def __init__(self, sipsim, scenario, db, duration, extra=()):
        self.p = subprocess.Popen([sipsim, "live", scenario, "-o", db, "--duration", duration]
                                  + list(extra),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.all = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.all.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, *words, timeout=30.0):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            if all(w in line for w in words):
                return line

    def say(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def finish(self, timeout=30):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return None


def metric(db, run_id, name):
    c = sqlite3.connect(db)
    try:
        row = c.execute("SELECT value FROM metric WHERE run_id = ? AND unit = '' AND name = ?",
                        (run_id, name)).fetchone()
        return row[0] if row else None
    finally:
        c.close()


def latest_live_run(db):
    c = sqlite3.connect(db)
    try:
        return c.execute("SELECT r.id FROM run r JOIN experiment e ON e.id = r.experiment_id"
                         " WHERE e.mode = 'live' ORDER BY r.id DESC LIMIT 1").fetchone()[0]
    finally:
        c.close()


def trace_lines(db, run_id):
    """(time_ns, who, text) of a run's stored trace: the `trace` blob
    (experiment/trace-blob.h note 2: zlib of varint-coded lines), decoded
    here so the test reads the database as any client would."""
    import zlib
    c = sqlite3.connect(db)
    try:
        row = c.execute("SELECT format, data FROM trace WHERE run_id = ?", (run_id,)).fetchone()
    finally:
        c.close()
    if not row:
        return []
    assert row[0] == 1, "trace blob format %s" % row[0]
    b = zlib.decompress(row[1])
    pos = 0

    def varint():
        nonlocal pos
        v = shift = 0
        while True:
            x = b[pos]
            pos += 1
            v |= (x & 0x7f) << shift
            shift += 7
            if not x & 0x80:
                return v

    def string():
        nonlocal pos
        n = varint()
        out = b[pos:pos + n].decode("utf-8", "replace")
        pos += n
        return out

    whos, texts, lines, t = [], [], [], 0
    while pos < len(b):
        z = varint()
        t += (z >> 1) ^ -(z & 1)
        w = varint()
        if w == len(whos):
            whos.append(string())
        k = varint()
        if k == 0:
            texts.append(string())
            text = texts[-1]
        else:
            text = texts[k - 1]
        lines.append((t, whos[w], text))
    return lines


def trace_times(db, run_id, pattern):
    """Seconds of the trace lines whose text contains @pattern."""
    return [t / 1e9 for (t, _, text) in trace_lines(db, run_id) if pattern in text]


def main():
    sipsim = os.environ.get("SIPSIM", "build/sipsim")
    if not harness.available():
        if os.environ.get("SIPSIM_REQUIRE_LIVE"):
            print("Bail out! kamailio or dnsmasq missing (scripts/install-deps.sh installs them)")
            return 1
        print("1..0 # SKIP kamailio or dnsmasq not installed (scripts/install-deps.sh)")
        return 0
    print("1..28", flush=True)
    work = tempfile.mkdtemp(prefix="sipsim-live-")
    a = dict(dns=addr(53), pbxa=addr(21), pbxb=addr(22), phone=addr(10), E=int(E),
             F_ms=int(F * 1000), FB=int(FAILBACK), bound=REFRESH + F + SLACK)
    with open(os.path.join(work, "base.ini"), "w") as f:
        f.write(BASE.format(**a))
    # kill: ICMP at the next refresh, no Timer F (B38); crash: Timer F after it
    bounds = {"kill": REFRESH + SLACK, "crash": REFRESH + F + SLACK}
    rules = {"kill": "0.9 E + 1 s", "crash": "0.9 E + F + 1 s"}
    scen = {}
    for kind in ("kill", "crash"):
        scen[kind] = os.path.join(work, "live-%s.ini" % kind)
        with open(scen[kind], "w") as f:
            f.write(FAULT.format(kind=kind, bound=bounds[kind], rule=rules[kind]))

    def simulate(kind):
        simdb = os.path.join(work, "sim-%s.db" % kind)
        r = subprocess.run([sipsim, "run", scen[kind], "-o", simdb, "-q"], capture_output=True,
                           text=True)
        c = sqlite3.connect(simdb)
        vals = [v for (v,) in c.execute(
            "SELECT value FROM run_metric WHERE name = 'failover_s' AND value IS NOT NULL")]
        c.close()
        return r.returncode, vals
    db = os.path.join(work, "live.db")
    dns = harness.Dnsmasq(a["dns"], 25353, work,
                          srv=[("_sip._udp.voip.test", "pbx-a.voip.test", 25070, 10, 0),
                               ("_sip._udp.voip.test", "pbx-b.voip.test", 25070, 20, 0)],
                          hosts=[("pbx-a.voip.test", a["pbxa"]), ("pbx-b.voip.test", a["pbxb"])],
                          ttl=1)
    users = {"alice": "secret", "alice-1": "secret", "alice-2": "secret", "alice-3": "secret"}
    pbxa = harness.Kamailio(a["pbxa"], 25070, work, users=users, realm="voip.test")
    pbxb = harness.Kamailio(a["pbxb"], 25070, work)
    servers = [dns, pbxa, pbxb]
    lv = None
    try:
        for s in servers:
            s.start()

        # ---- 1-3: SRV registration, ICMP failover, failback, Ctrl-C
        lv = Live(sipsim, scen["kill"], db, "50s")
        tap(lv.wait_for("registered at %s:25070" % a["pbxa"], timeout=15) is not None,
            "registers at pbx-a (SRV priority 10) through dnsmasq, answering Kamailio's digest challenge")
        time.sleep(1.0)
        pbxa.kill()
        lv.say("down pbx-a")
        line = lv.wait_for("registered at %s:25070" % a["pbxb"], timeout=REFRESH + SLACK + 5)
        tap(line is not None and "failover" in line, "B38: pbx-a killed -> registered at pbx-b (failover)")
        pbxa = harness.Kamailio(a["pbxa"], 25070, work, users=users, realm="voip.test")
        servers[1] = pbxa
        pbxa.start()
        lv.say("up pbx-a")
        line = lv.wait_for("registered at %s:25070" % a["pbxa"], timeout=FAILBACK + REFRESH + 5)
        tap(line is not None and "failback" in line, "B20: pbx-a back -> failback to pbx-a")
        lv.p.send_signal(2)
        rc = lv.finish()
        out = "".join(lv.all)
        tap(rc == 130, "Ctrl-C: exit status 130 (got %s)" % rc)
        tap("1 binding removed, 0 removals failed" in out,
            "Ctrl-C: the binding is removed with expires=0 before exit")
        run1 = latest_live_run(db)
        late = [l for l in lv.all if "worst timer lateness" in l]
        lateness = [late[0].rsplit("lateness", 1)[1].strip()] if late else []
        fo = metric(db, run1, "failover_s")
        tap(fo is not None and 0 < fo <= REFRESH + SLACK,
            "ICMP failover_s = %s s <= 0.9 E + %.0f s = %.1f s" % (fo, SLACK, REFRESH + SLACK))
        fails = trace_times(db, run1, "REGISTER transport error: port unreachable")
        regs_b = trace_times(db, run1, "register failover to %s" % a["pbxb"])
        gap = (regs_b[0] - max(t for t in fails if t <= regs_b[0])) if (fails and regs_b) else None
        tap(gap is not None and gap < F,
            "B38: the REGISTER to pbx-b follows the ICMP-failed one after %s s, sooner than Timer F" % gap)
        tap(metric(db, run1, "failover_completed") == 1.0, "failover_completed = 1")
        rc_k, sim_k = simulate("kill")
        tap(rc_k == 0 and len(sim_k) == N_SIM and max(sim_k) <= bounds["kill"],
            "simulated proxy-kill: %d failovers <= 0.9 E + 1 s = %.1f s (got %s..%s)"
            % (N_SIM, bounds["kill"], min(sim_k) if sim_k else None, max(sim_k) if sim_k else None))
        tap(fo is not None and sim_k and fo <= max(sim_k) + 0.2,
            "live ICMP failover_s = %s s inside the simulated proxy-kill bound %.3f s "
            "(+0.2 s real-time slack)" % (fo, max(sim_k) if sim_k else 0))

        # ---- 4: silence (SIGSTOP), Timer F, the simulated bound
        pcap_dir = os.path.join(work, "pcap")
        lv = Live(sipsim, scen["crash"], db, "30s", ["--pcap", pcap_dir])
        tap(lv.wait_for("registered at %s:25070" % a["pbxa"], timeout=15) is not None,
            "second session registers at pbx-a")
        time.sleep(1.0)
        pbxa.pause()
        lv.say("down pbx-a")
        line = lv.wait_for("registered at %s:25070" % a["pbxb"], timeout=REFRESH + F + SLACK + 5)
        tap(line is not None, "pbx-a silenced (SIGSTOP) -> registered at pbx-b")
        pbxa.resume()
        lv.say("up pbx-a")
        line = lv.wait_for("registered at %s:25070" % a["pbxa"], timeout=FAILBACK + REFRESH + F + 5)
        tap(line is not None and "failback" in line, "SIGCONT -> failback to pbx-a")
        rc = lv.finish(timeout=60)
        tap(rc == 0, "the run ends at --duration with status 0 (got %s)" % rc)
        late = [l for l in lv.all if "worst timer lateness" in l]
        lateness += [late[0].rsplit("lateness", 1)[1].strip()] if late else []
        # a measurement, not an assertion (tests never assert wall-clock times)
        print("# worst timer lateness of the two sessions: %s" % ", ".join(lateness), flush=True)
        run2 = latest_live_run(db)
        fo2 = metric(db, run2, "failover_s")

        rc, sim = simulate("crash")
        rule = REFRESH + F + SLACK
        tap(rc == 0 and len(sim) == N_SIM and F <= min(sim) and max(sim) <= rule,
            "simulated proxy-crash: %d failovers in [F, 0.9 E + F + 1 s] = [%.1f, %.1f] (got %s..%s)"
            % (N_SIM, F, rule, min(sim) if sim else None, max(sim) if sim else None))
        tap(fo2 is not None and fo2 >= F, "live silent failover_s = %s s >= Timer F = %.0f s" % (fo2, F))
        bound = max(sim) if sim else 0
        tap(fo2 is not None and fo2 <= bound + 0.2,
            "live silent failover_s = %s s inside the simulated bound %.3f s (+0.2 s real-time slack)"
            % (fo2, bound))
        c = sqlite3.connect(db)
        modes = set(m for (m,) in c.execute("SELECT mode FROM experiment"))
        c.close()
        tap(modes == {"live"}, "the live database holds a live experiment only (%s)" % modes)
        for kind in ("kill", "crash"):
            chk = subprocess.run([sipsim, "check", scen[kind], "-o", db, "--live"],
                                 capture_output=True, text=True)
            tap(chk.returncode == 0 and "all 1 runs ok" in chk.stdout,
                "sipsim check --live: the %s scenario's [expect] holds on its live session "
                "(status %d)\n# %s" % (kind, chk.returncode,
                                      (chk.stdout + chk.stderr).replace("\n", "\n# ")))
        chk = subprocess.run([sipsim, "check", scen["crash"], "-o", db, "--no-run"],
                             capture_output=True, text=True)
        tap(chk.returncode == 2 and "no experiment" in chk.stderr,
            "sipsim check without --live does not take live runs for simulated ones")
        tap(not any("CRITICAL" in l or "WARNING" in l for l in lv.all),
            "no GLib critical or warning in the second session's output")
        files = os.listdir(pcap_dir) if os.path.isdir(pcap_dir) else []
        pk = pcap_packets(os.path.join(pcap_dir, files[0])) if len(files) == 1 else []
        regs = [p for p in pk if p[4].startswith(b"REGISTER ")]
        to_a = [p for p in regs if p[1] == a["pbxa"] and p[3] == 25070]
        to_b = [p for p in regs if p[1] == a["pbxb"]]
        oks = [p for p in pk if p[4].startswith(b"SIP/2.0 200") and p[1] == a["phone"]]
        dns_q = [p for p in pk if p[1] == a["dns"] and p[3] == 25353]
        tap(to_a and to_b and oks and dns_q and all(p[0] == a["phone"] and p[2] == 25060 for p in regs),
            "--pcap: the phone's own datagrams with IPv4/UDP headers (%d packets: %d REGISTERs to "
            "pbx-a, %d to pbx-b, %d 200s, %d DNS queries)" % (len(pk), len(to_a), len(to_b),
                                                             len(oks), len(dns_q)))

        # sipsim trace of a live run: drawn from its capture, not replayed
        pfile = os.path.join(pcap_dir, files[0]) if len(files) == 1 else "missing.pcap"
        tr = subprocess.run([sipsim, "trace", db, "--run", str(run2), "--pcap", pfile],
                            capture_output=True, text=True, errors="replace")
        lad = tr.stdout
        tap(tr.returncode == 0 and "not replayable" in lad and "phone" in lad and "pbx-a" in lad
            and "pbx-b" in lad and "REGISTER" in lad and "*** proxy down" in lad
            and "registered at" in lad and "DNS SRV? _sip._udp.voip.test" in lad
            and "\ufffd" not in lad,
            "sipsim trace --pcap draws the live run: columns phone, pbx-a, pbx-b, REGISTER "
            "and DNS rows as text, the operator's fault as a note (status %d)" % tr.returncode)
        tr = subprocess.run([sipsim, "trace", db, "--run", str(run2)], capture_output=True,
                            text=True, errors="replace")
        tap(tr.returncode == 1 and "is a live run" in tr.stderr and "--pcap FILE" in tr.stderr,
            "sipsim trace without the capture says what to give (%s)" % tr.stderr.strip())

        # ---- 5: three phones, paced; max_devices refuses
        many = os.path.join(work, "live-many.ini")
        with open(many, "w") as f:
            f.write(MANY.format(phone=a["phone"], max=3))
        lv = Live(sipsim, many, db, "6s")
        rc = lv.finish(timeout=60)
        out = "".join(lv.all)
        ons = [float(l.split()[0]) for l in lv.all if "powered on" in l]
        tap(rc == 0 and out.count("registered at") >= 3 and "3 bindings removed" in out,
            "three phones (instances on %s + i, one X_UserAgentPort) register and are removed"
            % a["phone"])
        tap(len(ons) == 3 and all(k / 4.0 <= t < k / 4.0 + 0.2 for k, t in enumerate(ons)),
            "[live] rate = 4: powered on at k / 4 s, never sooner (%s)" % ons)
        with open(many, "w") as f:
            f.write(MANY.format(phone=a["phone"], max=2))
        r = subprocess.run([sipsim, "live", many, "--duration", "1s"], capture_output=True,
                           text=True, stdin=subprocess.DEVNULL)
        tap(r.returncode == 2 and "more than [live] max_devices = 2" in r.stderr,
            "[live] max_devices = 2 refuses 3 instances (status %d: %s)" % (r.returncode,
                                                                            r.stderr.strip()))
    finally:
        if lv and lv.p.poll() is None:
            lv.p.kill()
        for s in servers:
            s.stop()
        if failed:
            for s in servers:
                print("# %s log:\n# %s" % (s.name, s.log_tail().replace("\n", "\n# ")))
            if lv:
                print("# sipsim live output:\n# " + "# ".join(lv.all))
    return 0


if __name__ == "__main__":
    sys.exit(main())
