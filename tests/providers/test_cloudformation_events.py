"""The CloudFormation of EventBridge and Step Functions: a rule with its targets (Ids, input,
retry, dead-letter queue, role, message group), the permission each target needs where AWS keeps
it (a Lambda permission, a statement in the queue's or topic's one policy), a bus of another
region reached through a stack parameter, and a state machine's definition, role and logs."""

from __future__ import annotations

from pathlib import Path

from archform.providers.cloudformation import Options, generate

CASES = Path(__file__).parent / "test_cloudformation_cases"


def resources(path: Path, region: str = "us-east-1") -> dict:
    result = generate(path, {}, Options())
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    found = {}
    for template, body in result.templates:
        if template.region == region and "global" not in template.file:
            found.update(body["Resources"])
    return found


def test_a_rule_writes_each_target_as_eventbridge_takes_it():
    res = resources(CASES / "every_kind.arch")
    rule = res["PrimaryOrderPlaced"]["Properties"]
    assert rule["EventBusName"] == {"Fn::GetAtt": ["PrimaryOrdersBus", "Name"]} and rule["State"] == "ENABLED"
    assert rule["EventPattern"]["detail"]["total"] == [{"numeric": [">", 0]}]
    targets = {t["Id"]: t for t in rule["Targets"]}
    assert list(targets) == ["handler", "queue", "ordered", "alerts", "fulfil"]
    assert targets["handler"]["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}
    assert targets["handler"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["PrimaryWorkDlq", "Arn"]}}
    assert targets["handler"]["InputPath"] == "$.detail"
    assert targets["ordered"]["SqsParameters"] == {"MessageGroupId": "orders"}
    assert targets["alerts"]["Input"] == '{"text":"an order was placed"}'  # JSON text, as the API takes it
    assert targets["fulfil"]["Arn"] == {"Ref": "PrimaryFulfil"}  # a state machine's Ref is its ARN
    assert targets["fulfil"]["RoleArn"] == {"Fn::GetAtt": ["EventsRole", "Arn"]}
    assert "RoleArn" not in targets["queue"]
    nightly = res["PrimaryNightly"]["Properties"]
    assert nightly["ScheduleExpression"] == "cron(0 3 * * ? *)" and "EventBusName" not in nightly


def test_each_target_lets_eventbridge_in_where_aws_keeps_the_permission():
    res = resources(CASES / "every_kind.arch")
    permission = res["PrimaryOrderPlacedPermissionHandler"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["PrimaryOrderPlaced", "Arn"]}
    # the queue's one policy holds SNS's statement and EventBridge's
    statements = res["PrimaryWorkPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert [s["Principal"]["Service"] for s in statements] == ["sns.amazonaws.com", "events.amazonaws.com"]
    assert statements[1]["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["PrimaryOrderPlaced",
                                                                                         "Arn"]}}}
    # a target's dead-letter queue too, and a topic gets a topic policy for sns:Publish
    [dlq] = res["PrimaryWorkDlqPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert dlq["Principal"] == {"Service": "events.amazonaws.com"}
    [publish] = res["PrimaryAlertsPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert publish["Action"] == "sns:Publish" and publish["Resource"] == {"Ref": "PrimaryAlerts"}
    assert "PrimaryEventsPolicy" not in res  # a topic no rule sends to keeps no policy


def test_a_bus_and_a_state_machine():
    res = resources(CASES / "every_kind.arch")
    assert res["PrimaryOrdersBus"]["Properties"] == {"Name": "every-kind-orders",
                                                     "Description": "Order events of the shop",
                                                     "KmsKeyIdentifier": "alias/orders"}
    machine = res["PrimaryFulfil"]["Properties"]
    assert machine["RoleArn"] == {"Fn::GetAtt": ["SfnRole", "Arn"]} and "StateMachineType" not in machine
    assert machine["Definition"]["StartAt"] == "Charge"
    charge = machine["Definition"]["States"]["Charge"]
    assert charge["Parameters"]["FunctionName"] == {"Fn::GetAtt": ["PrimaryHandler", "Arn"]}
    assert machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["EncryptionConfiguration"] == {"Type": "CUSTOMER_MANAGED_KMS_KEY", "KmsKeyId": "alias/orders"}
    assert machine["LoggingConfiguration"] == {
        "Level": "ALL", "IncludeExecutionData": True,
        "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["PrimaryFulfilLogs", "Arn"]}}}]}
    logs = res["PrimaryFulfilLogs"]
    assert logs["Properties"]["RetentionInDays"] == 90
    assert logs["Properties"]["LogGroupName"] == {"Fn::Sub": "/aws/vendedlogs/states/${AWS::StackName}-PrimaryFulfil"}


def test_a_bus_of_another_region_is_a_target_through_a_stack_parameter():
    res = resources(CASES / "events.arch")
    targets = {t["Id"]: t for t in res["PrimaryPlaced"]["Properties"]["Targets"]}
    assert targets["ireland"]["Arn"] == {"Ref": "IrelandOrdersArn"}
    assert targets["ireland"]["RoleArn"] == {"Fn::GetAtt": ["EventsRole", "Arn"]}
    assert res["PrimaryFlow"]["Properties"]["StateMachineType"] == "EXPRESS"
    assert res["PrimaryFlow"]["Properties"]["LoggingConfiguration"]["Level"] == "ERROR"
    assert "PrimaryFlowLogs" in res
    archive = res["PrimaryOrdersArchive"]["Properties"]
    assert archive == {"SourceArn": {"Fn::GetAtt": ["PrimaryOrders", "Arn"]},
                       "EventPattern": {"detail-type": ["OrderPlaced"]}, "RetentionDays": 90}
    far = resources(CASES / "events.arch", "eu-west-1")
    [statement] = far["IrelandCopyPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["IrelandForward", "Arn"]}}}
    assert far["IrelandForward"]["Properties"]["EventBusName"] == {"Fn::GetAtt": ["IrelandOrders", "Name"]}
