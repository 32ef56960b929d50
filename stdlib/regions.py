"""The region catalogue: real region names, their Availability Zone counts and locations.

AZ counts are the zones a new account can use (AWS documentation, 2026). Locations are the
approximate coordinates of each region, used for latency-based routing in the modeled cloud.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RegionInfo:
    name: str
    city: str
    azs: int
    lat: float
    lon: float

    @property
    def zones(self) -> list[str]:
        return [f"{self.name}{chr(ord('a') + i)}" for i in range(self.azs)]


REGIONS: dict[str, RegionInfo] = {r.name: r for r in [
    RegionInfo("us-east-1", "N. Virginia", 6, 38.9, -77.4),
    RegionInfo("us-east-2", "Ohio", 3, 40.0, -83.0),
    RegionInfo("us-west-1", "N. California", 2, 37.4, -121.9),
    RegionInfo("us-west-2", "Oregon", 4, 45.8, -119.7),
    RegionInfo("ca-central-1", "Canada Central", 3, 45.5, -73.6),
    RegionInfo("ca-west-1", "Calgary", 3, 51.0, -114.1),
    RegionInfo("sa-east-1", "São Paulo", 3, -23.5, -46.6),
    RegionInfo("mx-central-1", "Mexico Central", 3, 20.6, -100.4),
    RegionInfo("eu-west-1", "Ireland", 3, 53.3, -6.3),
    RegionInfo("eu-west-2", "London", 3, 51.5, -0.1),
    RegionInfo("eu-west-3", "Paris", 3, 48.9, 2.4),
    RegionInfo("eu-central-1", "Frankfurt", 3, 50.1, 8.7),
    RegionInfo("eu-central-2", "Zurich", 3, 47.4, 8.5),
    RegionInfo("eu-north-1", "Stockholm", 3, 59.3, 18.1),
    RegionInfo("eu-south-1", "Milan", 3, 45.5, 9.2),
    RegionInfo("eu-south-2", "Spain", 3, 41.6, -0.9),
    RegionInfo("il-central-1", "Tel Aviv", 3, 32.1, 34.8),
    RegionInfo("me-south-1", "Bahrain", 3, 26.1, 50.6),
    RegionInfo("me-central-1", "UAE", 3, 24.5, 54.4),
    RegionInfo("af-south-1", "Cape Town", 3, -33.9, 18.4),
    RegionInfo("ap-east-1", "Hong Kong", 3, 22.3, 114.2),
    RegionInfo("ap-south-1", "Mumbai", 3, 19.1, 72.9),
    RegionInfo("ap-south-2", "Hyderabad", 3, 17.4, 78.5),
    RegionInfo("ap-northeast-1", "Tokyo", 3, 35.7, 139.7),
    RegionInfo("ap-northeast-2", "Seoul", 4, 37.6, 127.0),
    RegionInfo("ap-northeast-3", "Osaka", 3, 34.7, 135.5),
    RegionInfo("ap-southeast-1", "Singapore", 3, 1.4, 103.8),
    RegionInfo("ap-southeast-2", "Sydney", 3, -33.9, 151.2),
    RegionInfo("ap-southeast-3", "Jakarta", 3, -6.2, 106.8),
    RegionInfo("ap-southeast-4", "Melbourne", 3, -37.8, 145.0),
    RegionInfo("ap-southeast-5", "Malaysia", 3, 3.1, 101.7),
    RegionInfo("ap-southeast-7", "Thailand", 3, 13.8, 100.5),
]}


ZONES: dict[str, frozenset[str]] = {r.name: frozenset(r.zones) for r in REGIONS.values()}


def az_region(az: str) -> str | None:
    """The region an AZ name belongs to ("us-east-1a" → "us-east-1")."""
    if len(az) > 1 and az[:-1] in REGIONS and az[-1].isalpha():
        return az[:-1]
    return None


def valid_az(az: str) -> bool:
    region = az_region(az)
    return region is not None and az in ZONES[region]
