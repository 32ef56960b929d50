"""Network Firewall, Shield and GuardDuty checks that the invalid-input catalogue cannot hold
(a Suricata rule of 8,192 characters; a string past AWS's 2 MB, which the language's 1 MiB
string limit refuses first), the valid shared network staying
clean, and the cost note of Shield Advanced said once per configuration."""

from __future__ import annotations

from pathlib import Path

from archform.dsl.resolve import resolve, resolve_text

INSPECTION = Path(__file__).parents[1] / "providers" / "netsec_cases" / "inspection.arch"


def _found(body: str) -> list[str]:
    _, diags = resolve_text('region "us-east-1" as primary {\n' + body + '\n}\n', "main.arch")
    return [d.summary for d in diags if d.is_error or d.severity == "warning"]


def _suricata(text: str, capacity: int = 30000) -> list[str]:
    return _found(f'  firewall_rule_group g {{\n    capacity = {capacity}\n    suricata = "{text}"\n  }}')


def test_the_inspection_network_is_valid(monkeypatch):
    monkeypatch.chdir(INSPECTION.parent)
    _, diags = resolve(INSPECTION.name)
    assert [d.summary for d in diags if d.is_error or d.severity == "warning"] == []


def test_a_suricata_rule_is_at_most_8192_characters():
    rule = "drop tcp any any -> any 23 (msg:" + "x" * 8200 + "; sid:1;)"
    assert any("a Suricata rule is at most 8,192 characters" in s for s in _suricata(rule))
    assert _suricata("drop tcp any any -> any 23 (sid:1;)") == []


def test_a_suricata_string_over_awss_2000000_bytes_is_refused_before_it_gets_there():
    line = "drop tcp any any -> any 23 (msg:" + "x" * 8000 + "; sid:1;)"
    found = _suricata("\\n".join([line] * 260))  # the language's own 1 MiB limit on a string comes first
    assert any("the limit is 1,048,576" in s for s in found)


def test_suricata_rules_count_against_capacity_but_comments_do_not():
    rules = "\\n".join(["# blocked ports", "drop tcp any any -> any 23 (sid:1;)", "",
                        "drop tcp any any -> any 21 (sid:2;)"])
    assert _suricata(rules, capacity=2) == []
    assert any("the rules need a capacity of 2" in s for s in _suricata(rules, capacity=1))


def test_shield_advanced_says_its_cost_once_per_configuration():
    found = _found('  elastic_ip a {}\n  elastic_ip b {}\n'
                   '  shield_protection pa { resource = a }\n  shield_protection pb { resource = b }')
    notes = [s for s in found if "US$3,000 a month" in s]
    assert len(notes) == 1 and "one-year commitment" in notes[0]


def test_more_than_five_firewalls_in_a_region_is_a_warning():
    subnets = "\n".join(f'  subnet s{i} {{ vpc = v{i}, cidr = 10.{i}.0.0/24, az = a }}' for i in range(6))
    vpcs = "\n".join(f"  vpc v{i} {{ cidr = 10.{i}.0.0/16 }}" for i in range(6))
    firewalls = "\n".join(f"  network_firewall f{i} {{ vpc = v{i}, subnets = [s{i}], firewall_policy = p }}"
                          for i in range(6))
    found = _found(f'{vpcs}\n{subnets}\n  firewall_rule_group g {{ capacity = 1, domains = [".example.com"] }}\n'
                   f'  firewall_policy p {{ stateful_rule_groups = [g] }}\n{firewalls}')
    limits = [s for s in found if "at most 5 Network Firewalls per region" in s]
    assert len(limits) == 1 and limits[0].startswith("primary.f5:")
