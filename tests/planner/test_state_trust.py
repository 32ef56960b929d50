"""The state is the truth about what archform made: ordinary commands never lose a record,
orphan an object in the cloud, make one twice, or make drift permanent.

Each test reproduces a way it once failed (issue 11): replacements that dropped their new
record, a crash with both halves of a replacement pending, a refresh that made drift
permanent, `--replace` with a typo silently ignored.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from archform.planner.cli import main
from archform.planner.planning import persist_reconcile, reconcile
from archform.planner.state import StateStore
from archform.providers.simulated import SimulatedCloud

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class Folder:
    """A working folder with its own state and modeled cloud, driven through the CLI."""

    def __init__(self, path: Path):
        self.path = path
        self.where = ["--state", str(path / "state.db"), "--cloud", str(path / "cloud.db")]

    def write(self, text: str, name: str = "main.arch") -> Path:
        f = self.path / name
        f.write_text(text)
        return f

    def run(self, *args, input=None, where=True):
        extra = self.where if where else []
        if args and args[0] in ("state", "force-unlock", "output"):
            extra = extra[:2]  # those commands know only the state
        if args and args[0] == "sim":
            extra = extra[2:]
        result = CliRunner().invoke(main, [*args, *extra], input=input)
        assert "Traceback" not in result.output, result.output
        return result

    def apply(self, config: Path, *args):
        result = self.run("apply", str(config), "--auto-approve", *args)
        assert result.exit_code == 0, result.output
        return result

    def records(self) -> dict[str, str]:
        return self.records_of("default")

    def records_of(self, workspace: str) -> dict[str, str]:
        store = StateStore(self.path / "state.db", workspace)
        try:
            return {a: r.id for a, r in store.read().resources.items()}
        finally:
            store.close()

    def cloud(self) -> dict[str, str]:
        """address → id of every top-level object the modeled cloud holds."""
        cloud = SimulatedCloud(self.path / "cloud.db")
        try:
            with cloud.store.reading() as tx:
                out = {}
                for r in tx.query("owner IS NULL"):
                    assert r.address not in out, f"two objects for {r.address}: {out[r.address]} and {r.id}"
                    out[r.address] = r.id
                return out
        finally:
            cloud.close()

    def converged(self, config: Path, *args):
        """State and cloud hold the same objects, each once, and nothing is left to do."""
        assert self.records() == self.cloud()
        plan = self.run("plan", str(config), "--detailed-exitcode", *args)
        assert plan.exit_code == 0, plan.output


VOLUMES = """
region "us-east-1" as primary {{
  ebs_volume data for n in [{names}] {{
    az = "us-east-1a"
    size = 20GiB
    {extra}
  }}
}}
"""


def _volumes(count: int, extra: str = "") -> str:
    return VOLUMES.format(names=", ".join(f'"v{i:03d}"' for i in range(count)), extra=extra)


def test_a_replacement_keeps_the_record_of_its_new_object(tmp_path):
    """Writing `encrypted = false` (volumes are encrypted by default) replaces a volume: the state must record the new one, and the
    next plan must find nothing to do (it once recorded nothing, and the next apply made a
    second volume, orphaning the first)."""
    f = Folder(tmp_path)
    config = f.write(_volumes(1))
    f.apply(config)
    old = f.records()["primary.data[v000]"]
    f.write(_volumes(1, "encrypted = false"))
    result = f.apply(config)
    assert "1 added, 0 changed, 1 destroyed" in result.output
    new = f.records()
    assert list(new) == ["primary.data[v000]"] and new["primary.data[v000]"] != old
    f.converged(config)


def test_sixty_replacements_in_one_apply_lose_nothing(tmp_path):
    """Many replacements finishing together share the journal's commits: none is lost."""
    f = Folder(tmp_path)
    config = f.write(_volumes(60))
    f.apply(config)
    f.write(_volumes(60, "encrypted = false"))
    f.apply(config, "--parallelism", "10")
    assert len(f.records()) == 60
    f.converged(config)


def test_replace_by_request_keeps_the_record(tmp_path):
    f = Folder(tmp_path)
    config = EXAMPLES / "ha_web.arch"
    f.apply(config)
    before = f.records()["primary.net.nat_gw[us-east-1a]"]
    result = f.apply(config, "--replace", "primary.net.nat_gw[us-east-1a]")
    assert "1 destroyed" in result.output
    assert f.records()["primary.net.nat_gw[us-east-1a]"] != before
    f.converged(config)


TARGET_GROUPS = """
region "us-east-1" as primary {{
  vpc main {{ cidr = 10.0.0.0/16 }}
  subnet a {{ vpc = main, cidr = 10.0.1.0/24, az = "us-east-1a", public = true }}
  subnet b {{ vpc = main, cidr = 10.0.2.0/24, az = "us-east-1b", public = true }}
  internet_gateway igw {{ vpc = main }}
  target_group behind {{
    vpc = main
    port = {port}
    protocol = HTTP
    lifecycle {{ create_before_destroy = true }}
  }}
  target_group plain {{ vpc = main, port = {port}, protocol = HTTP }}
  load_balancer web {{
    type = application
    subnets = [a, b]
    listener http {{ port = 80, protocol = HTTP, forward = behind }}
  }}
}}
"""


def test_two_target_groups_replaced_in_one_apply_are_both_recorded(tmp_path):
    """One create-before-destroy behind a listener, one plain, both replaced by a new port."""
    f = Folder(tmp_path)
    config = f.write(TARGET_GROUPS.format(port=8080))
    f.apply(config)
    f.write(TARGET_GROUPS.format(port=9090))
    f.apply(config)
    assert {"primary.behind", "primary.plain"} <= set(f.records())
    f.converged(config)


def test_a_crash_with_both_halves_of_a_replacement_pending_is_settled_once(tmp_path):
    """Killed after the cloud deleted the old volume and made the new one, before either was
    recorded: both pending records are settled — whatever order their ids sort in — leaving
    one record with the new id, and no duplicate on the next apply."""
    for delete_first in (True, False):
        folder = tmp_path / f"delete-first-{delete_first}"
        folder.mkdir()
        f = Folder(folder)
        config = f.write(_volumes(1))
        f.apply(config)
        store, cloud = StateStore(folder / "state.db"), SimulatedCloud(folder / "cloud.db")
        try:
            old = store.read().resources["primary.data[v000]"]
            ops = [{"address": old.address, "kind": "ebs_volume", "action": "delete", "provider_id": old.id,
                    "detail": {"address": old.address}},
                   {"address": old.address, "kind": "ebs_volume", "action": "create", "token": "crash/1",
                    "detail": {"address": old.address, "config": old.config, "deps": [], "lifecycle": {},
                               "region": "us-east-1", "name": "data", "key": "v000"}}]
            if not delete_first:
                ops.reverse()
            store.begin_many(ops)
            cloud.delete("ebs_volume", old.id)
            made = cloud.create("ebs_volume", old.address, "us-east-1", {**old.applied, "encrypted": False},
                                "crash/1")
            rec = reconcile(store.read(), cloud)
            persist_reconcile(store, rec)
            after = store.read()
            assert after.pending == [] and after.resources[old.address].id == made.id
        finally:
            store.close()
            cloud.close()
        f.write(_volumes(1, "encrypted = false"))
        f.apply(config)
        f.converged(config)


BUCKET = """
region "us-east-1" as primary {{
  s3_bucket logs {{
    bucket = "archform-trust-logs"
    versioning = false
    {lifecycle}
  }}
}}
"""


def test_after_a_refresh_the_plan_still_reverts_the_drift(tmp_path):
    f = Folder(tmp_path)
    config = f.write(BUCKET.format(lifecycle=""))
    f.apply(config)
    assert f.run("sim", "set", "archform-trust-logs", "versioning=true").exit_code == 0
    refreshed = f.run("refresh", str(config))
    assert refreshed.exit_code == 0 and "1 resource(s) updated in the state" in refreshed.output
    assert f.run("state", "show", "primary.logs").output.count('"versioning": true') == 2  # applied and config
    plan = f.run("plan", str(config), "--detailed-exitcode")
    assert plan.exit_code == 2, plan.output
    assert "~ versioning = true → false" in plan.output
    f.apply(config)
    f.converged(config)


def test_a_refreshed_drift_that_ignore_changes_covers_stays(tmp_path):
    f = Folder(tmp_path)
    config = f.write(BUCKET.format(lifecycle="lifecycle { ignore_changes = [versioning] }"))
    f.apply(config)
    f.run("sim", "set", "archform-trust-logs", "versioning=true")
    assert f.run("refresh", str(config)).exit_code == 0
    plan = f.run("plan", str(config), "--detailed-exitcode")
    assert plan.exit_code == 0, plan.output


def test_replace_of_an_unknown_address_is_an_error_that_suggests_the_right_one(tmp_path):
    f = Folder(tmp_path)
    config = f.write(_volumes(2))
    f.apply(config)
    result = f.run("plan", str(config), "--replace", "primary.dat[v000]")
    assert result.exit_code == 1
    assert "--replace primary.dat[v000]: no such resource" in result.output
    assert "did you mean 'primary.data[v000]'?" in result.output


def test_sim_list_orphans_shows_what_no_state_records(tmp_path):
    f = Folder(tmp_path)
    config = f.write(_volumes(2))
    f.apply(config)
    assert f.run("sim", "list", "--orphans", "--state", str(tmp_path / "state.db")).output == ""
    victim = f.records()["primary.data[v001]"]
    assert f.run("state", "rm", "primary.data[v001]").exit_code == 0
    listed = f.run("sim", "list", "--orphans", "--state", str(tmp_path / "state.db"))
    assert victim in listed.output and f.records()["primary.data[v000]"] not in listed.output


ELASTIC_IP = """
region "us-east-1" as primary {{
  vpc main {{ cidr = 10.0.0.0/16 }}
  subnet a {{ vpc = main, cidr = 10.0.1.0/24, az = "us-east-1a" }}
  instance web {{ subnet = a, ami = "{ami}", instance_type = t3.micro }}
  elastic_ip ip {{ instance = web }}
}}
"""


class _RefusingUpdates:
    """The modeled cloud, refusing every update (an apply stops after its creates and deletes)."""

    def __init__(self, cloud):
        self._cloud = cloud

    def __getattr__(self, name):
        return getattr(self._cloud, name)

    def update(self, kind, id, attrs, changed=()):
        from archform.providers.base import ProviderError
        raise ProviderError("the test refuses updates", code="Throttling")


def test_what_failed_to_move_onto_a_replacement_moves_on_the_next_apply(tmp_path):
    """The instance is replaced and the Elastic IP's update onto the new one fails: the next plan
    must still move the address (it once compared the configuration only, found it unchanged,
    and left the IP on an instance that no longer exists)."""
    from archform.dsl.resolve import resolve_text
    from archform.planner.apply import apply_plan
    from archform.planner.planning import make_plan
    f = Folder(tmp_path)
    config = f.write(ELASTIC_IP.format(ami="ami-0a1b2c3d4e5f60718"))
    f.apply(config)
    text = ELASTIC_IP.format(ami="ami-0123456789abcdef0")
    config.write_text(text)
    store, cloud = StateStore(tmp_path / "state.db"), SimulatedCloud(tmp_path / "cloud.db")
    try:
        desired, _ = resolve_text(text, str(config))
        plan, _ = make_plan(desired, store.read(), cloud)
        result = apply_plan(plan, store, _RefusingUpdates(cloud))
        assert [r.address for r in result.failed] == ["primary.ip"]
        plan, _ = make_plan(desired, store.read(), cloud)
        planned = {c.address: c for c in plan.changes if c.action.value != "no-op"}
        assert list(planned) == ["primary.ip"] and planned["primary.ip"].changed == ("instance",)
    finally:
        store.close()
        cloud.close()
    f.apply(config)
    cloud = SimulatedCloud(tmp_path / "cloud.db")
    try:
        ip = cloud.read("elastic_ip", f.records()["primary.ip"])
        assert ip.attrs["instance"] == f.records()["primary.web"]
    finally:
        cloud.close()
    f.converged(config)


def test_moved_statements_chain_and_carry_what_refresh_found(tmp_path):
    """`a -> b` and `b -> c` written between two applies move the record from a to c; and a
    resource deleted outside archform before its rename is made again under its new name."""
    f = Folder(tmp_path)
    base = 'region "us-east-1" as primary {{\n  s3_bucket {name} {{ bucket = "{bucket}" }}\n}}\n{moved}'
    config = f.write(base.format(name="a", bucket="archform-trust-chain", moved=""))
    f.apply(config)
    f.write(base.format(name="c", bucket="archform-trust-chain",
                        moved="moved primary.a -> primary.b\nmoved primary.b -> primary.c\n"))
    plan = f.run("plan", str(config), "--summary")
    assert plan.exit_code == 0 and "0 to add, 0 to change, 0 to replace, 0 to destroy" in plan.output, plan.output
    f.apply(config)
    assert list(f.records()) == ["primary.c"]
    assert f.run("sim", "delete", "archform-trust-chain").exit_code == 0
    f.write(base.format(name="d", bucket="archform-trust-chain", moved="moved primary.c -> primary.d\n"))
    plan = f.run("plan", str(config), "--detailed-exitcode")
    assert plan.exit_code == 2 and "1 to add" in plan.output, plan.output
    f.apply(config)
    f.converged(config)


SAME_NAMES = """
use "./regional" as regional

region "us-east-1" as east {
  regional site {}
}

region "eu-west-1" as west {
  regional site {}
}
"""

# one module, the same explicit names in every region it is used in: what a multi-region
# architecture does (names unique per region in AWS: two regions, two resources each)
REGIONAL = """
log_group app {
  name      = "/shop/app"
  retention = 30d
}

ssm_parameter url {
  name  = "/shop/prod/url"
  value = "https://shop.example.com"
}

kinesis_stream clicks {
  name = "shop-clicks"
}

keyspaces_keyspace shop {
  name = "shop"
}

keyspaces_table orders {
  keyspace      = shop
  name          = "orders"
  columns       = { id = text, at = timestamp }
  partition_key = [id]
}

cloudwatch_alarm hot {
  name      = "shop-hot"
  namespace = "Shop"
  metric    = "Errors"
  threshold = 10
}
"""


def test_the_same_names_in_two_regions_are_two_resources_each(tmp_path):
    """The same log group, parameter, stream, keyspace, table and alarm names in us-east-1 and
    eu-west-1 are twelve resources (it once stopped apply half-way with an internal error: the
    modeled cloud keyed them by name alone), and destroy removes all twelve."""
    f = Folder(tmp_path)
    f.write(REGIONAL, "regional.arch")
    config = f.write(SAME_NAMES)
    result = f.apply(config)
    assert "12 added" in result.output
    ids = f.records()
    assert len(ids) == len(set(ids.values())) == 12
    assert ids["east.site.app"] == "arn:aws:logs:us-east-1:123456789012:log-group:/shop/app"
    assert ids["west.site.app"] == "arn:aws:logs:eu-west-1:123456789012:log-group:/shop/app"
    f.converged(config)
    again = f.run("apply", str(config), "--auto-approve")
    assert again.exit_code == 0 and "No changes" in again.output
    gone = f.run("destroy", str(config), "--auto-approve")
    assert gone.exit_code == 0, gone.output
    assert f.records() == {} and f.cloud() == {}


def test_import_by_a_regional_name_suggests_the_arn(tmp_path):
    """A log group is known by its ARN (its name is unique only in its region): importing it by
    name is refused with the command that works, which adopts it."""
    f = Folder(tmp_path)
    f.write(REGIONAL, "regional.arch")
    config = f.write(SAME_NAMES)
    f.apply(config)
    assert f.run("state", "rm", "west.site.app").exit_code == 0
    by_name = f.run("import", "west.site.app", "/shop/app", str(config))
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/shop/app"
    assert by_name.exit_code == 1
    assert by_name.output == ("error: the provider has no log_group with id /shop/app\n  = help: a log_group is known "
                              "by its ARN (its name is unique only in its region or parent): "
                              f"`archform import west.site.app {arn}`\n")
    # a parameter's name begins with '/', its ARN has 'parameter/shop/…'
    assert f.run("state", "rm", "west.site.url").exit_code == 0
    hint = f.run("import", "west.site.url", "/shop/prod/url", str(config)).output
    assert "`archform import west.site.url arn:aws:ssm:eu-west-1:123456789012:parameter/shop/prod/url`" in hint
    # the other region's log group is not this address's: refused, not recorded under the wrong region
    east_arn = arn.replace("eu-west-1", "us-east-1")
    assert f.run("state", "rm", "east.site.app").exit_code == 0
    wrong = f.run("import", "west.site.app", east_arn, str(config))
    assert wrong.exit_code == 1 and wrong.output.startswith(
        f"error: {east_arn} is in us-east-1, but 'west.site.app' is declared in eu-west-1")
    assert f.run("import", "east.site.app", east_arn, str(config)).exit_code == 0
    assert f.run("import", "west.site.app", arn, str(config)).exit_code == 0
    assert f.run("import", "west.site.url", hint.split("`")[1].split()[-1], str(config)).exit_code == 0
    f.converged(config)


def test_a_child_imported_before_its_parent_refers_to_it_once_the_parent_is_imported(tmp_path):
    """Importing a Keyspaces table before its keyspace recorded the keyspace's id in the table;
    when the keyspace was imported, the table's record still held the id, not a reference, and
    the plan replaced the table. Importing the parent now rewrites what names it."""
    f = Folder(tmp_path)
    f.write(REGIONAL, "regional.arch")
    config = f.write(SAME_NAMES)
    f.apply(config)
    ids = f.records()
    for address in ("west.site.orders", "west.site.shop"):
        assert f.run("state", "rm", address).exit_code == 0
    for address in ("west.site.orders", "west.site.shop"):  # the child first
        assert f.run("import", address, ids[address], str(config)).exit_code == 0
    f.converged(config)


def test_create_before_destroy_keeping_a_unique_name_is_refused_at_plan(tmp_path):
    """Replacing a log group named "/x/y" with create_before_destroy made the new copy first,
    which AWS refuses (the old one has the name): apply failed half-way. The plan says so; giving
    the new copy another name in the same change is fine."""
    f = Folder(tmp_path)
    body = '''region "us-east-1" as east {{
  log_group a {{
    name      = "{name}"
    {extra}
    lifecycle {{
      create_before_destroy = true
    }}
  }}
}}
'''
    config = f.write(body.format(name="/x/y", extra=""))
    f.apply(config)
    f.write(body.format(name="/x/y", extra="log_class = INFREQUENT_ACCESS"))
    plan = f.run("plan", str(config))
    assert plan.exit_code == 1
    assert ("error: east.a: create_before_destroy makes the new copy while the old one still has the name '/x/y', "
            "and AWS refuses a second log_group of that name") in plan.output
    f.write(body.format(name="/x/y2", extra="log_class = INFREQUENT_ACCESS"))
    assert "1 added, 0 changed, 1 destroyed" in f.apply(config).output
    f.converged(config)


def _log_groups(**names) -> str:
    groups = "".join(f'  log_group {r} {{\n    name = "{n}"\n  }}\n' for r, n in names.items())
    return f'region "us-east-1" as east {{\n{groups}}}\n'


def test_a_name_is_taken_only_after_the_object_that_had_it_is_gone(tmp_path):
    """Two log groups swapping names, and a new one taking the name of one removed: each create
    waits for the delete that frees its name (they raced, and the first apply failed half-way)."""
    f = Folder(tmp_path)
    config = f.write(_log_groups(a="/swap/1", b="/swap/2"))
    f.apply(config)
    f.write(_log_groups(a="/swap/2", b="/swap/1"))
    assert "2 added, 0 changed, 2 destroyed" in f.apply(config, "--parallelism", "10").output
    f.converged(config)
    f.write(_log_groups(c="/swap/1", d="/swap/2"))
    assert "2 added, 0 changed, 2 destroyed" in f.apply(config, "--parallelism", "10").output
    f.converged(config)


PROTECTED = """
region "eu-west-1" as primary {{
  sqs_queue orders {{
    retention = 4d
    lifecycle {{
      prevent_destroy = {flag}
    }}
  }}
}}
"""


def test_prevent_destroy_turned_off_lets_the_resource_go(tmp_path):
    """Setting prevent_destroy = false was a plan of "No changes" that recorded nothing: destroy
    and removing the block were still refused, and only --replace (losing the data) got out.
    destroy now follows the configuration, and apply records the lifecycle changed on its own."""
    f = Folder(tmp_path)
    config = f.write(PROTECTED.format(flag="true"))
    f.apply(config)
    assert f.run("destroy", str(config), "--auto-approve").exit_code == 1
    f.write(PROTECTED.format(flag="false"))
    serial = StateStore(tmp_path / "state.db").read().serial
    assert f.run("plan", str(config)).exit_code == 0
    assert StateStore(tmp_path / "state.db").read().serial == serial  # a plan records nothing
    assert "No changes" in f.apply(config).output
    f.write('region "eu-west-1" as primary {\n}\n')
    assert "1 destroyed" in f.apply(config).output
    f.write(PROTECTED.format(flag="true"))
    f.apply(config)
    f.write(PROTECTED.format(flag="false"))
    gone = f.run("destroy", str(config), "--auto-approve")
    assert gone.exit_code == 0 and "1 destroyed" in gone.output
    assert f.records() == {} and f.cloud() == {}


def test_a_lifecycle_changed_beside_other_changes_is_recorded_too(tmp_path):
    """The same `prevent_destroy = false`, applied in one apply with an unrelated change: the
    apply records the lifecycle as it ends, so removing the block afterwards destroys it."""
    f = Folder(tmp_path)
    config = f.write(PROTECTED.format(flag="true"))
    f.apply(config)
    f.write(PROTECTED.format(flag="false").replace("  sqs_queue orders", "  sqs_queue audit {}\n  sqs_queue orders"))
    assert "1 added, 0 changed, 0 destroyed" in f.apply(config).output
    f.write('region "eu-west-1" as primary {\n}\n')
    assert "2 destroyed" in f.apply(config).output
    assert f.records() == {} and f.cloud() == {}


def test_drift_in_a_block_shows_the_field_that_changed_and_nothing_else(tmp_path):
    """`sim set ASG launch.instance_type=m5.xlarge`: the drift report named the whole `launch`
    block on one line, and the plan showed its unchanged security groups as changed (the
    provider's ids against the configuration's references)."""
    f = Folder(tmp_path)
    config = tmp_path / "ha_web.arch"
    config.write_text((EXAMPLES / "ha_web.arch").read_text())
    f.apply(config)
    fleet = f.records()["primary.web_fleet"]
    assert f.run("sim", "set", fleet, "launch.instance_type=m5.xlarge").exit_code == 0
    out = f.run("plan", str(config)).output
    assert '      launch.instance_type = "m5.large" → "m5.xlarge"\n' in out
    assert '~ instance_type       = "m5.xlarge" → "m5.large"' in out
    assert "security_groups" not in out and "sg-" not in out


def test_import_with_the_path_first_says_the_order():
    """`archform import main.arch ADDR ID` (the path first, as other commands take it) once said
    "no such file or directory: <ID>"."""
    result = CliRunner().invoke(main, ["import", "main.arch", "east.site.app", "arn:aws:logs:x"])
    assert result.exit_code == 1
    assert result.output == ("error: 'main.arch' is a path, but import takes ADDRESS ID [PATH]: "
                             "archform import east.site.app arn:aws:logs:x main.arch\n")


def test_refresh_forgets_the_outputs_of_what_it_forgets(tmp_path):
    """A queue deleted outside archform: refresh forgot its record but `archform output` still
    gave its URL. The outputs now read what is recorded."""
    f = Folder(tmp_path)
    config = tmp_path / "queue_workers.arch"
    config.write_text((EXAMPLES / "queue_workers.arch").read_text())
    f.apply(config)
    assert f.run("output", "dead_letters").output.startswith("https://sqs.")
    assert f.run("sim", "delete", f.records()["primary.failed_orders"]).exit_code == 0
    assert f.run("refresh", str(config), input="yes\n").exit_code == 0
    assert f.run("output", "dead_letters").output.strip() == "null"
    assert f.run("output", "queue").output.startswith("https://sqs.")


_ALARMS = '''region "us-east-1" as east {{
  cloudwatch_alarm errors {{
    name      = "shop-errors"
    metric    = "Errors"
    namespace = "Shop"
    threshold = 1
  }}
{more}}}
'''


def test_a_composite_alarm_takes_the_name_of_a_metric_alarm_only_after_it_is_gone(tmp_path):
    """Metric and composite alarms share one namespace of names: a composite alarm given the name
    of a metric alarm removed in the same apply waited for nothing, and was refused half-way."""
    f = Folder(tmp_path)
    config = f.write(_ALARMS.format(more='''  cloudwatch_alarm a_hot {
    name      = "shop-hot"
    metric    = "Latency"
    namespace = "Shop"
    threshold = 1
  }
'''))
    f.apply(config)
    f.write(_ALARMS.format(more='''  composite_alarm a_hot_and_failing {
    name   = "shop-hot"
    alarms = [errors]
  }
'''))
    assert "1 added, 0 changed, 1 destroyed" in f.apply(config, "--parallelism", "10").output
    f.converged(config)


_STACKS = '''use "./stack" as stack

region "eu-west-1" as standby {{
  stack {name} {{ cidr = 10.1.0.0/16 }}
  queue {queues} for q in ["orders", "refunds"] {{
    retention = 4d
  }}
}}
output orders = standby.{queues}["orders"].arn
{moved}'''


def test_moving_a_whole_module_instance_or_for_collection_moves_what_is_under_it(tmp_path):
    """`moved standby.stack -> standby.core` (a module instance renamed) and `moved standby.jobs
    -> standby.work` (a `for` collection renamed) matched no recorded address and were ignored:
    the plan destroyed and made again everything under them, a database among them. Each
    resource under the old name now moves, its path or key kept; a chain of such moves too."""
    f = Folder(tmp_path)
    f.write('param cidr: cidr\nvpc net { cidr = cidr }\nsqs_queue inbox { retention = 4d }\n', "stack.arch")
    config = f.write(_STACKS.format(name="stack", queues="jobs", moved="").replace("queue ", "sqs_queue "))
    f.apply(config)
    before = f.records()
    assert {"standby.stack.net", "standby.stack.inbox", 'standby.jobs[orders]'} <= set(before)
    f.write(_STACKS.format(name="core", queues="work", moved="moved standby.stack -> standby.core\n"
                           "moved standby.jobs -> standby.work\n").replace("queue ", "sqs_queue "))
    plan = f.run("plan", str(config))
    assert plan.exit_code == 0, plan.output
    assert "# standby.stack.net has moved to standby.core.net" in plan.output
    assert '# standby.jobs[refunds] has moved to standby.work[refunds]' in plan.output
    assert "0 to add, 0 to change, 0 to replace, 0 to destroy" in plan.output
    assert "Changes to outputs" not in plan.output  # the output reads the same queue, moved
    f.apply(config)
    after = f.records()
    assert sorted(after.values()) == sorted(before.values())  # the same objects, under their new names
    assert after["standby.core.net"] == before["standby.stack.net"]
    assert sorted(f.records().values()) == sorted(f.cloud().values())
    assert f.run("plan", str(config), "--detailed-exitcode").exit_code == 0
    # renamed again, with the old statements kept beside the new (a chain)
    f.write(_STACKS.format(name="edge", queues="work", moved="moved standby.stack -> standby.core\n"
                           "moved standby.core -> standby.edge\n").replace("queue ", "sqs_queue "))
    assert "0 added, 0 changed, 0 destroyed" in f.apply(config).output
    assert f.records()["standby.edge.inbox"] == before["standby.stack.inbox"]
    assert sorted(f.records().values()) == sorted(f.cloud().values())
    assert f.run("plan", str(config), "--detailed-exitcode").exit_code == 0


_TARGETED = '''region "us-east-1" as p {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = "us-east-1a" }
  security_group sg { vpc = main }
  s3_bucket logs { bucket = "acme-tgt-logs" }
}
output vpc_id = p.main.id
output bucket = p.logs.id
'''


def test_a_targeted_destroy_takes_what_depends_on_the_target_never_what_it_depends_on(tmp_path):
    """`destroy --target p.a` (a subnet) also destroyed the VPC it is in; `--target p.main` (the
    VPC) left its subnet and security group, and the cloud refused (DependencyViolation); and a
    targeted destroy dropped every output. Terraform's `destroy -target X` destroys X and what
    depends on X, and keeps the outputs."""
    f = Folder(tmp_path)
    config = f.write(_TARGETED)
    f.apply(config)
    gone = f.run("destroy", str(config), "--target", "p.a", "--auto-approve")
    assert gone.exit_code == 0 and "1 destroyed" in gone.output, gone.output
    assert set(f.records()) == {"p.main", "p.sg", "p.logs"}
    plan = f.run("plan", str(config), "--destroy", "--target", "p.main")
    assert "0 to add, 0 to change, 0 to replace, 2 to destroy" in plan.output  # the VPC and its group
    gone = f.run("destroy", str(config), "--target", "p.logs", "--auto-approve")
    assert gone.exit_code == 0 and "1 destroyed" in gone.output, gone.output
    assert set(f.records()) == {"p.main", "p.sg"} and sorted(f.records().values()) == sorted(f.cloud().values())
    outputs = json.loads(f.run("output", "--json").output)
    assert outputs["vpc_id"].startswith("vpc-") and outputs["bucket"] is None
    gone = f.run("destroy", str(config), "--target", "p.main", "--auto-approve")
    assert gone.exit_code == 0 and "2 destroyed" in gone.output, gone.output
    assert f.records() == {} and f.cloud() == {}


def test_import_refuses_what_another_workspace_manages(tmp_path):
    """`archform import` in `default` of a bucket the `staging` workspace manages succeeded, and
    default's next apply replaced it: staging's bucket was deleted while staging still recorded
    it. One object has one owner."""
    f = Folder(tmp_path)
    config = f.write('region "us-east-1" as primary {\n  s3_bucket data { bucket = "acme-staging-data" }\n}\n')
    f.apply(config, "-w", "staging")
    (bucket,) = f.records_of("staging").values()
    other = tmp_path / "other.arch"
    other.write_text('region "us-east-1" as extra {\n  s3_bucket copy { bucket = "acme-other-data" }\n}\n')
    imported = f.run("import", "extra.copy", bucket, str(other))
    assert imported.exit_code == 1
    assert imported.output.endswith(f"error: {bucket} is already managed by workspace 'staging' as 'primary.data'\n"
                               "  = help: a resource has one owner: import it in 'staging' (or first "
                               "`archform state rm primary.data -w staging`)\n")
    assert "note: workspace 'default' is new: this state has staging" in imported.output  # no -w: said
    assert f.records() == {} and list(f.cloud().values()) == [bucket]


def test_a_saved_plan_is_applied_as_planned_or_not_at_all(tmp_path):
    """`apply PLANFILE -p env=prod --target X` applied the whole saved plan and said nothing: a
    CI script believed it had applied something else. Flags that would change a plan are
    refused with a saved one, as Terraform does; a plan for another workspace names the flag
    that applies it there, and neither touches (or makes) the state."""
    f = Folder(tmp_path)
    config = f.write(_TARGETED)
    saved = tmp_path / "st.plan"
    assert f.run("plan", str(config), "-w", "staging", "--out", str(saved)).exit_code == 0
    for extra in (["-p", "env=prod"], ["--target", "p.main"], ["--replace", "p.main"], ["--no-refresh"]):
        refused = f.run("apply", str(saved), "-w", "staging", "--auto-approve", *extra)
        assert refused.exit_code == 1 and "cannot be given with a saved plan" in refused.output, refused.output
    refused = f.run("destroy", str(saved), "-w", "staging", "--auto-approve")
    assert refused.exit_code == 1 and "a saved plan is applied with `archform apply FILE`" in refused.output
    fresh = tmp_path / "fresh.db"
    wrong = CliRunner().invoke(main, ["apply", str(saved), "--auto-approve", "--state", str(fresh)])
    assert wrong.exit_code == 1 and wrong.output.endswith(
        f"error: the plan is for workspace 'staging', not 'default'\n  apply it there: archform apply {saved} "
        "-w staging\n")
    assert not fresh.exists()
    stale = CliRunner().invoke(main, ["apply", str(saved), "-w", "staging", "--auto-approve", "--state", str(fresh)])
    assert stale.exit_code == 1 and f"error: saved plan is stale: there is no state at {fresh}" in stale.output
    assert not fresh.exists()  # a refused plan leaves no state behind
    assert f.records_of("staging") == {} and f.cloud() == {}
    assert "4 added" in f.run("apply", str(saved), "-w", "staging", "--auto-approve").output


def test_a_mistyped_workspace_is_said_and_reading_one_that_does_not_exist_is_an_error(tmp_path):
    """`plan -w prdo` quietly planned everything anew, and `state list -w nosuch` and `output -w
    nosuch` printed nothing with exit 0: a CI script could not tell a typo from an empty state."""
    f = Folder(tmp_path)
    config = f.write(_TARGETED)
    f.apply(config, "-w", "prod")
    typo = f.run("plan", str(config), "-w", "prdo")
    assert "note: workspace 'prdo' is new: this state has prod; did you mean 'prod'?\n" in typo.output
    assert "note: workspace" not in f.run("plan", str(config), "-w", "prod").output
    for command in (["state", "list"], ["state", "history"], ["state", "pull"], ["output"]):
        missing = f.run(*command, "-w", "nosuch")
        assert missing.exit_code == 1, (command, missing.output)
        assert "has no workspace 'nosuch'" in missing.output and "its workspaces: prdo, prod" in missing.output
    assert f.run("state", "list", "-w", "prod").exit_code == 0
    # the workspace the typo made goes; one that still records resources stays
    state = ["--state", str(tmp_path / "state.db")]
    assert f.run("workspace", "delete", "prdo", *state, where=False).output == "Deleted workspace 'prdo'.\n"
    assert f.run("workspace", "list", *state, where=False).output == "prod\n"
    refused = f.run("workspace", "delete", "prod", *state, where=False)
    assert refused.exit_code == 1 and "workspace 'prod' still records resources" in refused.output
    assert len(f.records_of("prod")) == 4


def test_plan_format_json_gives_its_errors_and_warnings_as_json(tmp_path):
    """`plan --format json` printed its errors as text on stderr and nothing on stdout: a CI
    script parsing stdout got nothing to parse. The errors are JSON on stdout (exit 1), as
    `validate --format json` gives them; the warnings of a plan are in its document."""
    f = Folder(tmp_path)
    config = f.write(_TARGETED + "moved p.old -> p.mian\n")
    broken = f.run("plan", str(config), "--format", "json")
    assert broken.exit_code == 1
    doc = json.loads(broken.stdout)
    assert doc["errored"] is True and doc["error_count"] == 1 and doc["applyable"] is False
    assert [d["summary"] for d in doc["diagnostics"]] == ["moved target 'p.mian' is not declared"]
    assert doc["diagnostics"][0]["help"] == "did you mean 'p.main'?"
    f.write(_TARGETED.replace('vpc main { cidr = 10.0.0.0/16 }', 'vpc main { cidr = 10.0.0.0/16 }\n'
                              '  timestream_database metrics {}'))
    fine = f.run("plan", str(config), "--format", "json")
    doc = json.loads(fine.stdout)
    assert fine.exit_code == 0 and doc["errored"] is False
    assert [d["severity"] for d in doc["diagnostics"]] == ["warning"]
    assert "Timestream for LiveAnalytics is in maintenance mode" in doc["diagnostics"][0]["summary"]


def test_state_list_history_and_workspace_list_speak_json_for_scripts(tmp_path):
    """`state list`, `state history` and `workspace list` had only tab-separated text."""
    f = Folder(tmp_path)
    config = f.write(_TARGETED)
    f.apply(config, "-w", "prod")
    listed = json.loads(f.run("state", "list", "-w", "prod", "--format", "json").output)
    assert [(r["address"], r["kind"], r["status"]) for r in listed] == [
        ("p.a", "subnet", "ok"), ("p.logs", "s3_bucket", "ok"), ("p.main", "vpc", "ok"), ("p.sg", "security_group", "ok")]
    assert sorted(r["id"] for r in listed) == sorted(f.cloud().values())
    history = json.loads(f.run("state", "history", "-w", "prod", "--format", "json").output)
    assert [(h["serial"], h["reason"]) for h in history] == [(1, "apply")]
    names = f.run("workspace", "list", "--format", "json", where=False, *["--state", str(tmp_path / "state.db")])
    assert json.loads(names.output) == ["prod"]


def test_a_state_file_that_is_not_its_backups_lineage_is_said_with_the_way_back(tmp_path):
    """Another state's state.db copied over this folder's, its backups still beside it: plan ran
    in silence and planned to replace the other state's VPC. It is said first, with the way back
    (move the file aside, restore the newest backup), which then plans no change."""
    mine, theirs = Folder(tmp_path / "mine"), Folder(tmp_path / "theirs")
    for f, bucket in ((mine, "acme-mine-logs"), (theirs, "acme-their-logs")):
        f.path.mkdir()
        f.apply(f.write(_TARGETED.replace("acme-tgt-logs", bucket)))
    (mine.path / "state.db").write_bytes((theirs.path / "state.db").read_bytes())
    plan = mine.run("plan", str(mine.path / "main.arch"))
    assert "is not the one its backups beside it keep" in plan.output
    assert "move it aside, then `archform state restore --serial 1`" in plan.output
    (mine.path / "state.db").rename(tmp_path / "aside.db")
    restored = CliRunner().invoke(main, ["state", "restore", "--serial", "1", "--state", str(mine.path / "state.db")])
    assert restored.exit_code == 0, restored.output
    again = mine.run("plan", str(mine.path / "main.arch"), "--detailed-exitcode")
    assert again.exit_code == 0 and "backups beside it" not in again.output
