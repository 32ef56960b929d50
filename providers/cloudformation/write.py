"""Writing the templates and the manifest to a folder (or one template to stdout)."""

from __future__ import annotations

import json
from pathlib import Path

from .yaml_out import to_json, to_yaml


def text_of(body: dict, fmt: str) -> str:
    return to_yaml(body) if fmt == "yaml" else to_json(body)


def write(result, folder: Path, fmt: str) -> list[Path]:
    """The templates and `manifest.json`, deploy order first. Returns the files written.

    Templates an earlier run of the same deployment wrote there and this one does not (a
    nested stack fewer, the other format) are removed, so the folder holds one deployment."""
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder, result)
    written = []
    for template, _ in result.templates:
        path = folder / template.file
        path.write_text(result.text(template, fmt), encoding="utf-8")
        written.append(path)
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(result.manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(manifest)
    return written


def _remove_stale(folder: Path, result):
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return
    try:
        previous = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(previous, dict) or previous.get("name") != result.manifest.get("name"):
        return
    current = {t.file for t, _ in result.templates}
    for stack in previous.get("stacks", []):
        for name in [stack.get("template"), *stack.get("nested", [])]:
            if isinstance(name, str) and name not in current and "/" not in name and (folder / name).is_file():
                (folder / name).unlink()
