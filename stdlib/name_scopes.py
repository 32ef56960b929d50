"""Where AWS makes a name unique, per kind (no pydantic: the planner reads it on light plans).

`SCOPE`: kind → the attribute naming its parent (None: unique in its region, or in the account
for a `GLOBAL` kind); `NAMESPACE`: kinds sharing one namespace of names. The validate rule
`rules/names_unique.py` and the planner's ordering of creates after the deletes that free their
names read it; a test keeps it in agreement with the modeled cloud's behaviours.
"""

from __future__ import annotations

# kind → the attribute naming its parent (None: unique in the region)
SCOPE: dict[str, str | None] = {
    "apprunner_service": None, "athena_workgroup": None, "backup_vault": None,
    "batch_compute_environment": None, "batch_job_definition": None, "batch_job_queue": None,
    "beanstalk_application": None, "beanstalk_environment": None, "cloudtrail_trail": None,
    "cloudwatch_alarm": None, "composite_alarm": None, "config_recorder": None, "config_rule": None,
    "ecr_repository": None, "ecs_cluster": None, "eks_cluster": None, "event_bus": None, "firehose": None,
    "glue_crawler": None, "glue_database": None, "keyspaces_keyspace": None, "kinesis_stream": None,
    "lambda_function": None, "log_group": None, "mq_broker": None, "opensearch_domain": None, "secret": None,
    "sns_topic": None, "sqs_queue": None, "ssm_parameter": None, "state_machine": None,
    "timestream_database": None,
    "ecs_service": "cluster", "eks_node_group": "cluster", "eks_fargate_profile": "cluster",
    "keyspaces_table": "keyspace", "timestream_table": "database",
    "instance_profile": None,
}

# kinds whose names are unique in the account, whatever the region (IAM)
GLOBAL = {"instance_profile"}

# kinds sharing one namespace of names (PutCompositeAlarm refuses a metric alarm's name)
NAMESPACE = {"composite_alarm": "cloudwatch_alarm"}
