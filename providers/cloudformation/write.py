"""Writing the templates and the manifest to a folder (or one template to stdout)."""

from __future__ import annotations

import json
from pathlib import Path

from .yaml_out import to_json, to_yaml


def text_of(body: dict, fmt: str) -> str:
    return to_yaml(body) if fmt == "yaml" else to_json(body)


def write(result, folder: Path, fmt: str) -> list[Path]:
    """The templates and `manifest.json`, deploy order first. Returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for template, body in result.templates:
        path = folder / template.file
        path.write_text(text_of(body, fmt), encoding="utf-8")
        written.append(path)
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(result.manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(manifest)
    return written
