"""Every write that causes an event goes through the one place that writes it, so no path can change what subscribers
are told of without telling them. A static audit of the application code (as tests/hardening/test_history_paths.py
does for history rows):

* a public change of a claim is a Correction row, made only in claims.services._log_public_change (which writes the
  claim's event), called only from claim_save; nothing else creates claims in bulk, saves a claim, or updates a
  claim's status, verdict or explanation in bulk;
* a source's health is written only by sources.health.linkchecks_record (which writes source.dead/recovered): no
  update(), create or bulk_update names it, no attribute assignment or SQL sets it anywhere else;
* a tip is created only in public.services.tip_submit (which writes tip.received).

A new path fails here, naming its file and line: route it through the service, or add its event and say why here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_DIRS = ("claims", "sources", "public", "factcheck", "accounts", "notifications")
CREATING = {"create", "bulk_create", "get_or_create", "update_or_create"}
WRITING = CREATING | {"update", "bulk_update", "bulk_update_with_history"}
CLAIM_PUBLIC_FIELDS = {"status", "verdict", "explanation"}


@dataclass(frozen=True)
class Found:
    where: str  # path:line
    function: str  # the enclosing function ("" at module level)
    what: str

    def __str__(self) -> str:
        return f"{self.where} in {self.function or '<module>'}: {self.what}"


def app_modules() -> Iterator[tuple[str, ast.Module]]:
    for name in APP_DIRS:
        for path in sorted((ROOT / name).rglob("*.py")):
            if "migrations" not in path.parts:
                yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), filename=str(path))


def walk(tree: ast.AST, function: str = "") -> Iterator[tuple[ast.AST, str]]:
    """Every node with the name of the function it is in."""
    for child in ast.iter_child_nodes(tree):
        inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
        yield child, inner
        yield from walk(child, inner)


def _receiver(call: ast.Call) -> str:
    return ast.unparse(call.func.value) if isinstance(call.func, ast.Attribute) else ""


def _keywords(call: ast.Call) -> set[str]:
    names = {k.arg for k in call.keywords if k.arg}
    for k in call.keywords:  # **{"health": ...}
        if k.arg is None and isinstance(k.value, ast.Dict):
            names |= {key.value for key in k.value.keys if isinstance(key, ast.Constant)}
    return names


def _literal_strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def claim_writes(modules) -> list[Found]:
    """Correction rows made, claims saved, claims created or their public fields updated in bulk."""
    found = []
    for path, tree in modules:
        for node, function in walk(tree):
            where = f"{path}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.search(r"\binsert\s+into\s+\"?claims_correction\b", node.value, re.IGNORECASE):
                    found.append(Found(where, function, "SQL inserting a Correction"))
                if re.search(r"\b(insert\s+into|copy)\s+\"?claims_claim\b", node.value, re.IGNORECASE):
                    found.append(Found(where, function, "SQL inserting claims"))
            if not isinstance(node, ast.Call):
                continue
            name, receiver = _called_name(node), _receiver(node)
            if name == "Correction" or (name in CREATING and re.search(r"Correction|corrections", receiver)):
                found.append(Found(where, function, f"Correction row made ({ast.unparse(node.func)})"))
            if name in CREATING and re.fullmatch(r"Claim\.(objects|all_objects)", receiver):
                found.append(Found(where, function, f"claims made without claim_save ({name})"))
            if name == "save" and re.search(r"claim", receiver, re.IGNORECASE) and "." not in receiver:
                found.append(Found(where, function, f"a claim saved ({receiver}.save())"))
            if name == "update" and "Claim" in receiver and _keywords(node) & CLAIM_PUBLIC_FIELDS:
                found.append(Found(where, function, f"claims' {_keywords(node) & CLAIM_PUBLIC_FIELDS} updated"))
    return found


def health_writes(modules) -> list[Found]:
    """Every write of a source's health: keywords of writing calls, attribute assignments, bulk_update fields, SQL."""
    found = []
    for path, tree in modules:
        for node, function in walk(tree):
            where = f"{path}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                name = _called_name(node)
                if (name in WRITING or name == "Source") and "health" in _keywords(node):
                    found.append(Found(where, function, f"health= in {ast.unparse(node.func)}()"))
                if name in ("bulk_update", "bulk_update_with_history") and len(node.args) >= 2:
                    if "health" in _literal_strings(node.args[1]):
                        found.append(Found(where, function, "bulk_update of health"))
                field_name = node.args[1] if name == "setattr" and len(node.args) >= 2 else None
                if isinstance(field_name, ast.Constant) and field_name.value == "health":
                    found.append(Found(where, function, "setattr(..., 'health', ...)"))
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "health":
                    found.append(Found(where, function, f"{ast.unparse(target)} assigned"))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.search(r"\bupdate\b.*?\bset\b.*?\bhealth\s*=", node.value, re.IGNORECASE | re.DOTALL):
                    found.append(Found(where, function, "SQL setting health"))
    return found


def tip_writes(modules) -> list[Found]:
    found = []
    for path, tree in modules:
        for node, function in walk(tree):
            where = f"{path}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                name, receiver = _called_name(node), _receiver(node)
                if name == "Tip" or (name in CREATING and re.search(r"\bTip\b|\btips\b", receiver)):
                    found.append(Found(where, function, f"tip made ({ast.unparse(node.func)})"))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.search(r"\b(insert\s+into|copy)\s+\"?public_tip\b", node.value, re.IGNORECASE):
                    found.append(Found(where, function, "SQL inserting tips"))
    return found


def calls_in(modules, path: str, function: str) -> set[str]:
    """The names a function calls."""
    for module_path, tree in modules:
        if module_path == path:
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name == function:
                    return {_called_name(call) for call in ast.walk(node) if isinstance(call, ast.Call)}
    raise AssertionError(f"no function {function} in {path}: the audit no longer knows where the emitter is")


def callers_of(modules, name: str) -> set[tuple[str, str]]:
    return {
        (path, function)
        for path, tree in modules
        for node, function in walk(tree)
        if isinstance(node, ast.Call) and _called_name(node) == name
    }


def places(found: list[Found]) -> set[tuple[str, str]]:
    return {(item.where.split(":")[0], item.function) for item in found}


def describe(found: list[Found]) -> str:
    return "\n".join(map(str, found))


# --- the audit ------------------------------------------------------------------------------------------------


def test_every_public_change_of_a_claim_passes_the_emitter():
    modules = list(app_modules())
    found = claim_writes(modules)
    allowed = {
        ("claims/services.py", "_log_public_change"),  # the public log entry, and its event beside it
        ("claims/services.py", "claim_save"),  # the one claim.save(), whose change _log_public_change logs
    }
    assert places(found) == allowed, describe(found)
    assert len([item for item in found if item.function == "_log_public_change"]) == 1
    assert "claim_change_event_record" in calls_in(modules, "claims/services.py", "_log_public_change")
    assert callers_of(modules, "_log_public_change") == {("claims/services.py", "claim_save")}


def test_every_health_write_passes_the_emitter():
    modules = list(app_modules())
    found = health_writes(modules)
    allowed = {
        ("sources/health.py", "linkchecks_record"),  # source.health = state.health, for the batch's UPDATE
        ("sources/health.py", ""),  # _SOURCE_UPDATE_SQL, run by _update_sources
    }
    assert places(found) <= allowed, describe(found)
    assert [item.what for item in found if item.function == ""] == ["SQL setting health"]
    assert callers_of(modules, "_update_sources") == {("sources/health.py", "linkchecks_record")}
    assert {"_update_sources", "health_events_record"} <= calls_in(modules, "sources/health.py", "linkchecks_record")


def test_every_tip_passes_the_emitter():
    modules = list(app_modules())
    found = tip_writes(modules)
    assert places(found) == {("public/services.py", "tip_submit")}, describe(found)
    assert len(found) == 1
    assert "tip_event_record" in calls_in(modules, "public/services.py", "tip_submit")


# --- the audit sees what it looks for ------------------------------------------------------------------------


OFFENDERS = """
def sneaky(claim, source, tip_data):
    Correction.objects.create(claim=claim, kind="published")
    claim.corrections.create(kind="corrected")
    Claim.objects.bulk_create([claim])
    claim.save()
    Claim.objects.filter(pk=1).update(status="published")
    Source.objects.filter(pk=1).update(health="dead")
    Source.objects.bulk_update([source], ["health", "title"])
    source.health = "ok"
    setattr(source, "health", "dead")
    Source.objects.filter(pk=1).update(**{"health": "ok"})
    Tip.objects.create(**tip_data)
    Tip(text="x").save()
    cursor.execute("UPDATE sources_source SET health = 'dead'")
    cursor.execute("INSERT INTO claims_correction (kind) VALUES ('published')")
"""


def test_the_audit_finds_each_kind_of_write_it_forbids():
    modules = [("elsewhere/sneaky.py", ast.parse(OFFENDERS))]
    assert len(claim_writes(modules)) == 6
    assert len(health_writes(modules)) == 6
    assert len(tip_writes(modules)) == 2
    for item in tip_writes(modules):
        assert str(item).startswith("elsewhere/sneaky.py:")
        assert " in sneaky: " in str(item)
