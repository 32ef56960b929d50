"""One rule keeps every reference in its region, for every kind (stdlib/rules/same_region.py):
a resource in eu-west-1 cannot use us-east-1's subnets, whatever its kind, and the references
the catalogue marks as crossing regions (a cross-region replica, a replication destination, a
peer VPC) still may."""

from __future__ import annotations

import pytest

from archform.dsl.resolve import resolve_text
from archform.stdlib import catalogue
from archform.stdlib.reference_sites import reference_sites

NETWORK = """
region "us-east-1" as east {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = "us-east-1a" }
  subnet b { vpc = main, cidr = 10.0.2.0/24, az = "us-east-1b" }
  security_group sg { vpc = main }
}
"""

# each kind the issue named, in eu-west-1, pointed at us-east-1's subnets
FOREIGN = {
    "load_balancer": 'load_balancer web { type = application, subnets = [east.a, east.b] }',
    "elasticache": 'elasticache cache { engine = redis, node_type = cache.t3.micro, subnets = [east.a] }',
    "rds": 'rds db { engine = postgres, instance_class = db.m5.large, subnets = [east.a, east.b] }',
    "aurora": 'aurora orders { engine = aurora-postgresql, instance_class = db.r6g.large, subnets = [east.a, east.b] }',
    "efs": 'efs files { subnets = [east.a] }',
    "target_group": 'target_group tg { vpc = east.main, port = 80, protocol = http }',
}


def errors(text):
    desired, diags = resolve_text(text)
    return [d for d in diags if d.is_error]


@pytest.mark.parametrize("kind", sorted(FOREIGN))
def test_a_regional_resource_cannot_use_another_regions_resources(kind):
    found = errors(NETWORK + 'region "eu-west-1" as west {\n  ' + FOREIGN[kind] + "\n}\n")
    messages = [d.summary for d in found]
    assert messages, f"{kind} in eu-west-1 using us-east-1's network validated clean"
    assert all("is in us-east-1, but this resource is declared in eu-west-1" in m for m in messages), messages
    # one diagnostic per foreign reference, placed on the reference, pointing at the declaration
    refs = FOREIGN[kind].count("east.")
    assert len(found) == refs, messages
    for d in found:
        assert d.span is not None and d.span.text.startswith("east.")
        assert d.labels and "declared here" in d.labels[0].message


def test_references_marked_as_crossing_regions_may():
    text = NETWORK + """
region "us-east-1" as e2 {
  s3_bucket logs_src {
    versioning = true
    replication { destination = west.copy }
  }
}
region "eu-west-1" as west {
  vpc peer { cidr = 10.1.0.0/16 }
  vpc_peering link { vpc = peer, peer_vpc = east.main }
  s3_bucket copy { versioning = true }
}
"""
    assert [d.summary for d in errors(text) if "but this resource is declared in" in d.summary] == []


def test_every_reference_site_says_whether_it_may_cross_regions():
    """The catalogue's reference sites are where the rule looks: every regional kind with a
    reference is covered, and only the sites the notes allow cross regions."""
    crossing = set()

    def walk(shape, path):
        for key, sub in getattr(shape, "fields", {}).items():
            node = sub
            while hasattr(node, "item") or hasattr(node, "value"):
                node = getattr(node, "item", None) or getattr(node, "value")
            if hasattr(node, "kinds"):
                if node.across:
                    crossing.add((path + key, node.across))
            else:
                walk(node, path + key + ".")

    for kind in sorted(catalogue.LAZY):
        walk(reference_sites(kind), kind + ".")
    assert crossing == {
        # an edge-optimized API's certificate is in us-east-1, whatever the API's region (its own check says)
        ("api_gateway.certificate", ("certificate",)),
        ("aurora.global_secondary", ("aurora",)),
        ("rds.replica_of", ("rds",)),
        ("sns_topic.subscription.target", ("sqs_queue", "lambda_function")),  # cross-region fan-out (§14.2)
        ("route_table.route.target", ("vpc_peering",)),
        ("s3_bucket.replication.destination", ("s3_bucket",)),
        ("vpc_peering.peer_vpc", ("vpc",)),
        ("event_rule.target.resource", ("event_bus",)),  # cross-region routing to another region's bus
        ("backup_plan.rule.copy_to.vault", ("backup_vault",)),  # cross-region backup copies (§25.5)
        ("kms_key.replica_of", ("kms_key",)),  # a multi-region key's replica (§23.2.3)
        # a central logging bucket, and a key of the bucket's region (the trail's own check says)
        ("cloudtrail_trail.bucket", ("s3_bucket",)), ("cloudtrail_trail.kms_key", ("kms_key",)),
    }
