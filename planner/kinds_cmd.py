"""`archform kinds`: what can be written."""

from __future__ import annotations

import click

from .cli_common import Context


def run_kinds(ctx: Context, kind: str | None) -> int:
    from archform.dsl.suggest import did_you_mean
    from archform.stdlib import catalogue
    kinds = catalogue.kinds()
    if kind is None:
        by_family: dict[str, list] = {}
        for name, cls in kinds.items():
            by_family.setdefault(cls.family or "other", []).append((name, cls))
        for family in sorted(by_family):
            click.echo(f"{family}:")
            for name, cls in by_family[family]:
                click.echo(f"  {name:<30} {cls.title}{'  (global)' if cls.scope == 'global' else ''}")
        return 0
    cls = kinds.get(kind)
    if cls is None:
        hint = did_you_mean(kind, kinds)
        click.echo(f"unknown kind '{kind}'" + (f"; {hint}" if hint else ""), err=True)
        return 1
    click.echo(f"{kind}: {cls.title} ({cls.family}, {cls.scope})")
    if cls.__doc__:
        click.echo("  " + cls.__doc__.strip().split("\n")[0])
    click.echo("attributes:")
    from archform.dsl import values as v
    for name, f in cls.model_fields.items():
        if name == "kind":
            continue
        shown = f.alias or name
        if f.is_required():
            default = "required"
        else:
            d = f.get_default(call_default_factory=True)
            try:
                default = "default " + repr(v.to_json(d))
            except TypeError:
                default = "default {…}"
        marker = "  (forces replacement)" if name in cls.force_new or shown in cls.force_new else ""
        click.echo(f"  {shown:<26} {default}{marker}")
    click.echo("exports: " + ", ".join(sorted(cls.exports)))
    if cls.children:
        click.echo("child blocks: " + ", ".join(f"{b} → {k}" for b, k in sorted(cls.children.items())))
    return 0
