"""Static checks of the production stack: docker-compose.yml, Dockerfile, .dockerignore.

Docker is not needed: the compose file is read with ``yaml.safe_load`` (which
resolves the ``x-airflow-common`` anchors and ``<<`` merges), and ``${VAR:-default}``
values are resolved to their defaults, as ``docker compose`` does without a ``.env``.
"""
from __future__ import annotations

import re
import shlex
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"

INFRA_SERVICES = {"postgres", "redis", "minio", "minio-init"}
AIRFLOW_LONG_RUNNING = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                        "airflow-triggerer", "airflow-worker"}
AIRFLOW_SERVICES = AIRFLOW_LONG_RUNNING | {"airflow-init", "flower"}

_VAR = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def resolve(value):
    """A compose value as `docker compose` sees it with no variables set: `${X:-d}` -> d, `$$` -> `$`."""
    if not isinstance(value, str):
        return value
    parts = value.split("$$")
    return "$".join(_VAR.sub(lambda m: m.group(3) if m.group(2) in (":-", "-") else "", p) for p in parts)


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {k: resolve(str(v)) for k, v in env.items()}


def command_text(service: dict) -> str:
    cmd = service.get("command", "")
    text = " ".join(cmd) if isinstance(cmd, list) else str(cmd)
    return resolve(text)


def mounts(service: dict) -> list[tuple[str, str, str]]:
    """Short-syntax volumes as (source, target, mode)."""
    out = []
    for vol in service.get("volumes") or []:
        assert isinstance(vol, str), f"expected short volume syntax, got {vol!r}"
        src, dst, *mode = resolve(vol).split(":")
        out.append((src, dst, mode[0] if mode else "rw"))
    return out


def host_ports(service: dict) -> list[str]:
    return [str(p) for p in service.get("ports") or []]


@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE_FILE.is_file(), "docker-compose.yml is missing"
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def common_env(compose) -> dict[str, str]:
    return env_of(compose["x-airflow-common"])


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):          # comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    if current:
        logical.append(current)
    out = []
    for item in logical:
        word, _, rest = item.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


@pytest.fixture(scope="module")
def dockerfile(services) -> tuple[Path, list[tuple[str, str]]]:
    build = services["airflow-worker"]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    name = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    path = (ROOT / context / name).resolve()
    assert path.is_file(), f"the build context has no {name}: {path}"
    return path, dockerfile_instructions(path)


def copies(instructions) -> list[tuple[list[str], str]]:
    """COPY instructions as (sources, destination), flags such as --chown dropped."""
    out = []
    for word, args in instructions:
        if word == "COPY":
            parts = [p for p in shlex.split(args) if not p.startswith("--")]
            out.append((parts[:-1], parts[-1]))
    return out


# -- services --------------------------------------------------------------------------
def test_all_services_exist(services):
    missing = (INFRA_SERVICES | AIRFLOW_SERVICES) - set(services)
    assert not missing, f"services missing: {sorted(missing)}"


def test_infrastructure_has_healthchecks(services):
    for name in ("postgres", "redis", "minio"):
        check = services[name].get("healthcheck") or {}
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} healthcheck is disabled"
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])
    assert "ping" in str(services["redis"]["healthcheck"]["test"])


def test_stateful_services_use_named_volumes(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, data_dir in (("postgres", "/var/lib/postgresql/data"), ("minio", "/data")):
        sources = {src for src, dst, _ in mounts(services[name]) if dst == data_dir}
        assert sources, f"{name} does not keep {data_dir} on a volume"
        assert sources <= declared, f"{name} data volume {sources} is not a declared named volume"


def test_minio_console_is_published(services):
    minio = services["minio"]
    cmd = command_text(minio)
    m = re.search(r"--console-address[ =]\"?[^:\s]*:(\d+)", cmd)
    assert m, "minio has no fixed --console-address"
    assert any(p.split(":")[-1] == m.group(1) for p in host_ports(minio)), "console port is not published"


def test_minio_init_creates_the_archive_bucket_idempotently(services, common_env):
    init = services["minio-init"]
    assert "minio/mc" in init["image"]
    assert init.get("restart", "no") in ("no", False), "a one-shot job must not be restarted"
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    script = command_text(init) + " " + " ".join(init.get("entrypoint") or [])
    mb = re.search(r"mc mb (.*)", script)
    assert mb, "minio-init does not run `mc mb`"
    args = shlex.split(mb.group(1).splitlines()[0])
    assert "--ignore-existing" in args or "-p" in args, "bucket creation must be idempotent"
    target = [a for a in args if not a.startswith("-")][-1]
    alias, _, bucket = target.partition("/")
    assert bucket == "newsarchive"
    alias_set = re.search(rf"mc alias set {re.escape(alias)} (\S+)", script)
    assert alias_set and urlsplit(alias_set.group(1)).hostname == "minio"


# -- Airflow ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(AIRFLOW_SERVICES))
def test_airflow_services_share_image_and_celery_settings(services, common_env, name):
    svc = services[name]
    assert svc.get("build") == services["airflow-worker"].get("build") == "."
    assert resolve(svc.get("image")) == resolve(services["airflow-worker"].get("image"))
    env = env_of(svc)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://:@redis:6379/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://airflow:airflow@postgres/airflow"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    # one secret for all: tokens signed by one component are checked by another
    for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        assert env[key] and env[key] == common_env[key], f"{name}: {key} differs or is empty"
    for key in ("NEWSARCHIVE_STORE", "NEWSARCHIVE_STAGING_DIR", "AWS_ENDPOINT_URL",
                "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        assert env.get(key) == common_env[key], f"{name}: {key} differs from the common settings"


def test_secrets_come_from_the_environment(compose):
    raw = compose["x-airflow-common"]["environment"]
    for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"):
        m = _VAR.fullmatch(str(raw[key]))
        assert m and m.group(2) == ":-" and m.group(3), f"{key} must be ${{VAR:-default}}"


def test_fernet_default_is_a_valid_key(common_env):
    import base64

    assert len(base64.urlsafe_b64decode(common_env["AIRFLOW__CORE__FERNET_KEY"])) == 32


def test_execution_api_points_at_the_api_server(services, common_env):
    url = urlsplit(common_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url.hostname == "airflow-apiserver" and url.path.rstrip("/") == "/execution"
    api = services["airflow-apiserver"]
    assert command_text(api).split()[-1] == "api-server"
    assert url.port == 8080 and any(p.endswith(":8080") for p in host_ports(api))
    check = " ".join(api["healthcheck"]["test"])
    assert re.search(r"localhost:8080/api/v2/(version|monitor/health)", check)


@pytest.mark.parametrize("name,command", [
    ("airflow-scheduler", "scheduler"), ("airflow-dag-processor", "dag-processor"),
    ("airflow-triggerer", "triggerer"), ("airflow-worker", "celery worker"),
    ("flower", "celery flower")])
def test_component_commands(services, name, command):
    assert command_text(services[name]).strip() == command


@pytest.mark.parametrize("name", sorted(AIRFLOW_SERVICES - {"airflow-init"}))
def test_airflow_services_wait_for_db_broker_and_init(services, name):
    deps = services[name]["depends_on"]
    assert deps["postgres"]["condition"] == "service_healthy"
    assert deps["redis"]["condition"] == "service_healthy"
    assert deps["airflow-init"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", sorted(AIRFLOW_LONG_RUNNING))
def test_long_running_airflow_services_have_healthchecks(services, name):
    assert services[name].get("healthcheck", {}).get("test")
    assert services[name].get("restart") in ("always", "unless-stopped")


def test_worker_can_be_scaled(services):
    worker = services["airflow-worker"]
    assert "container_name" not in worker
    fixed = [p for p in host_ports(worker) if ":" in p]
    assert not fixed, f"fixed host ports prevent --scale: {fixed}"
    assert "celery worker" in command_text(worker)
    assert worker["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"


def test_flower_is_optional(services):
    assert services["flower"].get("profiles"), "flower must sit behind a profile"
    for name in AIRFLOW_LONG_RUNNING | INFRA_SERVICES:
        assert not services[name].get("profiles"), f"{name} must start by default"


def test_airflow_init_migrates_and_creates_the_admin(services):
    init = services["airflow-init"]
    script = command_text(init)
    assert "airflow db migrate" in script
    assert "airflow users create" in script and "--role Admin" in script
    assert init.get("restart", "no") in ("no", False)
    assert "airflow-init" not in init.get("depends_on", {}), "airflow-init cannot wait for itself"
    env = env_of(init)
    auth = env["AIRFLOW__CORE__AUTH_MANAGER"]
    assert auth.endswith("FabAuthManager"), "`airflow users create` needs the FAB auth manager"
    assert env["_AIRFLOW_WWW_USER_USERNAME"] and env["_AIRFLOW_WWW_USER_PASSWORD"]


# -- project settings ------------------------------------------------------------------
def test_store_is_the_bucket_minio_init_creates(services, common_env):
    store = urlsplit(common_env["NEWSARCHIVE_STORE"])
    assert store.scheme == "s3"
    mb = re.search(r"mc mb .*?(\S+)/(\S+)\s*$", command_text(services["minio-init"]), re.M)
    assert store.hostname == mb.group(2)
    assert store.path.strip("/"), "the archive should live under a prefix, not the bucket root"


def test_s3_settings_point_at_minio(services, common_env):
    endpoint = urlsplit(common_env["AWS_ENDPOINT_URL"])
    assert endpoint.hostname == "minio" and "minio" in services
    assert endpoint.port == 9000 and any(p.endswith(":9000") for p in host_ports(services["minio"]))
    minio_env = env_of(services["minio"])
    assert common_env["AWS_ACCESS_KEY_ID"] == minio_env["MINIO_ROOT_USER"]
    assert common_env["AWS_SECRET_ACCESS_KEY"] == minio_env["MINIO_ROOT_PASSWORD"]
    assert len(minio_env["MINIO_ROOT_PASSWORD"]) >= 8, "MinIO refuses root passwords under 8 characters"
    assert common_env["AWS_REGION"] == "us-east-1"
    # the same variables decide both: changing MINIO_ROOT_* in .env changes the pipeline's keys too
    raw_common = services["airflow-worker"]["environment"]
    raw_minio = services["minio"]["environment"]
    assert raw_common["AWS_ACCESS_KEY_ID"] == raw_minio["MINIO_ROOT_USER"]
    assert raw_common["AWS_SECRET_ACCESS_KEY"] == raw_minio["MINIO_ROOT_PASSWORD"]


def test_staging_is_each_workers_own_folder(compose, services, common_env, dockerfile):
    """Workers share no volume: a crawl ships its WARCs to the store, so workers may be on other hosts."""
    staging = common_env["NEWSARCHIVE_STAGING_DIR"]
    assert PurePosixPath(staging).is_absolute()
    assert not [src for src, dst, _ in mounts(services["airflow-worker"]) if dst == staging], \
        "the staging folder must not be a volume shared between workers"
    path, instructions = dockerfile
    assert any(op == "RUN" and f"mkdir -p {staging}" in args for op, args in instructions), \
        "the image must create the staging folder for its user"


def test_dag_folder_is_where_dags_are_copied_and_mounted(services, common_env, dockerfile):
    dags_folder = common_env["AIRFLOW__CORE__DAGS_FOLDER"]
    assert any((ROOT / "dags").glob("*.py")), "no DAG files in ./dags"
    for name in AIRFLOW_SERVICES:
        bound = {(src, mode) for src, dst, mode in mounts(services[name]) if dst == dags_folder}
        assert bound == {("./dags", "ro")}, f"{name}: ./dags is not mounted read-only at {dags_folder}"
    _, instructions = dockerfile
    targets = [dst.rstrip("/") for srcs, dst in copies(instructions) if srcs == ["dags"]]
    assert targets == [dags_folder.rstrip("/")], f"the Dockerfile does not COPY dags to {dags_folder}"


def test_site_files_are_mounted_where_the_pipeline_reads_them(services, common_env):
    sites_dir = common_env["NEWSARCHIVE_SITES_DIR"]
    assert any((ROOT / "spiders" / "sites").glob("*.toml"))
    for name in AIRFLOW_SERVICES:
        bound = {(src, mode) for src, dst, mode in mounts(services[name]) if dst == sites_dir}
        assert bound == {("./spiders/sites", "ro")}, f"{name}: site files not mounted at {sites_dir}"


# -- image -----------------------------------------------------------------------------
def test_dockerfile_builds_on_airflow_33_and_installs_with_the_lock(dockerfile):
    _, instructions = dockerfile
    froms = [args for word, args in instructions if word == "FROM"]
    assert len(froms) == 1
    m = re.fullmatch(r"apache/airflow:(3\.3\.\d+)-python3\.11", froms[0])
    assert m, f"unexpected base image {froms[0]!r}"
    lock = (ROOT / "requirements.lock").read_text()
    assert f"\napache-airflow=={m.group(1)}\n" in lock, "the lock pins another Airflow than the base image"

    copied = {src: dst for srcs, dst in copies(instructions) for src in srcs}
    for src in ("pyproject.toml", "requirements.lock", "newsarchive", "spiders", "pipelines", "dags", "demosite"):
        assert src in copied, f"the Dockerfile does not copy {src}"
        assert copied[src].startswith("/opt/newsarchive")
    lock_in_image = str(PurePosixPath(copied["requirements.lock"].rstrip("/")) / "requirements.lock")
    installs = [args for word, args in instructions if word == "RUN" and "pip install" in args]
    assert any(re.search(rf"--no-deps -r {re.escape(lock_in_image)}\b", a) for a in installs), \
        "no `pip install --no-deps -r <lock>` (the lock is the resolved set, overrides applied)"
    assert any(re.search(rf"(-c|--constraint)[ =]{re.escape(lock_in_image)}\b", a)
               and "/opt/newsarchive" in a.split(lock_in_image, 1)[1] for a in installs), \
        "no `pip install -c <lock> /opt/newsarchive`"
    assert all("--no-cache-dir" in a for a in installs)
    # pip runs as the image's airflow user, never as root
    user = "airflow"
    for word, args in instructions:
        if word == "USER":
            user = args
        if word == "RUN" and "pip install" in args:
            assert user == "airflow", "pip install must run as the airflow user"
    assert user == "airflow", "the image must end as the airflow user"


def test_dockerignore_keeps_local_state_out_of_the_context():
    ignore = (ROOT / ".dockerignore").read_text().split()
    for entry in (".venv", ".git", "archive", ".pytest_cache", ".env"):
        assert entry in ignore, f".dockerignore does not exclude {entry}"
    assert "spiders" not in ignore and "pipelines" not in ignore and "dags" not in ignore
