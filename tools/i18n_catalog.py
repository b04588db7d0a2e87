"""Collect the user-facing texts of yecai and keep the gettext catalogs in step.

Texts are: ``template = "..."`` class attributes of error classes, and string literals passed to
``_()``, ``N_()``, ``t()`` or ``gettext()``, and ``_("...")`` calls in the web workspace's Jinja
templates (``*.html``). ``python tools/i18n_catalog.py`` adds new msgids to
src/yecai/locale/*/LC_MESSAGES/messages.po (keeping existing translations) and lists the ones
still untranslated; the test suite fails while any zh_CN text is missing.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "yecai"
LOCALES = ("zh_CN", "en")
CALLS = {"_", "N_", "t", "gettext"}
# Jinja templates of the web workspace call _("...") with a literal, like the Python code.
TEMPLATE_CALL_RE = re.compile(r"""(?<![\w.])_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def collect(src: Path = SRC) -> dict[str, str]:
    """msgid → first 'file:line' where it appears."""
    found: dict[str, str] = {}
    for path in sorted(src.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        rel = path.relative_to(src.parent)
        for node in ast.walk(tree):
            text = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                tgt = node.targets[0]
                if (
                    isinstance(tgt, ast.Name)
                    and tgt.id == "template"
                    and isinstance(node.value, ast.Constant)
                ):
                    text = node.value.value
            elif isinstance(node, ast.Call):
                fn = node.func
                name = (
                    fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else None
                )
                if name in CALLS and node.args and isinstance(node.args[0], ast.Constant):
                    text = node.args[0].value
            if isinstance(text, str) and text.strip():
                found.setdefault(text, f"{rel}:{getattr(node, 'lineno', 0)}")
    for path in sorted(src.rglob("*.html")):
        rel = path.relative_to(src.parent)
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for m in TEMPLATE_CALL_RE.finditer(line):
                text = m.group(1) if m.group(1) is not None else m.group(2)
                if text.strip():
                    found.setdefault(text.replace('\\"', '"').replace("\\'", "'"), f"{rel}:{lineno}")
    return found


def po_path(locale: str) -> Path:
    return SRC / "locale" / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    path = po_path(locale)
    if path.exists():
        with path.open("rb") as fh:
            return read_po(fh, locale=locale)
    return Catalog(locale=locale, project="yecai", charset="utf-8")


def package_catalogs(locale: str) -> list[Catalog]:
    """The per-package catalogs (``<package>.po``) kept beside messages.po."""
    folder = po_path(locale).parent
    out = []
    for path in sorted(folder.glob("*.po")):
        if path.name != "messages.po":
            with path.open("rb") as fh:
                out.append(read_po(fh, locale=locale))
    return out


def untranslated(locale: str = "zh_CN") -> list[str]:
    have: dict[str, object] = {}
    for cat in [load(locale), *package_catalogs(locale)]:
        have.update({m.id: m.string for m in cat if m.id and m.string})
    return sorted(mid for mid in collect() if not have.get(mid))


def update() -> int:
    ids = collect()
    for locale in LOCALES:
        cat = load(locale)
        elsewhere = {m.id for c in package_catalogs(locale) for m in c if m.id}
        for mid, where in ids.items():
            if mid not in cat and mid not in elsewhere:
                cat.add(
                    mid,
                    string=mid if locale == "en" else "",
                    locations=[(where.split(":")[0], int(where.split(":")[1]))],
                )
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, cat, sort_output=True, omit_header=False, width=120)
    missing = untranslated("zh_CN")
    for mid in missing:
        print(f"untranslated: {mid!r}  ({ids.get(mid, '?')})")
    return len(missing)


if __name__ == "__main__":
    sys.exit(1 if update() and "--check" in sys.argv else 0)
