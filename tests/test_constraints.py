"""The dependency audit checks what runs (issue 9, finding 12).

`make` installs with ``-c constraints.txt``, so every machine (CI included) gets the versions pinned
there, and an audit of that file (``pip-audit -r constraints.txt`` wherever an advisory database is
reachable) checks exactly the code that was tested. Here: every distribution the project needs, found
by walking the requirements from pyproject.toml through the installed metadata, is pinned, installed
at its pin, and nothing else is pinned.
"""

from __future__ import annotations

from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from shelter.config import PROJECT_ROOT

CONSTRAINTS = PROJECT_ROOT / "constraints.txt"


def pins() -> dict[str, str]:
    found = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line!r}"
            found[canonicalize_name(name)] = version.strip()
    return found


def required_distributions(root: str = "shelter", extras=("test",)) -> dict[str, str]:
    """Installed name -> version of everything ``pip install -e '.[test]'`` brings, on this Python."""
    versions: dict[str, str] = {}
    extras_seen: dict[str, set[str]] = {}
    todo = [(root, set(extras))]
    while todo:
        name, wanted = todo.pop()
        key = canonicalize_name(name)
        if key in extras_seen and wanted <= extras_seen[key]:
            continue
        extras_seen.setdefault(key, set()).update(wanted)
        dist = metadata.distribution(name)
        versions[key] = dist.version
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker and not any(requirement.marker.evaluate({"extra": extra})
                                              for extra in (extras_seen[key] or {""})):
                continue
            todo.append((requirement.name, set(requirement.extras)))
    versions.pop(canonicalize_name(root))
    return versions


def test_every_required_distribution_is_installed_at_its_pin():
    pinned = pins()
    installed = required_distributions()
    unpinned = sorted(set(installed) - set(pinned))
    assert not unpinned, f"required but not in constraints.txt (run `make constraints`): {unpinned}"
    different = {name: (version, pinned[name]) for name, version in installed.items() if version != pinned[name]}
    assert not different, f"installed version differs from constraints.txt (installed, pinned): {different}"


def test_constraints_pin_nothing_the_project_does_not_need():
    stale = sorted(set(pins()) - set(required_distributions()))
    assert not stale, f"pinned but no longer required (run `make constraints`): {stale}"
