"""The physical world under the modeled cloud: region → AZ → data centre → rack → host.

- `layout.py` — the figures: how many data centres an AZ has, how many racks of each instance
  family a data centre holds, how many hosts a rack holds, how big a host of each family is
  (derived from `stdlib/instance_types.py`), and the names of all of them.
- `pools.py` — hosts in the store: a pool (one AZ, one instance family) is written the first
  time an instance of that family launches in that AZ, so an empty cloud holds no hosts.

Where an instance lands on these hosts is `placement.py` (one module up).
"""
