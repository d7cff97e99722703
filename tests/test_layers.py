"""The layers of the package: every import, those inside functions included, goes down or sideways
within a feature, never up, and no feature package reaches another in a circle.

The order is the one written in ``shelter/__init__.py``'s docstring (read from there, so the rule
and its documentation cannot drift). Models are the exception: any module may import any feature's
models. A service never imports a views module, whatever the layers say. The checker itself is
tested on made-up packages: it notices an upward import, a circle and an unlisted feature.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "shelter"


def read_layers(docstring: str) -> dict[str, int]:
    """{feature or top-level module: its rank} from the indented block after 'Layers, lowest first.':
    one layer a line, either a feature's name or ``label: module module …`` (a longer indent goes on)."""
    layers, rank, started = {}, 0, False
    for line in docstring.split("Layers, lowest first.", 1)[1].splitlines()[1:]:
        indent = len(line) - len(line.lstrip())
        if not line.strip() or indent == 0:
            if started:
                break
            continue
        started = True
        label, colon, names = line.strip().partition(":")
        if indent == 4:
            rank += 1
        for name in (names.split() if colon else [label]) if indent == 4 else line.split():
            layers[name] = rank
    return layers


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str) -> list[str]:
    """Every ``shelter`` module a source imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return [name for name in found if name.split(".")[0] == "shelter"]


def unit_of(module: str) -> str:
    """The feature (or top-level module) a module belongs to; ``__init__`` for the package itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def is_model(module: str) -> bool:
    return ".models" in module + "." or module.endswith(".models")


def problems_in(sources: dict[str, str], layers: dict[str, int]) -> list[str]:
    """Upward imports, imports of views by services, circles between features and unlisted units."""
    problems = []
    edges: dict[str, set[str]] = {}
    for module, source in sorted(sources.items()):
        unit = unit_of(module)
        if unit not in layers:
            problems.append(f"{module}: {unit} is not in the layers of shelter/__init__.py")
            continue
        for target in imports_of(source):
            target_unit = unit_of(target)
            if module.endswith(".service") and ".views" in target + ".":
                problems.append(f"{module} imports the views module {target}")
            if target_unit == unit or target_unit not in layers or is_model(target):
                continue
            if layers[target_unit] > layers[unit]:
                problems.append(f"{module} imports {target}, of a layer above its own ({target_unit} > {unit})")
            if layers[target_unit] > 1 and layers[unit] > 1:
                edges.setdefault(unit, set()).add(target_unit)
    problems += [f"import circle: {' → '.join(cycle)}" for cycle in cycles(edges)]
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def package_sources(package: Path = PACKAGE) -> dict[str, str]:
    return {module_name(path, package): path.read_text(encoding="utf-8") for path in package.rglob("*.py")}


def package_layers() -> dict[str, int]:
    return read_layers(ast.get_docstring(ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))))


def test_every_import_goes_down():
    problems = problems_in(package_sources(), package_layers())
    assert not problems, "imports against the layers:\n" + "\n".join(problems)


def test_every_feature_and_module_has_a_layer():
    layers = package_layers()
    units = {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    units |= {path.stem for path in PACKAGE.glob("*.py")}
    assert units <= set(layers), f"not in the layers: {sorted(units - set(layers))}"
    assert layers["audit"] < layers["stays"] < layers["alerts"] < layers["worklists"] < layers["api"]
    assert layers["events"] == layers["access"] == 1  # foundation


def test_stays_imports_no_feature_built_on_it():
    source = (PACKAGE / "stays" / "service.py").read_text(encoding="utf-8")
    above = {"alerts", "followups", "plans", "programmes", "board", "residents", "worklists"}
    imported = {target.split(".")[1] for target in imports_of(source) if not is_model(target)}
    assert not imported & above, f"stays.service imports {sorted(imported & above)}"


# --- the checker can fail -----------------------------------------------------------------------------

LAYERS = read_layers('''Layers, lowest first.

    foundation: config access
    stays
    alerts
    application: __init__
''')


def test_the_checker_accepts_a_clean_package():
    sources = {
        "shelter.access": "from shelter.stays.models import Stay",
        "shelter.stays.service": "from shelter import access\nfrom shelter.alerts.models import Rule",
        "shelter.alerts.service": "from shelter.stays import queries",
        "shelter": "from shelter.alerts import listeners",
    }
    assert problems_in(sources, LAYERS) == []


def test_the_checker_notices_an_upward_import_even_inside_a_function():
    sources = {
        "shelter.stays.service": "def admit():\n    from shelter.alerts import service\n    service.evaluate()",
        "shelter.alerts.service": "x = 1",
    }
    [problem] = problems_in(sources, LAYERS)
    assert "shelter.stays.service imports shelter.alerts.service, of a layer above" in problem


def test_the_checker_notices_a_circle_and_a_service_importing_views():
    layers = read_layers("Layers, lowest first.\n\n    foundation: config\n    stays\n    board\n")
    sources = {
        "shelter.stays.views": "from shelter.board.views import oob_updates",
        "shelter.board.service": "from shelter.stays import queries\nfrom shelter.board.views import x",
    }
    problems = problems_in(sources, layers)
    assert any(re.search(r"import circle: (stays → board → stays|board → stays → board)", p) for p in problems)
    assert any("imports the views module" in p for p in problems)


def test_the_checker_notices_a_feature_without_a_layer():
    problems = problems_in({"shelter.referrals.service": "x = 1"}, LAYERS)
    assert problems == ["shelter.referrals.service: referrals is not in the layers of shelter/__init__.py"]


# --- one story a file -------------------------------------------------------------------------------------

MAX_LINES = 400


def test_no_module_is_over_400_lines():
    """A file that holds three stories hides where a rule lives: split it by what the code is about."""
    long = {str(path.relative_to(ROOT)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
