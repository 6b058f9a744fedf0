"""Distributed engines in the tests bind to loopback only: the test machines allow no other traffic.

Set before anything imports ray or pyspark (ray reads its flag when ``ray._private.ray_constants`` is
imported); the engines' worker processes inherit them.
"""

from __future__ import annotations

import os

# Ray: local mode on 127.0.0.1 instead of the machine's interface address.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
# Spark: the driver and executors on 127.0.0.1.
os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
