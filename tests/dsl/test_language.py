"""The language's behaviour as a user sees it: values, units, expansion, modules, addresses."""

import textwrap
from pathlib import Path

import pytest

from archform.dsl.diagnostics import render_all
from archform.dsl.resolve import resolve


def run(tmp_path: Path, source: str, params=None, files=None):
    for name, text in (files or {}).items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    main = tmp_path / "main.arch"
    main.write_text(textwrap.dedent(source))
    return resolve(main, params)


def ok(tmp_path, source, params=None, files=None):
    desired, diags = run(tmp_path, source, params, files)
    assert not [d for d in diags if d.is_error], render_all(diags)
    return desired


def errors(tmp_path, source, params=None, files=None) -> str:
    _, diags = run(tmp_path, source, params, files)
    assert any(d.is_error for d in diags)
    return render_all(diags)


EXPRESSIONS = [
    ("1h == 60m", True),
    ("90s == 1.5m", True),
    ("1GiB == 1024MiB", True),
    ("1GiB == 1GB", False),
    ("10GiB > 10GB", True),
    ("2 * 30s == 1m", True),
    ("40% * 10GiB == 4GiB", True),
    ("1d / 1h", 24),
    ("7 % 3", 1),
    ("-(2 + 3) * 2", -10),
    ("2 + 3 * 4", 14),
    ("true && !false", True),
    ("1 < 2 ? \"yes\" : \"no\"", "yes"),
    ("\"a-${1 + 1}\"", "a-2"),
    ("length([1, 2, 3])", 3),
    ("join(\",\", [\"a\", \"b\"])", "a,b"),
    ("format(\"%s-%03d\", \"web\", 7)", "web-007"),
    ("max(30s, 2m, 90s)", "2m"),
    ("min(3, 1, 2)", 1),
    ("sum([1, 2, 3])", 6),  # sum's arithmetic is imported when called (the fuzz run found it broken)
    ("abs(-3)", 3),
    ("bytes(2KiB)", 2048),
    ("ceil(1.2)", 2),
    ("floor(1.8)", 1),
    ("cidrcontains(10.0.0.0/16, 10.0.1.5)", True),
    ("cidrnetmask(10.0.0.0/16)", "255.255.0.0"),
    ("coalesce(\"\", \"x\")", "x"),
    ("contains([1, 2], 2)", True),
    ("days(48h)", 2),
    ("hours(90m)", 1.5),
    ("minutes(2h)", 120),
    ("gb(2GB)", 2),
    ("distinct([1, 1, 2])", [1, 2]),
    ("endswith(\"web-1\", \"-1\")", True),
    ("first([3, 4])", 3),
    ("last([3, 4])", 4),
    ("flatten([[1], [2, 3]])", [1, 2, 3]),
    ("jsonencode({ a = 1 })", '{"a":1}'),
    ("lower(\"AB\")", "ab"),
    ("title(\"web tier\")", "Web Tier"),
    ("trim(\"  x \")", "x"),
    ("merge({ a = 1 }, { b = 2 })", {"a": 1, "b": 2}),
    ("zipmap([\"a\", \"b\"], [1, 2])", {"a": 1, "b": 2}),
    ("nonsensitive(\"x\")", "x"),
    ("alltrue([true, 1 < 2])", True),
    ("alltrue([])", True),
    ("anytrue([false, 1 > 2])", False),
    ("anytrue([false, true])", True),
    ("reverse([1, 2])", [2, 1]),
    ("slice([1, 2, 3], 1, 3)", [2, 3]),
    ("sort([\"b\", \"a\"])", ["a", "b"]),
    ("substr(\"abcdef\", 1, 3)", "bcd"),
    ("tobool(\"true\")", True),
    ("tonumber(\"42\")", 42),
    ("tostring(42)", "42"),
    ("zones(\"us-east-1\", 2)", ["us-east-1a", "us-east-1b"]),
    ("index([\"a\", \"b\"], \"b\")", 1),
    ("replace(\"a-b\", \"-\", \"_\")", "a_b"),
    ("startswith(\"web-1\", \"web\")", True),
    ("cidrsubnet(10.0.0.0/16, 8, 2)", "10.0.2.0/24"),
    ("cidrhost(10.0.1.0/24, 5)", "10.0.1.5"),
    ("cidrsubnets(10.0.0.0/16, 8, 8, 4)", ["10.0.0.0/24", "10.0.1.0/24", "10.0.16.0/20"]),
    ("keys({ b = 1, a = 2 })", ["a", "b"]),
    ("values({ b = 1, a = 2 })", [2, 1]),
    ("lookup({ a = 1 }, \"b\", 0)", 0),
    ("concat([1], [2, 3])", [1, 2, 3]),
    ("split(\"-\", \"a-b\")", ["a", "b"]),
    ("range(3)", [0, 1, 2]),
    ("[for x in [1, 2, 3] : x * 2 if x != 2]", [2, 6]),
    ("[for k, v in { a = 1, b = 2 } : \"${k}=${v}\"]", ["a=1", "b=2"]),
    ("seconds(5m)", 300),
    ("gib(2048MiB)", 2),
    ("upper(\"ab\")", "AB"),
    ("m5.2xlarge", "m5.2xlarge"),
    ("aurora-postgresql", "aurora-postgresql"),
    ("1024..65535", "1024..65535"),
]


@pytest.mark.parametrize("expr, expected", EXPRESSIONS)
def test_expressions(tmp_path, expr, expected):
    desired = ok(tmp_path, f"output x = {expr}\n")
    assert desired.outputs["x"] == expected


def test_every_function_is_called_by_the_table():
    """A function the suite never calls can break unseen (sum() did, by a lazy import): each one
    of the library is in EXPRESSIONS, but file(), which reads a file (test_hostile_input), and
    resources(), which only checks and conditions may call (test_policy)."""
    import re

    from archform.dsl.functions import FUNCTIONS
    called = {name for name in FUNCTIONS for expr, _ in EXPRESSIONS if re.search(rf"\b{name}\(", expr)}
    assert sorted(set(FUNCTIONS) - called - {"file", "resources"}) == []


def test_lookup_of_a_missing_key_suggests_the_near_one(tmp_path):
    (tmp_path / "main.arch").write_text('output x = lookup({ alpha = 1 }, "alpah")\n')
    desired, diags = resolve(tmp_path / "main.arch")
    assert desired is None or any(d.is_error for d in diags)
    (d,) = [d for d in diags if d.is_error]
    assert "no key 'alpah' in the map" in d.summary and "alpha" in d.help


def test_for_each_keys_are_values_not_positions(tmp_path):
    src = """
    let zones = ["a", "b", "c"]
    region "us-east-1" as primary {
      vpc main { cidr = 10.0.0.0/16 }
      subnet private for z in zones {
        vpc  = main
        cidr = cidrsubnet(main.cidr, 8, index(zones, z))
        az   = z
      }
    }
    """
    first = ok(tmp_path, src)
    assert sorted(first.resources) == ["primary.main", "primary.private[a]", "primary.private[b]",
                                       "primary.private[c]"]
    # removing the first zone keeps the addresses of the others
    second = ok(tmp_path, src.replace('["a", "b", "c"]', '["b", "c"]').replace("index(zones, z)", "index([\"a\", \"b\", \"c\"], z)"))
    assert second.resources["primary.private[b]"].attrs == first.resources["primary.private[b]"].attrs


def test_for_over_a_map_and_if(tmp_path):
    desired = ok(tmp_path, """
    param env: string = "prod"
    region "eu-west-1" as eu {
      vpc net for name, block in { app = 10.0.0.0/16, data = 10.1.0.0/16 } if name != "data" || env == "prod" {
        cidr = block
        tags = { name = name }
      }
    }
    """)
    assert sorted(desired.resources) == ["eu.net[app]", "eu.net[data]"]
    desired = ok(tmp_path, (tmp_path / "main.arch").read_text(), params={"env": "dev"})
    assert sorted(desired.resources) == ["eu.net[app]"]


def test_references_make_dependencies_in_any_order(tmp_path):
    desired = ok(tmp_path, """
    region "us-east-1" as primary {
      subnet a { vpc = main, cidr = cidrsubnet(main.cidr, 8, 1), az = a }
      vpc main { cidr = 10.0.0.0/16 }
    }
    """)
    a = desired.resources["primary.a"]
    assert a.deps == ("primary.main",)
    assert a.attrs["cidr"] == "10.0.1.0/24"
    assert a.attrs["vpc"] == {"$ref": "primary.main"}
    assert a.attrs["az"] == "us-east-1a"


def test_exported_attributes_are_unknown_until_apply(tmp_path):
    desired = ok(tmp_path, """
    region "us-east-1" as primary {
      vpc main { cidr = 10.0.0.0/16, tags = { owner = "vpc-${main.id}" } }
    }
    output id = primary.main.id
    """.replace("vpc-${main.id}", "team"))
    assert desired.outputs["id"] == {"$ref": "primary.main", "attr": "id"}


def test_modules_with_parameters_and_outputs(tmp_path):
    desired = ok(tmp_path, """
    use "./net" as net
    region "us-east-1" as primary {
      net core { cidr = 10.20.0.0/16, zones = ["a", "b"] }
      subnet extra { vpc = core.vpc, cidr = cidrsubnet(core.vpc.cidr, 8, 9), az = c }
    }
    output subnets = primary.core.subnets
    """, files={"net.arch": """
    param cidr: cidr
    param zones: list(string)

    vpc vpc { cidr = cidr }
    subnet private for z in zones {
      vpc  = vpc
      cidr = cidrsubnet(cidr, 8, index(zones, z))
      az   = z
    }
    output vpc = vpc
    output subnets = private[*].id
    """})
    assert "primary.core.vpc" in desired.resources
    assert "primary.core.private[b]" in desired.resources
    assert desired.resources["primary.extra"].deps == ("primary.core.vpc",)
    assert desired.resources["primary.extra"].attrs["cidr"] == "10.20.9.0/24"
    assert desired.outputs["subnets"] == [{"$ref": "primary.core.private[a]", "attr": "id"},
                                          {"$ref": "primary.core.private[b]", "attr": "id"}]


def test_a_module_passes_its_parameter_to_a_nested_module_under_the_same_name(tmp_path):
    """`n = n` in a module calling another module: the callee's `param n` is the caller's, not a
    cycle (it was reported as `dependency cycle: param n → param n`); lets alike."""
    desired = ok(tmp_path, """
    use "./mid" as mid
    region "us-east-1" as east {
      mid m { n = "/shop/app", days = 30d }
    }
    """, files={"mid.arch": """
    use "./inner" as inner
    param n: string
    param days: duration
    let l = n
    inner i { n = n, days = days, l = l }
    """, "inner.arch": """
    param n: string
    param days: duration
    param l: string
    let l2 = l
    log_group logs { name = l2, retention = days }
    """})
    assert desired.resources["east.m.i.logs"].attrs["name"] == "/shop/app"
    assert "dependency cycle: let a → let b → let a" in errors(tmp_path, """
    let a = b
    let b = a
    output x = a
    """)


def test_a_mistake_inside_a_module_points_at_each_use_of_it_that_made_it(tmp_path):
    """An error in a module's file (a zone of another region, a bucket name taken twice) pointed
    only at the module's line: with the module used twice, or nested, nothing said which use to
    fix. Each module instance it is declared in is labelled, innermost first."""
    out = errors(tmp_path, """
    use "./site" as site
    region "us-east-1" as east {
      site one { zone = "us-east-1a" }
    }
    region "eu-west-1" as west {
      site two { zone = "us-east-1a" }
    }
    """, files={"site.arch": """
    use "./net" as net
    param zone: string
    net n { zone = zone }
    """, "net.arch": """
    param zone: string
    vpc v { cidr = 10.0.0.0/16 }
    subnet s {
      vpc  = v
      cidr = 10.0.1.0/24
      az   = zone
    }
    s3_bucket logs { bucket = "shop-logs-7f3a" }
    """})
    assert out.count("error:") == 2, out
    assert "west.two.n.s: az: Availability Zone 'us-east-1a' is in us-east-1" in out
    assert "east.one.n.s" not in out
    # the zone: net.arch, then the use in site.arch (west.two.n), then the use in main.arch (west.two)
    zone = out[out.index("west.two.n.s: az"):]
    assert zone.index("net.arch:") < zone.index("in module instance west.two.n\n") \
        < zone.index("in module instance west.two\n")
    assert "site two { zone" in zone and "-------- in module instance west.two\n" in zone
    # the bucket name: the second use is labelled
    assert "west.two.n.logs: bucket name 'shop-logs-7f3a' is already taken by 'east.one.n.logs'" in out


def test_a_ref_parameter_names_the_kinds_it_takes_or_takes_any(tmp_path):
    module = {"tag.arch": """
    param any: ref
    param net: ref(vpc)
    subnet s { vpc = net, cidr = cidrsubnet(net.cidr, 8, 1), az = "us-east-1a", tags = { Of = any.id } }
    """}
    desired = ok(tmp_path, """
    use "./tag" as tag
    region "us-east-1" as primary {
      vpc main { cidr = 10.0.0.0/16 }
      tag t { any = main, net = main }
    }
    """, files=module)
    assert desired.resources["primary.t.s"].deps == ("primary.main",)
    text = errors(tmp_path, """
    use "./tag" as tag
    region "us-east-1" as primary {
      vpc main { cidr = 10.0.0.0/16 }
      tag t { any = 3, net = main }
    }
    """, files=module)
    assert "expected a reference to a resource, got number" in text


def test_cli_params_are_typed(tmp_path):
    src = """
    param zones: number = 2
    param cidr: cidr = 10.0.0.0/16
    output z = zones
    output c = cidr
    """
    d = ok(tmp_path, src, params={"zones": "3", "cidr": "172.16.0.0/16"})
    assert d.outputs == {"z": 3, "c": "172.16.0.0/16"}
    assert "expected a number" in errors(tmp_path, src, params={"zones": "three"})
    assert "declares no parameter 'zone'" in errors(tmp_path, src, params={"zone": "3"})


def test_moved_statements_are_collected(tmp_path):
    d = ok(tmp_path, """
    region "us-east-1" as primary {
      vpc main { cidr = 10.0.0.0/16 }
    }
    moved primary.old -> primary.main
    """)
    assert [(m.from_, m.to) for m in d.moved] == [("primary.old", "primary.main")]


def test_lifecycle_options(tmp_path):
    d = ok(tmp_path, """
    region "us-east-1" as primary {
      vpc main {
        cidr = 10.0.0.0/16
        lifecycle {
          prevent_destroy       = true
          create_before_destroy = true
          ignore_changes        = [tags]
        }
      }
    }
    """)
    lc = d.resources["primary.main"].lifecycle
    assert lc.prevent_destroy and lc.create_before_destroy and lc.ignore_changes == ("tags",)


def test_cross_region_references(tmp_path):
    d = ok(tmp_path, """
    region "us-east-1" as primary { vpc main { cidr = 10.0.0.0/16 } }
    region "eu-west-1" as standby {
      vpc main { cidr = 10.1.0.0/16, tags = { peer = primary.main.cidr } }
    }
    """)
    assert d.resources["standby.main"].attrs["tags"] == {"peer": "10.0.0.0/16"}
    assert d.resources["standby.main"].deps == ("primary.main",)


def test_resolution_is_deterministic(tmp_path):
    src = """
    region "us-east-1" as primary {
      vpc main for k in ["x", "y", "z"] { cidr = cidrsubnet(10.0.0.0/8, 8, index(["x", "y", "z"], k)) }
    }
    """
    a = ok(tmp_path, src).json()
    b = ok(tmp_path, src).json()
    assert a == b


# --- a broken file keeps what parses (for editors) -------------------------------------------

BROKEN = """
region "us-east-1" as primary {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a { vpc = main, cidr = = 10.0.1.0/24, az = "us-east-1a" }
  subnet b { vpc = mian, cidr = 10.0.2.0/24, az = "us-east-1b" }
}
let x = = 1
output net = primary.main.cidr
"""


def test_a_broken_file_keeps_the_items_that_parse_with_error_nodes_where_the_others_were():
    from archform.dsl import ast as a
    from archform.dsl.parser import parse
    assert parse(BROKEN, "main.arch")[0] is None  # the planner still refuses a broken file
    module, diags = parse(BROKEN, "main.arch", partial=True)
    assert [type(i).__name__ for i in module.items] == ["Region", "ErrorItem", "Output"]
    region = module.items[0]
    assert region.alias == "primary"
    assert [type(i).__name__ for i in region.body] == ["Block", "ErrorItem", "Block"]
    assert [i.label for i in region.body if type(i) is a.Block] == ["main", "b"]
    # the same diagnostics as without `partial`: one per mistake
    assert [d.summary for d in diags] == [d.summary for d in parse(BROKEN, "main.arch")[1]]
    assert len(diags) == 2


def test_the_rest_of_a_broken_file_binds_and_checks():
    from archform.dsl.modules import Loader
    desired, diags = resolve("main.arch", loader=Loader(None, {"main.arch": BROKEN}, partial=True))
    summaries = [d.summary for d in diags]
    assert any(s.startswith("unexpected") for s in summaries)        # the syntax errors, still
    assert any("'mian'" in s for s in summaries), summaries           # and a mistake in a good block
    assert "primary.main" in desired.resources and desired.outputs == {"net": "10.0.0.0/16"}
