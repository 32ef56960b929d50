"""Every duration and count the failure engine uses, with where it comes from.

"notes §x" is `reference/aws-architect-notes.txt`, "facts" is `reference/aws-facts.md`. A
figure marked "model" is not in either: the modeled cloud chooses it, and says so here so a
reader can tell AWS's numbers from the model's. Ranges are drawn with the run's seeded
random streams, so the same seed gives the same draws.
"""

from __future__ import annotations

# --- EC2 and Auto Scaling ----------------------------------------------------------------------

BOOT_SECONDS = 90.0                 # model: launch request to a running OS (notes §6.4.3: a ready AMI boots quicker)
STATUS_CHECK_SECONDS = 60.0         # model: EC2 reports instance status checks once a minute; ASGs with
                                    # health_check_type = ec2 act on them
# model: simplified automatic recovery (on by default for instance types without instance store,
# not for Spot) moves a standalone instance whose system status check fails to new hardware in its
# AZ ("usually within a few minutes"): two failed checks, then it reboots there
AUTO_RECOVERY_SECONDS = 2 * STATUS_CHECK_SECONDS
ASG_RETRY_SECONDS = 60.0            # model: an ASG whose launch failed tries again after this
SCALING_EVALUATION_SECONDS = 60.0   # model: target tracking reads its metric once a minute
REBALANCE_OVERSHOOT = 0.10          # facts: while rebalancing an ASG may exceed max by up to 10%
# model: the instance type of launch settings that name none (the catalogue requires one; a
# record written by hand may lack it)
ASSUMED_INSTANCE_TYPE = "m5.large"
DEFAULT_TARGET_UTILISATION = 0.5    # model: the load per instance of a group without a target-tracking policy
# Elastic Beanstalk enhanced health: each instance's health is updated every 10 s; the environment's
# is lowered only once an instance fails its checks three times within a minute (AWS's "Health
# colors and statuses"); it is raised at the first check that passes
BEANSTALK_HEALTH_CHECK_SECONDS = 10.0
BEANSTALK_FAILED_CHECKS = 3
SPOT_NOTICE_SECONDS = 120.0         # notes §3.7.3: a 2 minute grace period before a spot instance goes

# --- Elastic Load Balancing -----------------------------------------------------------------------

TARGET_INTERVAL_SECONDS = 30.0      # catalogue default (target_group.health_check.interval)
TARGET_HEALTHY_THRESHOLD = 5        # catalogue default
TARGET_UNHEALTHY_THRESHOLD = 2      # catalogue default
LB_NODE_DNS_SECONDS = 60.0          # model: a dead load-balancer node leaves the LB's DNS answer within the
                                    # 60 s TTL of ELB names; until then clients sent to it fail

# --- RDS, Aurora, ElastiCache ------------------------------------------------------------------

RDS_FAILOVER_SECONDS = (60.0, 120.0)          # facts: Multi-AZ DB instance failover typically 60–120 s
RDS_CLUSTER_FAILOVER_SECONDS = (15.0, 35.0)   # facts: Multi-AZ DB cluster failover typically under 35 s
RDS_REPLICA_PROMOTION_SECONDS = 300.0         # model: promoting a read replica to its own DB (notes §7.1.3
                                              # says replicas can be promoted; the time is a model figure)
RDS_REPLICA_LAG_SECONDS = (1.0, 5.0)          # model: asynchronous replicas (notes §7.1.3) lag by seconds
AURORA_FAILOVER_SECONDS = (10.0, 30.0)        # notes §7.2.1, facts: failover within 30 s with a replica
AURORA_NEW_INSTANCE_SECONDS = 600.0           # facts: without a replica Aurora creates a new instance
                                              # ("minutes"); model: 10 min
AURORA_COPIES = 6                             # notes §7.2.1, facts: 6 copies across 3 AZs
AURORA_COPY_AZS = 3
AURORA_WRITE_QUORUM = 4                       # 4 of 6 for writes
AURORA_READ_QUORUM = 3                        # 3 of 6 for reads
AURORA_GLOBAL_LAG_SECONDS = (0.2, 1.0)        # notes §7.2.2, facts: replication lag under 1 s
AURORA_GLOBAL_PROMOTION_SECONDS = (30.0, 60.0)  # notes §7.2.2, facts: secondary promoted in under a minute
DYNAMODB_GLOBAL_LAG_SECONDS = (0.5, 1.5)      # model: global tables replicate asynchronously (notes §16.2.4)
S3_REPLICATION_LAG_SECONDS = (5.0, 60.0)      # model: replication is asynchronous (notes §10.5)
CACHE_FAILOVER_SECONDS = (20.0, 60.0)         # model: Redis Multi-AZ auto-failover (notes §7.5.2) takes
                                              # tens of seconds
RESTART_AFTER_ZONE_SECONDS = 300.0            # model: a single-AZ database or cache node back in service
                                              # after its AZ returns (crash recovery)
MQ_FAILOVER_SECONDS = (10.0, 90.0)            # AWS (Amazon MQ team on re:Post): an active/standby broker's
                                              # standby takes over "within ~10-90 sec"; the developer guide
                                              # says only "a short while"
RDS_PROXY_FAILOVER_CUT = 0.66                 # notes §7.1.6, facts: RDS Proxy cuts failover time by up to
                                              # 66%; the model takes the figure: clients of a proxy wait
                                              # a third of the failover that DNS clients wait
MSK_REPLICATION = {3: (3, 2), 2: (2, 1)}      # AWS's MSK defaults per AZ count: default.replication.factor
                                              # and min.insync.replicas (3 AZs: 3 and 2; 2 AZs: 2 and 1)
MSK_PARTITIONS_PER_BROKER = 4                 # model: the leader partitions each broker holds
MSK_BROKER_RESTART_SECONDS = 300.0            # model: a broker back after its AZ or host (as a database node)
MSK_BROKER_REPLACE_SECONDS = 900.0            # model: automatic recovery (notes §19.9) replaces a broker
                                              # that stays failed
MSK_CATCH_UP_SECONDS = (60.0, 600.0)          # model: a returning broker's replicas catch up with their
                                              # leaders before they are in sync again
REDSHIFT_SNAPSHOT_SECONDS = 8 * 3600.0        # notes §19.2.2: automated snapshots every 8 hours (or 5 GB
                                              # of changes, which a quiet cluster may not reach)
REDSHIFT_MULTI_AZ_FAILOVER_SECONDS = (30.0, 60.0)  # model: a Multi-AZ cluster's secondary compute takes
                                              # over in about a minute (data is in managed storage)
REDSHIFT_RESTORE_SECONDS = (1200.0, 3600.0)   # model: restoring a cluster from a snapshot in another AZ
                                              # or region takes tens of minutes (it grows with the data)
FSX_MULTI_AZ_FAILOVER_SECONDS = (30.0, 120.0)  # model: a Multi-AZ FSx file system's standby file server takes
                                              # over automatically, in about 30 s to a couple of minutes
                                              # (the FSx user guides' Multi-AZ failover; issue 17)
FSX_RESTORE_SECONDS = (1200.0, 3600.0)        # model: a new file system restored from a backup in another AZ
                                              # takes tens of minutes (it grows with the data)
FSX_SERVER_REPLACE_SECONDS = (120.0, 600.0)   # notes §13.2: a persistent file system's failed file server is
                                              # "replaced within minutes"
EMR_HDFS_REPLICATION = ((4, 1), (10, 2))       # EMR release guide ("Configure HDFS"): dfs.replication is 1
                                              # below 4 core nodes, 2 below 10, else 3
EMR_REPLACE_SECONDS = (60.0, 300.0)           # model: an instance group asks EC2 for a replacement of a
                                              # lost instance (it then boots, BOOT_SECONDS)
OPENSEARCH_STANDBY_FAILOVER_SECONDS = (0.0, 0.0)  # AWS ("Multi-AZ with Standby"): the standby zone's
                                              # nodes are promoted with no loss of availability
OPENSEARCH_RECOVERY_SECONDS = (300.0, 900.0)  # model: replica shards re-created on the surviving nodes
                                              # (the domain is yellow meanwhile)

# --- Route 53 --------------------------------------------------------------------------------------

CHECKERS = 15                       # notes §8.4: 15 global health checkers
HEALTHY_ABOVE = 0.18                # notes §8.4, facts: healthy when more than 18% of checkers see it healthy
ALIAS_TARGET_SECONDS = 10.0         # model: how often Route 53 re-evaluates an alias target's health
ALIAS_TTL_SECONDS = 60.0            # model: resolvers cache an alias answer to a load balancer for 60 s
                                    # (AWS sets alias TTLs, notes §8.2.5)

# --- disaster recovery runbooks -------------------------------------------------------------------

ALARM_PERIOD_SECONDS = 60.0         # model: the alarm that starts a DR runbook reads 1-minute periods…
ALARM_PERIODS = 3                   # …and fires after 3 bad ones in a row
BACKUP_INTERVAL_SECONDS = 86400.0   # notes §7.3.1: a full backup daily (the transaction logs of every
                                    # 5 min stay in the region, so a region loss falls back to the daily copy)
RESTORE_SECONDS = 1800.0            # model: restore a database from a snapshot copied to the secondary region
PROVISION_SECONDS = 900.0           # model: recreate the compute and front of an environment from templates
                                    # (notes §25.2: CloudFormation recreates environments)
DNS_CHANGE_SECONDS = 60.0           # model: an operator's DNS change propagates within the record's TTL

# --- workloads (loops/workload.py) -------------------------------------------------------------
WORKLOAD_TICK_SECONDS = 10.0        # model: messages move through queues in steps of this length
KINESIS_SHARD_RECORDS = 1000.0      # notes §14.3: a shard takes 1,000 records/s in…
KINESIS_SHARD_BYTES = 1_000_000.0   # …and 1 MB/s
KINESIS_ON_DEMAND_SHARDS = 4        # facts: a new on-demand stream takes 4 MB/s (4 shards' worth) in
KINESIS_ON_DEMAND_SCALE_SECONDS = 900.0  # facts: on-demand doubles its capacity within 15 minutes of a new peak
KINESIS_SHARD_OUT_BYTES = 2_000_000.0  # notes §14.3: a shard gives 2 MB/s out (shared, or each fan-out consumer's)
KINESIS_SHARD_READS = 5.0           # facts: GetRecords takes 5 calls a second per shard, shared by its readers
KINESIS_RECORDS_PER_CALL = 10_000.0  # facts: one GetRecords call returns up to 10,000 records
STEADY_SHARE = 0.01                 # model: a queue is back to its steady state under 1% of a tick's arrivals

# --- EKS (loops/eks.py) ------------------------------------------------------------------------------

EKS_NODE_NOT_READY_SECONDS = 40.0   # Kubernetes: a node silent for node-monitor-grace-period (40 s) is NotReady
EKS_POD_EVICTION_SECONDS = 300.0    # Kubernetes: pods tolerate a not-ready or unreachable node for 300 s
                                    # (the default tolerationSeconds), then are evicted and recreated
FARGATE_POD_START_SECONDS = (30.0, 60.0)  # model: a Fargate pod's microVM provisioned and its image pulled
FARGATE_VCPUS_PER_AZ = 400.0        # model: the Fargate capacity an AZ has for the account's pods

# --- App Runner (loops/apprunner.py) --------------------------------------------------------------

APPRUNNER_START_SECONDS = (30.0, 60.0)  # model: App Runner starts a replacement instance of the service's image

# --- ECS services (loops/ecs.py) ----------------------------------------------------------------
ECS_TASK_LOST_SECONDS = 60.0          # model: the service scheduler sees a task of a lost AZ or instance as
                                      # stopped within a minute, unless its target group reports it first
ECS_TASK_START_SECONDS = (30.0, 60.0)  # model: a replacement task runs after provisioning and its image pull
ECS_RETRY_SECONDS = 60.0              # model: a service that could not place a task tries again after this
ECS_MANAGED_SCALING_SECONDS = 60.0    # model: managed scaling's CloudWatch alarm on the capacity provider
                                      # reservation reads one-minute data points
ECS_REBALANCE_CHECK_SECONDS = 60.0    # model: how soon a steady service with AZ rebalancing acts on an
                                      # uneven spread (AWS: it "continuously monitors" a steady service)
