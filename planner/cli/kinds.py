"""`archform kinds`: what can be written."""

from __future__ import annotations

import sys

import click

from .common import Context, pass_ctx
from .options import format_option


def register(main: click.Group):
    @main.command()
    @click.argument("kind", required=False)
    @click.option("--matrix", is_flag=True, help="Show what each kind supports: modeled cloud, failures, "
                  "CloudFormation, diagrams.")
    @format_option(help="With --matrix or KIND: a table, or JSON (KIND's schema, for editors).")
    @pass_ctx
    def kinds(ctx: Context, kind, matrix, fmt):
        """List the resource kinds, or show one kind's attributes, exports and defaults."""
        sys.exit(run_matrix(fmt) if matrix else run_kinds(ctx, kind, fmt))


def run_kinds(ctx: Context, kind: str | None, fmt: str = "text") -> int:
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
    from archform.stdlib.kind_schema import schema_of
    schema = schema_of(cls)
    if fmt == "json":
        import json
        out = {"title": cls.title, "family": cls.family, "scope": cls.scope, **schema.to_json()}
        click.echo(json.dumps(out, indent=2, sort_keys=True))
        return 0
    click.echo(f"{kind}: {cls.title} ({cls.family}, {cls.scope})")
    if cls.__doc__:
        import inspect
        for line in inspect.cleandoc(cls.__doc__).splitlines():  # the whole docstring, not its first line
            click.echo(("  " + line).rstrip())
    click.echo("attributes:")
    from archform.dsl import values as v
    for f in schema.fields:
        if f.required:
            default = "required"
        else:
            d = f.default
            try:
                default = "default " + repr(v.to_json(d))
            except TypeError:
                dumped = d.model_dump() if hasattr(d, "model_dump") else None
                simple = dumped is not None and all(isinstance(x, (str, int, float, bool, type(None)))
                                                    for x in dumped.values())
                default = "default " + (repr(dumped) if simple and len(repr(dumped)) < 60 else "{…}")
        marker = "  (forces replacement)" if f.forces_replacement else ""
        click.echo(f"  {f.key:<26} {default}{marker}")
    from archform.stdlib.safe_defaults import SAFE_DEFAULTS
    if kind in SAFE_DEFAULTS:
        click.echo("safe defaults (where they differ from AWS's):")
        for name, text in SAFE_DEFAULTS[kind].items():
            click.echo(f"  {name:<26} {text}")
    click.echo("exports: " + ", ".join(sorted(cls.exports)))
    if cls.children:
        click.echo("child blocks: " + ", ".join(f"{b} → {k}" for b, k in sorted(cls.children.items())))
    return 0


# where each facet is registered (stdlib/facets.py): importing them fills the registry
FACET_HOMES = ("archform.providers.simulated.behaviours", "archform.providers.simulated.chaos.engine",
               "archform.providers.cloudformation.mapping", "archform.planner.diagram.styles")


def load_facets() -> None:
    import importlib
    for module in FACET_HOMES:
        importlib.import_module(module)


def run_matrix(fmt: str) -> int:
    """`archform kinds --matrix`: every kind and the facets it has."""
    import json
    from archform.stdlib import catalogue, facets
    load_facets()
    rows = facets.matrix(sorted(catalogue.kinds()))
    if fmt == "json":
        click.echo(json.dumps({"facets": facets.FACETS, "kinds": {k: row for k, row in rows}},
                              indent=2, sort_keys=True))
        return 0
    names = list(facets.FACETS)
    width = max(len(k) for k, _ in rows) + 2
    click.echo("kind".ljust(width) + "  ".join(names))
    for kind, row in rows:
        cells = ["yes".ljust(len(n)) if row[n] else "-".ljust(len(n)) for n in names]
        click.echo(kind.ljust(width) + "  ".join(cells).rstrip())
    counts = ", ".join(f"{n} {sum(row[n] for _, row in rows)}" for n in names)
    click.echo(f"\n{len(rows)} kinds: {counts}")
    for n in names:
        click.echo(f"  {n}: {facets.FACETS[n]}")
    return 0
