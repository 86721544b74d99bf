"""deploy/compose.yaml describes the topology the cluster tests start from processes (issue 17).

No container engine runs here, so the compose file is checked against the
harness (tests/scale/cluster.py): the same shared settings, the same start
command, the same nginx file with the variables the harness fills in, and one
upstream per floorkeeper process.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from app.config import Settings
from tests.scale.cluster import ROOT, SERVE, SHARED_SETTINGS
from tests.scale.nginx import NGINX_SITE, NGINX_VARIABLES

COMPOSE = ROOT / "deploy" / "compose.yaml"
PROCESSES = ("floorkeeper-1", "floorkeeper-2", "floorkeeper-3")


def services() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())["services"]
    return found


def test_compose_runs_three_processes_of_the_image_with_the_tests_shared_settings() -> None:
    every = services()
    for name in PROCESSES:
        service = every[name]
        assert service["build"]["dockerfile"] == "Dockerfile"
        assert (COMPOSE.parent / service["build"]["context"] / "Dockerfile").is_file()
        assert service["command"] == ["floorkeeper", *SERVE]
        assert set(SHARED_SETTINGS) <= set(service["environment"]), name
        assert service["environment"]["FLOORKEEPER_ENVIRONMENT"] == "production"
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert "@postgres:5432/" in service["environment"]["DATABASE_URL"]
    assert [name for name in every if name.startswith("floorkeeper-")] == list(PROCESSES)


def test_every_setting_compose_sets_is_one_the_service_reads() -> None:
    known = {name.upper() for name in Settings.model_fields}
    bare = {"DATABASE_URL", "REDIS_URL", "PORT"}  # read without the prefix (app/config.py)
    uvicorn = {"FORWARDED_ALLOW_IPS"}  # read by uvicorn itself
    for name in PROCESSES:
        for variable in services()[name]["environment"]:
            setting = variable.removeprefix("FLOORKEEPER_").upper()
            assert variable in bare | uvicorn or setting in known, variable


def test_nginx_in_compose_is_the_tested_file_with_one_upstream_per_process() -> None:
    nginx = services()["nginx"]
    assert "./nginx.conf:/etc/nginx/templates/floorkeeper.conf.template:ro" in nginx["volumes"]
    assert (COMPOSE.parent / "nginx.conf").resolve() == NGINX_SITE.resolve()
    variables = set(re.findall(r"\$\{(\w+)\}", NGINX_SITE.read_text()))
    assert variables == set(NGINX_VARIABLES) == set(nginx["environment"])
    upstreams = re.findall(r"server ([\w-]+):8000 ", nginx["environment"]["FLOORKEEPER_UPSTREAMS"])
    assert upstreams == list(PROCESSES)
