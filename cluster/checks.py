#!/usr/bin/env python3
"""The checks of cluster/run: two instances of hujifen on one database behind
haproxy. Standard library only. cluster/run starts and stops the processes;
this file drives HTTP and says what held. One phase per call:

    checks.py flows    limits, challenges, sessions, emails, view counts across instances
    checks.py kill     kill -9 of instance a during a burst of leads: no acknowledged lead lost
    checks.py term     SIGTERM of instance b during a steady loop: no failed request
    checks.py mail     every lead is emailed (at least once; exactly once outside the kill and the restart)

Settings come from the environment cluster/run sets: CLUSTER_LB, CLUSTER_A,
CLUSTER_B (base URLs), CLUSTER_STATS (haproxy's stats CSV), CLUSTER_RUN (the
folder with a.pid, b.pid, sms.jsonl, mail.jsonl), DATABASE_URL (postgres://
read with psql, or sqlite:// for a dry run) and HUJIFEN_ADMIN_PASSWORD.
Exits 1 when a check fails, after running the phase's other checks.
"""

import base64
import hashlib
import http.cookiejar
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

LB = os.environ.get("CLUSTER_LB", "")
A = os.environ.get("CLUSTER_A", "")
B = os.environ.get("CLUSTER_B", "")
STATS = os.environ.get("CLUSTER_STATS", "")
RUN = os.environ.get("CLUSTER_RUN", ".")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ADMIN_PASSWORD = os.environ.get("HUJIFEN_ADMIN_PASSWORD", "")
SMS_FILE = os.path.join(RUN, "sms.jsonl")
MAIL_FILE = os.path.join(RUN, "mail.jsonl")
# Phones of the kill phase, kept for the mail phase (a killed instance may
# have sent an email it could not mark as sent: those may come twice).
KILL_PHONES_FILE = os.path.join(RUN, "kill-phones.json")

FAILURES = []


def say(text):
    print(f"checks: {text}", flush=True)


def check(condition, text):
    if condition:
        say(f"ok: {text}")
    else:
        say(f"FAILED: {text}")
        FAILURES.append(text)
    return condition


# ---------------------------------------------------------------- HTTP


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


class Browser:
    """A cookie jar that follows no redirect; a new connection per request."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, method, url, form=None, headers=None, timeout=10):
        data = None
        headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Response(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read())

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, form, **kwargs):
        return self.request("POST", url, form=form, **kwargs)


class FormFields(HTMLParser):
    """The inputs of one form (by id): hidden ones, or one by name."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.hidden = []
        self.values = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or attrs.get("id") == self.form_id
        elif tag == "input" and self.inside and attrs.get("name"):
            self.values.setdefault(attrs["name"], attrs.get("value") or "")
            if attrs.get("type") == "hidden":
                self.hidden.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def form_fields(html, form_id):
    parser = FormFields(form_id)
    parser.feed(html)
    return parser


# ---------------------------------------------------------------- the site's flows


def solve_altcha(challenge):
    """ALTCHA v1: the n with SHA-256(salt + n) = challenge, as base64 JSON."""
    salt, target = challenge["salt"], challenge["challenge"]
    for number in range(int(challenge["maxnumber"]) + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            payload = {
                "algorithm": challenge["algorithm"],
                "challenge": target,
                "number": number,
                "salt": salt,
                "signature": challenge["signature"],
            }
            return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    raise RuntimeError("challenge not solvable")


def solved_altcha(browser, base):
    response = browser.get(f"{base}/verification-codes/challenge")
    if response.status != 200:
        raise RuntimeError(f"challenge: {response.status}")
    return solve_altcha(response.json())


def send_code(browser, base, phone, altcha):
    return browser.post(
        f"{base}/verification-codes",
        {"phone": phone, "altcha": altcha},
        headers={"Accept": "application/json"},
    )


def json_lines(path):
    """The complete lines of a JSON-lines file that another process appends
    to: a line without its newline is still being written (a read racing
    the append sees a prefix of it) and is read on the next poll."""
    try:
        with open(path, encoding="utf-8") as file:
            return [json.loads(line) for line in file if line.endswith("\n") and line.strip()]
    except FileNotFoundError:
        return []


def sms_lines():
    return json_lines(SMS_FILE)


def last_code(phone, within=3.0):
    deadline = time.monotonic() + within
    while True:
        for message in reversed(sms_lines()):
            if message.get("to") == phone:
                match = re.search(r"(?<!\d)\d{6}(?!\d)", message.get("text", ""))
                if match:
                    return match.group(0)
        if time.monotonic() > deadline:
            raise RuntimeError(f"no SMS to {phone}")
        time.sleep(0.05)


def leave_lead(code_base, form_base, submit_base, phone, name="集群测试"):
    """A visitor's callback request: the code from one instance, the form
    from another, the POST to a third (or the same). Returns the POST's
    response."""
    browser = Browser()
    altcha = solved_altcha(browser, code_base)
    sent = send_code(browser, code_base, phone, altcha)
    if sent.status != 200:
        raise RuntimeError(f"code for {phone}: {sent.status} {sent.text()[:200]}")
    code = last_code(phone)
    page = browser.get(f"{form_base}/consultation")
    if page.status != 200:
        raise RuntimeError(f"form: {page.status}")
    fields = [(k, v) for k, v in form_fields(page.text(), "callback-form").hidden if k != "altcha"]
    fields += [("name", name), ("phone", phone), ("code", code), ("consent", "on")]
    return browser.post(f"{submit_base}/consultations", fields)


def phones(prefix, count):
    """Distinct valid mainland mobile numbers: prefix (3 digits) + 8."""
    start = random.randrange(10_000_000 - count)
    return [f"{prefix}{start + i:08d}" for i in range(count)]


# ---------------------------------------------------------------- the database


def query(sql):
    """Rows of a query, as lists of strings."""
    if DATABASE_URL.startswith("sqlite://"):
        path = DATABASE_URL[len("sqlite://") :].split("?")[0]
        with sqlite3.connect(path, timeout=10) as connection:
            return [[str(v) for v in row] for row in connection.execute(sql)]
    done = subprocess.run(
        ["psql", DATABASE_URL, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"psql: {done.stderr.strip()[:300]} (in: {sql[:80]})")
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def lead_ids(phone_list):
    quoted = ",".join(f"'{p}'" for p in phone_list if re.fullmatch(r"\d{11}", p))
    if not quoted:
        return {}
    return {phone: int(id) for id, phone in query(f"SELECT id, phone FROM leads WHERE phone IN ({quoted})")}


# ---------------------------------------------------------------- processes


def pid_of(name):
    with open(os.path.join(RUN, f"{name}.pid"), encoding="ascii") as file:
        return int(file.read().strip())


def exited(pid):
    """Gone or a zombie (cluster/run, its parent, reaps it later)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as file:
            return file.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def haproxy_status(server):
    """haproxy's status of a server of the backend (UP, DOWN, ...)."""
    try:
        with urllib.request.urlopen(f"{STATS};csv", timeout=2) as response:
            lines = response.read().decode().splitlines()
    except OSError:
        return "?"
    header = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(",")))
        if row.get("pxname") == "instances" and row.get("svname") == server:
            return row.get("status", "?")
    return "?"


# ---------------------------------------------------------------- phase: flows


def challenge_from_one_used_on_the_other():
    browser = Browser()
    altcha = solved_altcha(browser, A)
    first, second = phones("136", 2)
    used = send_code(browser, B, first, altcha)
    check(used.status == 200, f"a challenge from a, solved, accepted by b ({used.status})")
    replay = send_code(browser, A, second, altcha)
    check(
        replay.status == 422 and "已使用" in replay.text(),
        f"the same solution replayed on a is refused as used ({replay.status})",
    )


def a_limit_of_one_holds_across_instances():
    """20 concurrent code requests for one phone, alternating instances,
    each with a challenge from the other instance: the per-phone interval
    lets exactly one through."""
    (phone,) = phones("135", 1)
    bases = [A if i % 2 == 0 else B for i in range(20)]
    solutions = [solved_altcha(Browser(), B if base == A else A) for base in bases]
    barrier = threading.Barrier(len(bases))
    statuses = [None] * len(bases)

    def one(i):
        barrier.wait()
        try:
            statuses[i] = send_code(Browser(), bases[i], phone, solutions[i]).status
        except OSError as error:
            statuses[i] = str(error)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = sum(1 for message in sms_lines() if message.get("to") == phone)
    check(
        statuses.count(200) == 1 and statuses.count(429) == 19 and sent == 1,
        f"20 concurrent sends to one phone over a and b: one sent, 19 refused (statuses {sorted(map(str, statuses))}, SMS {sent})",
    )


def an_advisor_session_works_on_both():
    browser = Browser()
    page = browser.get(f"{A}/admin/login")
    csrf = form_fields(page.text(), None).values.get("csrf", "")
    login = browser.post(
        f"{B}/admin/login", {"username": "admin", "password": ADMIN_PASSWORD, "csrf": csrf}
    )
    check(login.status == 303, f"the login form from a is accepted by b ({login.status})")
    on_a = browser.get(f"{A}/admin")
    on_b = browser.get(f"{B}/admin")
    check(
        on_a.status == 200 and on_b.status == 200,
        f"the session from b serves /admin on a and on b ({on_a.status}, {on_b.status})",
    )
    stranger = Browser().get(f"{A}/admin")
    check(stranger.status != 200, f"without the session /admin is refused ({stranger.status})")


def mails():
    return json_lines(MAIL_FILE)


def new_lead_mails():
    """How many new-lead emails each lead id got."""
    counts = {}
    for message in mails():
        match = re.search(r"新线索 #(\d+)", message.get("subject", ""))
        if match:
            lead = int(match.group(1))
            counts[lead] = counts.get(lead, 0) + 1
    return counts


def each_lead_is_emailed_exactly_once():
    """Six leads whose steps alternate instances; each email once, though
    both instances' outbox workers poll the same outbox."""
    lead_phones = phones("137", 6)
    for i, phone in enumerate(lead_phones):
        one, other = (A, B) if i % 2 == 0 else (B, A)
        response = leave_lead(one, other, one if i % 3 == 0 else other, phone)
        check(
            response.status == 303 and response.headers.get("Location") == "/consultations/thanks",
            f"lead {i + 1}: code, form and POST across instances: 303 ({response.status})",
        )
    ids = lead_ids(lead_phones)
    check(len(ids) == len(lead_phones), f"the 6 leads are in the database ({len(ids)})")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(new_lead_mails().get(id) for id in ids.values()):
        time.sleep(0.5)
    time.sleep(3)  # time for a second, wrong, delivery to show
    counts = new_lead_mails()
    got = {id: counts.get(id, 0) for id in ids.values()}
    check(
        bool(got) and all(n == 1 for n in got.values()),
        f"each lead's email delivered exactly once (lead id: emails {got})",
    )


def view_count(browser, base, slug):
    response = browser.get(f"{base}/guide/{slug}")
    match = re.search(r'id="views">(\d+)', response.text())
    if response.status != 200 or not match:
        raise RuntimeError(f"/guide/{slug} on {base}: {response.status}, no view count")
    return int(match.group(1))


def view_counts_add_up():
    """Views counted on a and b show as one total on both, once both have
    flushed (every 5 s, reading the totals back). Every GET counts itself,
    so the expected total moves on with each read."""
    slug = "faq"
    browser = Browser()
    made = 0
    first = view_count(browser, A, slug)
    made += 1
    base = first - 1
    for i in range(10):
        view_count(browser, A if i % 2 else B, slug)
        made += 1
    # Two flush periods and a margin: each instance has written its views
    # and read back the other's.
    time.sleep(12)
    on_a = view_count(browser, A, slug)
    made += 1
    expected_a = base + made
    time.sleep(12)
    on_b = view_count(browser, B, slug)
    made += 1
    expected_b = base + made
    check(
        on_a == expected_a and on_b == expected_b,
        f"view counts add up across instances (a shows {on_a} of {expected_a}, b {on_b} of {expected_b})",
    )


def phase_flows():
    for one in (
        challenge_from_one_used_on_the_other,
        a_limit_of_one_holds_across_instances,
        an_advisor_session_works_on_both,
        each_lead_is_emailed_exactly_once,
        view_counts_add_up,
    ):
        try:
            one()
        except Exception as error:  # the next check still runs
            check(False, f"{one.__name__} stopped: {type(error).__name__}: {error}")


# ---------------------------------------------------------------- phase: kill -9


def phase_kill():
    """Leads through haproxy from 6 visitors at once; instance a gets
    SIGKILL after 1.5 s; the burst goes on for 3 s more. Every 303 the
    visitors saw must be a row."""
    acknowledged, failed, lock = [], [], threading.Lock()
    stop = threading.Event()
    numbers = iter(phones("138", 100_000))

    def visitor():
        while not stop.is_set():
            with lock:
                phone = next(numbers)
            try:
                response = leave_lead(LB, LB, LB, phone)
                outcome = response.status
            except (OSError, RuntimeError) as error:
                outcome = str(error)[:80]
            with lock:
                (acknowledged if outcome == 303 else failed).append((phone, outcome))

    threads = [threading.Thread(target=visitor) for _ in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    with lock:
        before = len(acknowledged)
    os.kill(pid_of("a"), signal.SIGKILL)
    say(f"kill -9 of instance a after {before} acknowledged leads")
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()
    phones_acked = [phone for phone, _ in acknowledged]
    with open(KILL_PHONES_FILE, "w", encoding="utf-8") as file:
        json.dump(phones_acked + [phone for phone, _ in failed], file)
    stored = set()
    for chunk in range(0, len(phones_acked), 500):
        stored |= set(lead_ids(phones_acked[chunk : chunk + 500]))
    lost = [phone for phone in phones_acked if phone not in stored]
    say(f"burst: {len(acknowledged)} acknowledged, {len(failed)} failed ({sorted({str(o) for _, o in failed})[:5]})")
    check(len(acknowledged) > before > 0, "leads were acknowledged before and after the kill")
    check(not lost, f"no acknowledged lead lost to kill -9 ({len(lost)} missing: {lost[:5]})")


# ---------------------------------------------------------------- phase: database restart


def phase_restart():
    """Leads through haproxy from 4 visitors while PostgreSQL restarts
    (fast: every connection is cut). Requests may fail with 503 while it is
    down, never with 500; the site recovers by itself; every 303 is a row."""
    if DATABASE_URL.startswith("sqlite://"):
        say("skipped: the database restart is a PostgreSQL check")
        return
    outcomes, lock = [], threading.Lock()
    stop = threading.Event()
    numbers = iter(phones("137", 100_000))

    def visitor():
        while not stop.is_set():
            with lock:
                phone = next(numbers)
            try:
                status = leave_lead(LB, LB, LB, phone).status
            except RuntimeError as error:
                found = re.search(r": (\d{3})\b", str(error))
                status = int(found.group(1)) if found else str(error)[:80]
            except OSError as error:
                status = f"connection: {error}"[:80]
            with lock:
                outcomes.append((time.monotonic(), phone, status))

    threads = [threading.Thread(target=visitor) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    say("restarting PostgreSQL")
    subprocess.run([".ci/postgres", "restart"], check=True, env=dict(os.environ))
    restarted = time.monotonic()
    time.sleep(6)
    stop.set()
    for thread in threads:
        thread.join()
    statuses = sorted({str(status) for _, _, status in outcomes})
    say(f"during the restart: {len(outcomes)} visitors, outcomes {statuses}")
    bad = [status for _, _, status in outcomes if status not in (303, 503)]
    check(not bad, f"only 303 or 503 while the database restarts ({len(bad)} other: {bad[:5]})")
    after = [status for at, _, status in outcomes if at > restarted + 3]
    check(303 in after, f"leads are acknowledged again after the restart ({after[:10]})")
    # A message sent while the database went away cannot be marked sent:
    # its claim runs out and it goes again (at least once, never lost), so
    # these leads are left out of the exactly-once count like the kill's.
    try:
        with open(KILL_PHONES_FILE, encoding="utf-8") as file:
            disrupted = json.load(file)
    except FileNotFoundError:
        disrupted = []
    with open(KILL_PHONES_FILE, "w", encoding="utf-8") as file:
        json.dump(disrupted + [phone for _, phone, _ in outcomes], file)
    acknowledged = [phone for _, phone, status in outcomes if status == 303]
    stored = set(lead_ids(acknowledged)) if acknowledged else set()
    lost = [phone for phone in acknowledged if phone not in stored]
    check(not lost, f"no acknowledged lead lost to the restart ({len(lost)} missing: {lost[:5]})")


# ---------------------------------------------------------------- phase: SIGTERM


def phase_term():
    """A steady loop through haproxy (pages and self-test POSTs); instance b
    gets SIGTERM after 1 s; the loop runs until b has exited and 1 s more.
    No request may fail, and haproxy must take b out before it exits."""
    counts, failures, lock = {"requests": 0}, [], threading.Lock()
    stop = threading.Event()
    form = {"age": "30", "education": "college", "insurance_months": "24", "contribution_tier": "none"}

    def loop(kind):
        browser = Browser()
        while not stop.is_set():
            try:
                if kind == "post":
                    response = browser.post(f"{LB}/self-test", form)
                    ok = response.status == 303
                else:
                    response = browser.get(f"{LB}{kind}")
                    ok = response.status == 200
                outcome = response.status
            except OSError as error:
                ok, outcome = False, str(error)[:80]
            with lock:
                counts["requests"] += 1
                if not ok:
                    failures.append((kind, outcome))

    threads = [threading.Thread(target=loop, args=(kind,)) for kind in ("/", "/guide", "/self-test", "post")]
    for thread in threads:
        thread.start()
    time.sleep(1)
    pid = pid_of("b")
    os.kill(pid, signal.SIGTERM)
    terminated = time.monotonic()
    down_at = gone_at = None
    while time.monotonic() - terminated < 30:
        if down_at is None and haproxy_status("b").startswith("DOWN"):
            down_at = time.monotonic() - terminated
        if exited(pid):
            gone_at = time.monotonic() - terminated
            break
        time.sleep(0.05)
    time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join()
    say(f"SIGTERM: b out of haproxy after {down_at} s, exited after {gone_at} s, {counts['requests']} requests")
    check(gone_at is not None, "instance b exits after SIGTERM")
    check(
        down_at is not None and gone_at is not None and down_at < gone_at,
        "haproxy took b out (readyz 503) before b stopped",
    )
    check(
        counts["requests"] > 50 and not failures,
        f"no failed request through haproxy during the stop ({len(failures)} of {counts['requests']}: {failures[:5]})",
    )


# ---------------------------------------------------------------- phase: mail


def phase_mail():
    """Every lead in the database is emailed: at least once within 90 s (a
    killed instance's claims expire and are retried), and exactly once
    unless it was left during the kill."""
    try:
        with open(KILL_PHONES_FILE, encoding="utf-8") as file:
            kill_phones = set(json.load(file))
    except FileNotFoundError:
        kill_phones = set()
    rows = {int(id): phone for id, phone in query("SELECT id, phone FROM leads")}
    wait = float(os.environ.get("CLUSTER_MAIL_WAIT", "90"))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and not all(new_lead_mails().get(id) for id in rows):
        time.sleep(1)
    counts = new_lead_mails()
    missing = [id for id in rows if not counts.get(id)]
    twice = [id for id in rows if counts.get(id, 0) > 1]
    twice_outside = [id for id in twice if rows[id] not in kill_phones]
    check(not missing, f"every one of {len(rows)} leads emailed at least once ({len(missing)} not: {missing[:5]})")
    check(
        not twice_outside,
        f"no lead emailed twice outside the kill and the database restart ({len(twice)} twice in all, {twice_outside[:5]} outside)",
    )


PHASES = {
    "flows": phase_flows,
    "kill": phase_kill,
    "restart": phase_restart,
    "term": phase_term,
    "mail": phase_mail,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in PHASES:
        print(f"usage: {sys.argv[0]} {'|'.join(PHASES)}", file=sys.stderr)
        return 2
    say(f"== {sys.argv[1]}")
    try:
        PHASES[sys.argv[1]]()
    except Exception as error:  # a broken flow is a failed check, with its reason
        check(False, f"{sys.argv[1]} stopped: {type(error).__name__}: {error}")
    if FAILURES:
        say(f"{len(FAILURES)} check(s) failed in {sys.argv[1]}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
