"""The read side of Kinesis streams in the workload simulation (notes §14.3: a shard gives
2 MB/s out): standard readers share it (and the shard's 5 reads a second), an enhanced fan-out
reader has 2 MB/s per shard of its own, a Lambda reader's function may be slower still; a reader
that cannot keep up shows its iterator age growing, and one that stopped catches up. Its rules
(fan_out, per_record, 20 fan-out consumers) as diagnostics, and fan-out in CloudFormation."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from archform.providers.simulated.chaos import figures
from archform.providers.simulated.chaos.faults import FaultSpec
from archform.providers.simulated.chaos.loops import stream_reads
from chaosbench import chaos, events, service

CASE = Path(__file__).parent / "chaos_cases" / "stream_reads.arch"
AT, LENGTH = 60.0, 300.0


@pytest.fixture(scope="module")
def doc():
    return chaos("stream_reads.arch", FaultSpec("az:us-east-1a", AT, LENGTH), duration=1800)


def _readers(doc) -> dict:
    return {r["address"]: r for s in doc["streams"] for r in s["readers"]}


def test_standard_readers_share_the_shards_2_mb_a_second_and_fall_behind(doc):
    """2 shards give 4 MB/s out; three standard readers get 4/3 MB/s each: 1,302 records/s of
    1 KiB, less than the 1,500/s written, so each one's iterator age grows all run."""
    readers = _readers(doc)
    share = 2 * figures.KINESIS_SHARD_OUT_BYTES / 3 / 1024
    for name in ("primary.billing", "primary.search", "primary.shipping"):
        r = readers[name]
        assert r["read"] == pytest.approx(share * 1800, rel=1e-6)
        behind = 1800 - r["read"] / 1500  # seconds of writes not read by the end
        assert r["iterator_age_at_end_seconds"] == pytest.approx(behind, abs=figures.WORKLOAD_TICK_SECONDS)
        (grows,) = events(doc, "kinesis.iterator_age", name)
        assert "1,302 records/s of the 1,500/s" in grows["detail"] and "with 2 other readers" in grows["detail"]
        assert not events(doc, "kinesis.caught_up", name)
        reads = service(doc, name, "reads")
        assert reads["served_fraction"] == pytest.approx(share / 1500, rel=1e-3)


def test_an_enhanced_fan_out_reader_has_2_mb_a_second_per_shard_of_its_own(doc):
    fraud = _readers(doc)["primary.fraud"]
    assert fraud["fan_out"] is True and fraud["read"] == 1500 * 1800
    assert fraud["iterator_age_peak_seconds"] == 0.0
    assert not events(doc, "kinesis.iterator_age", "primary.fraud")


def test_a_slow_function_holds_its_reader_back_unless_it_takes_more_batches_at_once(doc):
    """5 ms a record, one batch per shard at a time: 200 records/s of the 500 written; at
    parallelization 3, 600 records/s: it keeps up."""
    readers = _readers(doc)
    assert readers["primary.audit_slow"]["read"] == 200 * 1800
    (grows,) = events(doc, "kinesis.iterator_age", "primary.audit_slow")
    assert "1 batch at once of 5 ms a record" in grows["detail"]
    assert readers["primary.audit_slow"]["iterator_age_at_end_seconds"] == pytest.approx(1800 - 200 * 1800 / 500,
                                                                                         abs=10)
    assert readers["primary.audit_fast"]["read"] == 500 * 1800
    assert readers["primary.audit_fast"]["iterator_age_peak_seconds"] == 0.0


def test_a_reader_that_stops_with_its_az_falls_behind_then_catches_up(doc):
    """The archiver runs in one subnet of us-east-1a: for the 5 minutes the AZ is down it reads
    nothing (the stream keeps taking records), then reads 2,000/s against 500/s written: the
    150,000 records behind take 100 s more."""
    (grows,) = events(doc, "kinesis.iterator_age", "primary.archive")
    assert AT < grows["t"] <= AT + 3 * figures.WORKLOAD_TICK_SECONDS and "it does not answer" in grows["detail"]
    (caught,) = events(doc, "kinesis.caught_up", "primary.archive")
    assert AT + LENGTH + 90 <= caught["t"] <= AT + LENGTH + 110 + figures.WORKLOAD_TICK_SECONDS
    archive = _readers(doc)["primary.archive"]
    assert archive["read"] == 500 * 1800 and archive["iterator_age_at_end_seconds"] == 0.0
    assert LENGTH - figures.WORKLOAD_TICK_SECONDS <= archive["iterator_age_peak_seconds"] <= LENGTH + 10


def test_the_report_text_names_each_reader_and_how_far_behind_it_fell():
    from click.testing import CliRunner
    from archform.planner.cli import main
    result = CliRunner().invoke(main, ["chaos", str(CASE), "--fail", "az:us-east-1a", "--for", "5m",
                                       "--duration", "30m"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "    read by primary.fraud (enhanced fan-out): 2,700,000 read, kept up throughout" in result.output
    assert "    read by primary.archive: 900,000 read, iterator age at most" in result.output
    assert "kinesis.caught_up" in result.output


def test_the_same_seed_gives_the_same_reads():
    one = chaos("stream_reads.arch", "az:us-east-1b", duration=600, seed=4)
    two = chaos("stream_reads.arch", "az:us-east-1b", duration=600, seed=4)
    assert one["streams"] == two["streams"]


def test_records_older_than_the_retention_expire_unread():
    logged = []
    sim = SimpleNamespace(log=lambda event, subject, detail: logged.append((event, subject, detail)))
    world = SimpleNamespace(region_up=lambda region: True,
                            serverless=SimpleNamespace(capacity=lambda id: 0.0))  # the reader does not answer
    rec = SimpleNamespace(id="esm", kind="lambda_event_source", address="primary.late", attrs={"function": None})
    world.records = {}
    reader = stream_reads.Reader(rec, world, None)
    stream = SimpleNamespace(region="us-east-1", address="primary.s", attrs={"retention": "24h"})
    intake = SimpleNamespace(readers=[reader], stream=stream, shards=1.0, record_bytes=100.0)
    for hour in range(26):
        stream_reads.read(intake, sim, world, hour * 3600.0, 10.0, 1000.0)
    assert reader.expired == 1000.0  # the record of hour 0 is older than 24 h at hour 25
    assert reader.backlog() == 25 * 1000.0
    assert [e for e, *_ in logged] == ["kinesis.iterator_age", "kinesis.expired"]


# --- the rules ------------------------------------------------------------------------------------

BASE = '''region "us-east-1" as primary {
  kinesis_stream clicks {}

  sqs_queue jobs {}

  lambda_function fn for n in [%(names)s] {
    runtime = python3.12
    handler = "app.handle"
    role    = fn_role

    code {
      file = "fn.zip"
    }
  }
%(body)s
}

iam_role fn_role {
  assumed_by = [lambda]
  policies   = ["service-role/AWSLambdaKinesisExecutionRole", "service-role/AWSLambdaSQSQueueExecutionRole"]
}
'''


def _mapping(n: int, source: str = "clicks", extra: str = "") -> str:
    position = "\n    starting_position = latest" if source == "clicks" else ""
    return (f'\n  lambda_event_source m{n} {{\n    source   = {source}\n    function = fn["f{n}"]{position}'
            f'\n    fan_out  = true{extra}\n  }}\n')


def diagnose(body: str, functions: int = 1):
    names = ", ".join(f'"f{i}"' for i in range(functions))
    _, diags = resolve_text(BASE % {"names": names, "body": body}, "main.arch")
    return [d for d in diags if d.is_error]


LIMITS = {
    "fan_out_from_a_queue": (_mapping(0, "jobs"), 1),
    "more_than_20_fan_out_consumers": ("".join(_mapping(i) for i in range(21)), 21),
    "per_record_on_a_queue_workload": ('\n  workload w {\n    source     = jobs\n    rate       = 10\n'
                                       '    consumer   = m0\n    per_record = 5ms\n  }\n'
                                       '\n  lambda_event_source m0 {\n    source   = jobs\n    function = fn["f0"]\n  }\n',
                                       1),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    body, functions = LIMITS[case]
    found = diagnose(body, functions)
    assert len(found) == 1, [d.summary for d in found]
    assert render(found[0]) == snapshot


def test_twenty_fan_out_consumers_are_allowed():
    assert diagnose("".join(_mapping(i) for i in range(20)), 20) == []


def test_a_fan_out_mapping_reads_through_a_stream_consumer_of_its_own(tmp_path):
    from cfnlint.api import ManualArgs, lint_file
    from archform.providers.cloudformation import generate
    from archform.providers.cloudformation.write import write
    source = tmp_path / "fan.arch"
    source.write_text(BASE % {"names": '"f0"', "body": _mapping(0)})
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    (body,) = [b for _, b in result.templates]
    res = body["Resources"]
    consumer = res["PrimaryM0Consumer"]
    assert consumer["Type"] == "AWS::Kinesis::StreamConsumer"
    assert consumer["Properties"] == {"StreamARN": {"Fn::GetAtt": ["PrimaryClicks", "Arn"]},
                                      "ConsumerName": "primary.m0"}
    assert res["PrimaryM0"]["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["PrimaryM0Consumer", "ConsumerARN"]}
    write(result, tmp_path / "cfn", "yaml")
    for template, _ in result.templates:
        found = lint_file(tmp_path / "cfn" / template.file,
                          config=ManualArgs(regions=[template.region], include_checks=["I"]))
        assert [(m.rule.id, m.message) for m in found] == []
