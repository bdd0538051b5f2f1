#!/usr/bin/env bash
# The README's "Deployment with PostgreSQL", followed step by step and checked through nginx:
# build the wheel, install it into a new virtualenv outside the checkout, run the README's
# commands against a new PostgreSQL database and Redis, start two `actionplan serve` processes
# behind Debian's nginx configured from deploy/nginx/actionplan.conf (its own process, pid and
# logs in a temporary folder), drive the site through nginx (deploy/check-deployment.py: among
# its checks, a 9,000-byte request line answered 414 with the site's bilingual page, and the
# bilingual 502 page while no app process answers), then back it up and restore it into another
# new database.
#
#   deploy/test-deployment.sh        (from a checkout; .ci/run runs it)
#
# Needs: python3 (with venv), nginx, openssl, PostgreSQL client and server, Redis.
# Environment (defaults in brackets): PGHOST/PGPORT/PGUSER [127.0.0.1/5432/postgres],
# DEPLOY_DB [actionplan_deploy_site], DEPLOY_RESTORE_DB [actionplan_deploy_restored] (both
# dropped and created again), DEPLOY_REDIS_URL [redis://127.0.0.1:6379/15] (flushed),
# DEPLOY_PORT_BASE [8120]: nginx HTTP on it, HTTPS on +1, the app processes on +2 and +3.
# DEPLOY_KEEP=1 keeps the temporary folder for inspection.
set -euo pipefail

CHECKOUT="$(cd "$(dirname "$0")/.." && pwd)"
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
DEPLOY_DB=${DEPLOY_DB:-actionplan_deploy_site}
DEPLOY_RESTORE_DB=${DEPLOY_RESTORE_DB:-actionplan_deploy_restored}
DEPLOY_REDIS_URL=${DEPLOY_REDIS_URL:-redis://127.0.0.1:6379/15}
PORT_BASE=${DEPLOY_PORT_BASE:-8120}
HTTP_PORT=$PORT_BASE
HTTPS_PORT=$((PORT_BASE + 1))
APP_PORTS=($((PORT_BASE + 2)) $((PORT_BASE + 3)))
HOST=plan.example.org

WORK="$(mktemp -d "${TMPDIR:-/tmp}/actionplan-deploy.XXXXXX")"
chmod 755 "$WORK"
SERVER_PIDS=()

step() {
    printf '\n---- %s ----\n' "$*"
}

cleanup() {
    local status=$?
    set +e
    if [[ -f "$WORK/nginx/nginx.pid" ]]; then
        nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/" -s quit 2>/dev/null
    fi
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${SERVER_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    if ((status != 0)); then
        echo "deployment test FAILED; logs:" >&2
        for log in "$WORK"/logs/*.log "$WORK"/nginx/error.log; do
            [[ -f "$log" ]] && { echo "== $log" >&2; tail -n 40 "$log" >&2; }
        done
    fi
    dropdb --if-exists "$DEPLOY_DB" 2>/dev/null
    dropdb --if-exists "$DEPLOY_RESTORE_DB" 2>/dev/null
    if [[ "${DEPLOY_KEEP:-}" == 1 ]]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT

mkdir -p "$WORK/dist" "$WORK/srv" "$WORK/logs" "$WORK/tls" "$WORK/nginx/tmp"

step "Build the wheel"
BUILD_PYTHON=python3
[[ -x "$CHECKOUT/.venv/bin/python" ]] && BUILD_PYTHON="$CHECKOUT/.venv/bin/python"
"$BUILD_PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WORK/dist" "$CHECKOUT"
WHEEL="$(ls "$WORK"/dist/actionplan-*.whl)"
# Every file the package reads at run time (templates, translations, static files, data) is in
# the wheel: each file git tracks under actionplan/, Python sources and tests aside.
(cd "$CHECKOUT" && git ls-files actionplan) | python3 -c '
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
missing = [line.strip() for line in sys.stdin
           if line.strip() and not line.strip().endswith(".py") and "/tests/" not in line
           and line.strip() not in names]
if missing:
    sys.exit("not in the wheel: " + ", ".join(missing))
print(f"{len(names)} files in the wheel, none missing")
' "$WHEEL"

step "PostgreSQL and Redis"
dropdb --if-exists "$DEPLOY_DB"
dropdb --if-exists "$DEPLOY_RESTORE_DB"
createdb "$DEPLOY_DB"
python3 - "$DEPLOY_REDIS_URL" <<'PY'
import socket, sys, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])
db = (url.path or "/0").lstrip("/") or "0"
with socket.create_connection((url.hostname, url.port or 6379), timeout=5) as s:
    s.sendall(f"*2\r\n$6\r\nSELECT\r\n${len(db)}\r\n{db}\r\n*1\r\n$7\r\nFLUSHDB\r\n".encode())
    answer = b""
    while answer.count(b"\r\n") < 2:
        answer += s.recv(100)
    if answer != b"+OK\r\n+OK\r\n":
        sys.exit(f"Redis at {sys.argv[1]} answered {answer!r}")
PY

step "Configuration from deploy/actionplan.env and deploy/nginx/actionplan.conf"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$HOST" \
    -addext "subjectAltName=DNS:$HOST" \
    -keyout "$WORK/tls/$HOST.key" -out "$WORK/tls/$HOST.pem" 2>/dev/null
# Placeholders of the samples are replaced as an administrator would; each must be found.
python3 - "$CHECKOUT" "$WORK" "$DEPLOY_DB" "$DEPLOY_REDIS_URL" "$HTTP_PORT" "$HTTPS_PORT" \
    "${APP_PORTS[0]}" "${APP_PORTS[1]}" <<'PY'
import os, secrets, sys
from pathlib import Path

checkout, work, db, redis, http, https, app1, app2 = sys.argv[1:]
checkout, work = Path(checkout), Path(work)

def fill(source, target, replacements):
    text = (checkout / source).read_text(encoding="utf-8")
    for old, new in replacements:
        if old not in text:
            sys.exit(f"{source}: {old!r} not found; update deploy/test-deployment.sh")
        text = text.replace(old, new)
    Path(target).write_text(text, encoding="utf-8")

fill("deploy/actionplan.env", work / "actionplan.env", [
    ("postgres://actionplan:CHANGE-ME@127.0.0.1:5432/actionplan",
     f"postgres://{os.environ['PGUSER']}@{os.environ['PGHOST']}:{os.environ['PGPORT']}/{db}"),
    ("SECRET_KEY=CHANGE-ME", f"SECRET_KEY={secrets.token_urlsafe(50)}"),
    ("CSRF_TRUSTED_ORIGINS=https://plan.example.org",
     f"CSRF_TRUSTED_ORIGINS=https://plan.example.org:{https}"),
    ("REDIS_URL=redis://127.0.0.1:6379/0", f"REDIS_URL={redis}"),
    ("/srv/actionplan", str(work / "srv")),
    # Mail is printed to the log: nothing leaves the test.
    ("EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend",
     "EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend"),
])
fill("deploy/nginx/actionplan.conf", work / "nginx" / "site.conf", [
    ("server 127.0.0.1:8001;", f"server 127.0.0.1:{app1};"),
    ("server 127.0.0.1:8002;", f"server 127.0.0.1:{app2};"),
    ("/var/cache/nginx/actionplan", str(work / "nginx" / "cache")),
    ("    listen 80;\n    listen [::]:80;\n", f"    listen 127.0.0.1:{http};\n"),
    ("    listen 443 ssl;\n    listen [::]:443 ssl;\n", f"    listen 127.0.0.1:{https} ssl;\n"),
    ("/etc/ssl/certs/plan.example.org.pem", str(work / "tls" / "plan.example.org.pem")),
    ("/etc/ssl/private/plan.example.org.key", str(work / "tls" / "plan.example.org.key")),
    ("/srv/actionplan/static/", str(work / "srv" / "static") + "/"),
])
PY
NGINX_USER=""
# Run as root, nginx's workers would switch to an account that cannot read the temporary folder.
[[ "$(id -u)" == 0 ]] && NGINX_USER="user root;"
cat >"$WORK/nginx/nginx.conf" <<EOF
$NGINX_USER
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $WORK/nginx/access.log;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/site.conf;
}
EOF

step "The README's commands (Deployment with PostgreSQL)"
# The shell blocks of the README's deployment section, in order, with this test's paths.
python3 - "$CHECKOUT/README.md" "$WORK" "$WHEEL" >"$WORK/readme-steps.sh" <<'PY'
import re, sys
readme, work, wheel = sys.argv[1:]
text = open(readme, encoding="utf-8").read()
section = text.split("## Deployment with PostgreSQL", 1)[1].split("\n## ", 1)[0]
blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
if len(blocks) < 4:
    sys.exit("README: expected the deployment section's four sh blocks")
replacements = [
    ("/srv/actionplan", f"{work}/srv"),
    ("/etc/actionplan/actionplan.env", f"{work}/actionplan.env"),
    ("actionplan-0.1.0-py3-none-any.whl", wheel),
    # Not interactive here: the account comes from DJANGO_SUPERUSER_* below.
    ("actionplan createsuperuser", "actionplan createsuperuser --noinput"),
]
print("set -euo pipefail")
for block in blocks:
    for line in block.splitlines():
        line = re.sub(r"^\s+", "", line)
        for old, new in replacements:
            line = line.replace(old, new)
        print(line)
PY
cat "$WORK/readme-steps.sh"
export DJANGO_SUPERUSER_USERNAME=bureau-admin
export DJANGO_SUPERUSER_EMAIL=admin@example.org
DJANGO_SUPERUSER_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(16))')"
export DJANGO_SUPERUSER_PASSWORD
(cd "$WORK" && bash "$WORK/readme-steps.sh") 2>&1 | tee "$WORK/logs/readme-steps.log"

# The rest of this script runs in the same environment as the services.
set -a
# shellcheck disable=SC1091
. "$WORK/actionplan.env"
set +a
export PATH="$WORK/srv/venv/bin:$PATH"
cd "$WORK"
[[ "$(command -v actionplan)" == "$WORK/srv/venv/bin/actionplan" ]]

step "check --deploy prints no warning"
actionplan check --deploy --fail-level WARNING 2>&1 | tee "$WORK/logs/check-deploy.log"
grep -q "System check identified no issues" "$WORK/logs/check-deploy.log"

step "nginx's own error pages are in STATIC_ROOT (error_page 414 502 503 504 of the site)"
for page in request-too-long unavailable; do
    grep -q 'lang="en"' "$STATIC_ROOT/portal/errors/$page.html"
done
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["code"] == "unavailable"' \
    "$STATIC_ROOT/portal/errors/unavailable.json"

step "The queue worker"
actionplan worker >"$WORK/logs/worker.log" 2>&1 &
SERVER_PIDS+=($!)

step "A proposal with an attachment, for the backup"
actionplan shell <<'PY'
from django.core.files.uploadedfile import SimpleUploadedFile
from actionplan.partnerships.actions import ProposalInput, submit_proposal
data = ProposalInput(
    organization_name="株式会社デプロイ試験", organization_kind="company",
    contact_name="試験 太郎", email="deploy-test@example.org", phone="06-0000-0000",
    title="配備試験の提案", summary="バックアップと復元を確かめるための提案です。",
    consent=True,
)
pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
submitted = submit_proposal(data, [SimpleUploadedFile("plan.pdf", pdf)])
print(submitted.status_token, file=open("status-token.txt", "w"))
PY

step "The worker sent the proposal's receipt from the outbox"
for attempt in $(seq 1 60); do
    state="$(actionplan shell -c 'from actionplan.mail.models import OutgoingMail as M; print(",".join(sorted(set(M.objects.values_list("state", flat=True)))))')"
    [[ "$state" == "sent" ]] && break
    ((attempt == 60)) && { echo "the outbox was not sent by the worker: $state" >&2; cat "$WORK/logs/worker.log" >&2; exit 1; }
    sleep 1
done
grep -q "Job OK" "$WORK/logs/worker.log" || { cat "$WORK/logs/worker.log" >&2; exit 1; }

step "The worker's clock ran the scheduled jobs due at its start, once each"
for attempt in $(seq 1 60); do
    runs="$(actionplan shell -c 'from actionplan.jobs.models import ScheduledRun as R; print(R.objects.filter(name="flush-outbox", state="done").count(), R.objects.filter(name="flush-outbox").count())')"
    [[ "$runs" == "1 1" ]] && break
    ((attempt == 60)) && { echo "no scheduled flush-outbox run by the worker: $runs" >&2; cat "$WORK/logs/worker.log" >&2; exit 1; }
    sleep 1
done
actionplan schedule | tee "$WORK/logs/schedule.log"
grep -q "^flush-outbox .* done$" "$WORK/logs/schedule.log"

step "Two app processes behind nginx"
# A low API limit for this test only, so that the check can exhaust one client's allowance.
export API_RATE_LIMIT=40
for port in "${APP_PORTS[@]}"; do
    actionplan serve --host 127.0.0.1 --port "$port" --workers 1 \
        >"$WORK/logs/app-$port.log" 2>&1 &
    SERVER_PIDS+=($!)
done
for port in "${APP_PORTS[@]}"; do
    for attempt in $(seq 1 60); do
        python3 -c "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:$port/healthz', headers={'Host': '$HOST'}), timeout=2)" \
            2>/dev/null && break
        ((attempt == 60)) && { echo "app on port $port did not start" >&2; exit 1; }
        sleep 1
    done
done
nginx -t -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx/"

step "Through nginx"
python "$CHECKOUT/deploy/check-deployment.py" \
    --host "$HOST" --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" \
    --cafile "$WORK/tls/$HOST.pem" \
    --app-log "$WORK/logs/app-${APP_PORTS[0]}.log" --app-log "$WORK/logs/app-${APP_PORTS[1]}.log" \
    --username="$DJANGO_SUPERUSER_USERNAME" --password="$DJANGO_SUPERUSER_PASSWORD" \
    --status-token="$(cat "$WORK/status-token.txt")"

step "Through nginx with every app process stopped"
# proxy_cache_use_stale: what nginx keeps is still served; what it never saw fails cleanly.
for pid in "${SERVER_PIDS[@]}"; do
    kill -TERM "$pid"
done
for pid in "${SERVER_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
done
SERVER_PIDS=()
python "$CHECKOUT/deploy/check-deployment.py" --app-down \
    --host "$HOST" --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" \
    --cafile "$WORK/tls/$HOST.pem" \
    --username="$DJANGO_SUPERUSER_USERNAME" --password="$DJANGO_SUPERUSER_PASSWORD" \
    --status-token="$(cat "$WORK/status-token.txt")"

step "Backup, then restore into a new database"
actionplan backup "$WORK/backup"
createdb "$DEPLOY_RESTORE_DB"
inventory='
import hashlib, json
from pathlib import Path
from django.apps import apps
from django.conf import settings
counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
root = Path(settings.PROPOSAL_ATTACHMENT_ROOT)
files = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
         for p in sorted(root.rglob("*")) if p.is_file()}
print(json.dumps({"records": counts, "attachments": files}, sort_keys=True))
'
actionplan shell -c "$inventory" >"$WORK/before.json"
RESTORED_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DEPLOY_RESTORE_DB"
DATABASE_URL="$RESTORED_URL" MEDIA_ROOT="$WORK/srv/media-restored" \
    actionplan restore "$WORK/backup"
DATABASE_URL="$RESTORED_URL" MEDIA_ROOT="$WORK/srv/media-restored" \
    actionplan shell -c "$inventory" >"$WORK/after.json"
python3 - "$WORK/before.json" "$WORK/after.json" <<'PY'
import json, sys
before, after = (json.load(open(path)) for path in sys.argv[1:])
assert before["attachments"], "the site has no attachment to restore"
assert sum(before["records"].values()) > 1000, before["records"]
for key in ("records", "attachments"):
    if before[key] != after[key]:
        diff = {k: (before[key].get(k), after[key].get(k))
                for k in set(before[key]) | set(after[key]) if before[key].get(k) != after[key].get(k)}
        sys.exit(f"restore differs in {key}: {diff}")
print(f"restored {sum(after['records'].values())} records and "
      f"{len(after['attachments'])} attachment(s), checksums equal")
PY
# A damaged backup is refused.
damaged="$(find "$WORK/backup/media" -name '*.pdf' | head -n 1)"
printf 'X' >>"$damaged"
dropdb "$DEPLOY_RESTORE_DB" && createdb "$DEPLOY_RESTORE_DB"
if DATABASE_URL="$RESTORED_URL" MEDIA_ROOT="$WORK/srv/media-refused" \
        actionplan restore "$WORK/backup" 2>"$WORK/logs/refused.log"; then
    echo "a damaged backup was restored" >&2
    exit 1
fi
grep -q "damaged" "$WORK/logs/refused.log"

step "Deployment test passed"
