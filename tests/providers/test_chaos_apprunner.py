"""App Runner services losing an AZ: the instances there stop, App Runner's health check finds
them (unhealthy_threshold × interval) and starts replacements in the AZs that are up; the
service keeps answering on the others; one that reaches a VPC through a connector stops
answering when every AZ of the connector is down."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

AT = 60.0


@pytest.fixture(scope="module")
def doc():
    return chaos("apprunner.arch", "az:eu-west-1a", at=AT, duration=900)


@pytest.mark.parametrize("address", ["primary.api", "primary.site"])
def test_instances_of_the_lost_az_are_replaced_in_the_others(doc, address):
    runner = service(doc, address)
    assert value_at(runner, AT + 1) == (1.0, 2.0)  # still answering on two instances
    (lost,) = events(doc, "apprunner.instances_lost", address)
    assert lost["azs"] == ["eu-west-1a"] and lost["count"] == 1
    (replace,) = events(doc, "apprunner.replace", address)
    assert replace["t"] == pytest.approx(AT + 5 * 5.0) and "eu-west-1a" not in replace["azs"]
    (back,) = events(doc, "apprunner.available", address)
    low, high = figures.APPRUNNER_START_SECONDS
    assert low <= back["t"] - replace["t"] <= high
    assert value_at(runner, back["t"]) == (1.0, 3.0)


def test_a_service_stops_answering_when_its_connector_has_no_az_left():
    doc = chaos("apprunner.arch", "az:eu-west-1a", "az:eu-west-1b", at=AT, duration=900)
    assert value_at(service(doc, "primary.api"), 899)[0] == 0.0   # its VPC connector is in those two AZs
    assert value_at(service(doc, "primary.site"), 899)[0] == 1.0  # no connector: the region's other AZs serve


def test_a_region_loss_stops_the_service_until_replacements_run_after_it():
    doc = chaos("apprunner.arch", "region:eu-west-1", at=AT, duration=1800, lengths={"region:eu-west-1": 600.0})
    site = service(doc, "primary.site")
    assert value_at(site, AT + 1) == (0.0, 0.0)
    (replace,) = events(doc, "apprunner.replace", "primary.site")  # once, when the region is back
    assert AT + 600 <= replace["t"] <= AT + 600 + 60 and replace["count"] == 3
    assert value_at(site, 1799) == (1.0, 3.0)


def test_a_fault_on_the_service_stops_its_instances_until_they_are_replaced():
    doc = chaos("apprunner.arch", "primary.site", at=AT, duration=900)
    site = service(doc, "primary.site")
    assert value_at(site, AT + 1) == (0.0, 0.0)
    (replace,) = events(doc, "apprunner.replace", "primary.site")
    assert replace["t"] == pytest.approx(AT + 25) and replace["count"] == 3
    assert value_at(site, 899) == (1.0, 3.0)
    assert value_at(service(doc, "primary.api"), AT + 1) == (1.0, 3.0)
