"""Speed of the modeled cloud on a real file (prints numbers; not a test).

    python tests/providers/bench_simulated.py [--instances N] [--threads T] [--durable]

Measures creates per second: instances into one subnet (the common case: one transaction,
one address), whole subnets, and the same from T threads at once.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path


def main():
    from archform.providers.simulated import SimulatedCloud

    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--durable", action="store_true", help="synchronous=FULL (fsync every commit)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        cloud = SimulatedCloud(Path(tmp) / "cloud.db", durable=args.durable)
        vpc = cloud.create("vpc", "v", "us-east-1", {"cidr": "10.0.0.0/16"}, "v")
        big = cloud.create("subnet", "big", "us-east-1", {"vpc": vpc.id, "cidr": "10.0.0.0/18", "az": "us-east-1a"}, "b")
        launch = {"ami": "ami-1", "instance_type": "t3.micro", "subnet": big.id}

        t0 = time.perf_counter()
        for n in range(args.instances):
            cloud.create("instance", f"i{n}", "us-east-1", launch, f"i{n}")
        dt = time.perf_counter() - t0
        print(f"instances, one thread:   {args.instances / dt:8.0f} creates/s  ({args.instances} in {dt:.2f} s)")

        t0 = time.perf_counter()
        for n in range(150):
            cloud.create("subnet", f"s{n}", "us-east-1",
                         {"vpc": vpc.id, "cidr": f"10.0.{64 + n}.0/24", "az": "us-east-1b"}, f"s{n}")
        dt = time.perf_counter() - t0
        print(f"subnets, one thread:     {150 / dt:8.0f} creates/s")

        per = args.instances // args.threads

        def work(k):
            for n in range(per):
                cloud.create("instance", f"t{k}-{n}", "us-east-1", launch, f"t{k}-{n}")

        threads = [threading.Thread(target=work, args=(k,)) for k in range(args.threads)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        dt = time.perf_counter() - t0
        print(f"instances, {args.threads} threads:   {per * args.threads / dt:8.0f} creates/s")

        t0 = time.perf_counter()
        listed = cloud.list()
        print(f"list of {len(listed)}:        {time.perf_counter() - t0:8.3f} s")
        ids = [r.id for r in listed[:1000]]
        t0 = time.perf_counter()
        for id in ids:
            cloud.read("instance", id)
        print(f"reads:                   {len(ids) / (time.perf_counter() - t0):8.0f} /s")
        cloud.close()


if __name__ == "__main__":
    main()
