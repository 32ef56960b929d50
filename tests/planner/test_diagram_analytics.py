"""Diagrams of the analytics kinds: each drawn with what matters to its availability (a cluster's
nodes and whether it is Multi-AZ or in one AZ, where its snapshots go; a domain's AZs, standby
and masters), and Firehose's deliveries to them as traffic (through the intermediate bucket and
COPY into Redshift; documents into OpenSearch)."""

from __future__ import annotations

from pathlib import Path

from archform.dsl.resolve import resolve_text
from archform.planner.diagram import build_scene, items_of
from archform.planner.diagram.dot import to_dot

CASES = Path(__file__).resolve().parents[1] / "providers" / "chaos_cases"


def _dot(text: str) -> str:
    desired, diags = resolve_text(text, "main.arch")
    assert desired is not None and not [d for d in diags if d.is_error], [d.summary for d in diags]
    return to_dot(build_scene(items_of(desired)))


def test_clusters_and_domains_show_their_availability():
    text = _dot((CASES / "analytics_failures.arch").read_text())
    for line in ("2 × ra3.xlplus · one AZ", "snapshots → us-west-2", "2 × ra3.xlplus · Multi-AZ",
                 "3 AZs + standby · 3 masters", "3 AZs · 3 masters", "one AZ"):
        assert line in text, line


def test_firehose_deliveries_to_a_cluster_and_a_domain_are_traffic():
    arch = (CASES / "analytics_delivery.arch").read_text()
    text = _dot(arch)
    assert '"primary.to_search" -> "primary.search"' in text and 'xlabel="documents"' in text
    assert "→ OpenSearch" in text  # its label named an HTTP endpoint for every destination but S3
    warehouse = arch.replace("  s3_bucket failed {}", '''  s3_bucket failed {}

  s3_bucket staging {}

  redshift_cluster wh {
    multi_az            = true
    publicly_accessible = true
    subnets             = [data_a, data_b]
  }

  subnet data_b {
    vpc  = main
    cidr = 10.0.2.0/24
    az   = b
  }

  firehose to_wh {
    role = delivery_role

    redshift {
      cluster = wh
      table   = "events"
      bucket  = staging
    }
  }''')
    text = _dot(warehouse)
    assert '"primary.to_wh" -> "primary.staging"' in text
    assert '"primary.staging" -> "primary.wh"' in text and 'xlabel="COPY"' in text
    assert "→ Redshift" in text
