"""Imports point one way, down the layers: the command line, the DAGs and the schedulers
call the run; the run calls the concerns (clean, health, warc, archive); those call the
store; nothing of ours is below the store but the shared base. A module may import its own
package and any package of a lower layer, never one beside or above it."""
from __future__ import annotations

from tests.test_import_cycles import graph

# (layer, package prefix): higher layers may import lower ones
LAYERS = [
    (0, "newsarchive"),             # the exception tree and the environment, shared by all
    (1, "spiders"),                 # the crawl side
    (2, "demosite"),                # the bundled demo site (served by the CLI and the tests)
    (2, "pipelines/"),              # its __init__ only: every subpackage has its own layer
    (2, "pipelines.store"),
    (3, "pipelines.archive"),
    (4, "pipelines.access"),      # takedowns: which archive rows and captures are withheld
    (5, "pipelines.warc"),          # WARC format; verify and WACZ read archive rows
    (6, "pipelines.clean"),
    (6, "pipelines.health"),
    (6, "pipelines.search"),        # the full-text index over the archive
    (7, "pipelines.settings"),
    (7, "pipelines.research"),      # the research page beside replay
    (8, "pipelines.run"),
    (9, "pipelines.schedule"),
    (9, "pipelines.reader"),        # the notebook entry point
    (10, "pipelines.cli"),
    (11, "dags"),
]


def package_of(module: str) -> tuple[int, str]:
    matches = [(layer, prefix) for layer, prefix in LAYERS       # "name/": that module alone
               if module == prefix.rstrip("/") or (not prefix.endswith("/") and module.startswith(prefix + "."))]
    assert matches, f"{module} is in no layer: add its package to LAYERS"
    return max(matches, key=lambda m: len(m[1]))


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(edges.items()):
        layer, package = package_of(module)
        for target in sorted(targets):
            t_layer, t_package = package_of(target)
            if t_package != package and t_layer >= layer:
                wrong.append(f"{module} (layer {layer}) imports {target} (layer {t_layer})")
    return wrong


def test_the_rule_sees_an_import_that_runs_up():
    edges = {"pipelines.archive.writer": {"pipelines.clean.step"}, "pipelines.clean.step": {"pipelines.archive.tables"},
             "pipelines.health.checks": {"pipelines.clean.extract"}, "pipelines.run.steps": {"pipelines.cli.main"}}
    assert upward_imports(edges) == [
        "pipelines.archive.writer (layer 3) imports pipelines.clean.step (layer 6)",
        "pipelines.health.checks (layer 6) imports pipelines.clean.extract (layer 6)",
        "pipelines.run.steps (layer 8) imports pipelines.cli.main (layer 10)",
    ]


def test_no_package_imports_one_above_or_beside_it():
    assert upward_imports(graph()) == []
