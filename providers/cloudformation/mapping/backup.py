"""AWS Backup: a vault is an `AWS::Backup::BackupVault` (retained when the stack goes; always named: CloudFormation requires a
name, made from the address when the vault has none; its lock a `LockConfiguration`, compliance
mode when it has a grace time); a plan is an `AWS::Backup::BackupPlan` with one
`AWS::Backup::BackupSelection` per selection, each with a role holding AWS Backup's managed
policies for backups and restores unless the selection names one. A copy's destination vault
ARN is written from its region and name, which works across stacks and regions."""

from __future__ import annotations

import re

from ..intrinsics import ACCOUNT, PARTITION, sub
from ..units import days
from .common import REF, getatt, unique


def vault_name(src) -> str:
    return src.peek("name") or re.sub(r"[^A-Za-z0-9_-]", "-", src.address)[:50]


def backup_vault(r):
    lock = r.peek("lock")
    r.part("AWS::Backup::BackupVault", {
        "BackupVaultName": vault_name(r),
        "EncryptionKeyArn": r.val("kms_key"),
        "LockConfiguration": {"MinRetentionDays": days(r.raw("lock", "min_retention")),
                              "MaxRetentionDays": days(r.raw("lock", "max_retention")),
                              "ChangeableForDays": days(r.raw("lock", "grace"))} if lock else None,
        "BackupVaultTags": r.val("tags") or None,
    }, deletion="Retain")  # recovery points outlive the stack: AWS refuses to delete a vault holding them


def _vault_arn(src, address: str):
    vault = src.ctx.source(address)
    return sub("arn:", PARTITION, ":backup:", src.ctx.region(address), ":", ACCOUNT, ":backup-vault:",
               vault_name(vault))


def _lifecycle(r, *path):
    cold, keep = r.raw(*path, "cold_storage_after"), r.raw(*path, "delete_after")
    if cold is None and keep is None:
        return None
    return {"MoveToColdStorageAfterDays": days(cold), "DeleteAfterDays": days(keep)}


def backup_plan(r):
    from ..units import seconds
    rules = []
    for i, rule in enumerate(r.peek("rule") or []):
        rules.append({
            "RuleName": r.val("rule", i, "name"),
            "TargetBackupVault": r.ref("rule", i, "vault", export="name"),
            "ScheduleExpression": r.val("rule", i, "schedule"),
            "StartWindowMinutes": seconds(r.raw("rule", i, "start_window")) // 60,
            "CompletionWindowMinutes": seconds(r.raw("rule", i, "completion_window")) // 60,
            "Lifecycle": _lifecycle(r, "rule", i),
            "EnableContinuousBackup": True if rule.get("continuous") else None,
            "CopyActions": [{"DestinationBackupVaultArn": _vault_arn(r, r.target("rule", i, "copy_to", j, "vault")),
                             "Lifecycle": _lifecycle(r, "rule", i, "copy_to", j)}
                            for j, _ in enumerate(rule.get("copy_to") or [])] or None,
        })
    r.part("AWS::Backup::BackupPlan", {
        "BackupPlan": {"BackupPlanName": r.val("name") or re.sub(r"[^A-Za-z0-9_.-]", "-", r.address)[:50],
                       "BackupPlanRule": rules},
        "BackupPlanTags": r.val("tags") or None,
    })
    selections = r.peek("selection") or []
    names = unique(["Selection" + "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", str(s.get("name"))))
                    for s in selections])
    for i, sel in enumerate(selections):
        role = r.ref("selection", i, "role", export="arn")
        if role is None:
            role = r.att(names[i] + "Role", "Arn")
            r.part("AWS::IAM::Role", {
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "ManagedPolicyArns": [
                    sub("arn:", PARTITION, ":iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
                    sub("arn:", PARTITION, ":iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores")],
            }, suffix=names[i] + "Role")
        tags = r.peek("selection", i, "tags") or {}
        r.part("AWS::Backup::BackupSelection", {
            "BackupPlanId": r.att("", "BackupPlanId"),
            "BackupSelection": {
                "SelectionName": r.val("selection", i, "name"),
                "IamRoleArn": role,
                "Resources": r.refs("selection", i, "resources", export="arn") or None,
                "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": k,
                                "ConditionValue": r.val("selection", i, "tags", k)} for k in sorted(tags)] or None,
            },
        }, suffix=names[i])


MAPPERS = {"backup_vault": backup_vault, "backup_plan": backup_plan}

TYPES = {"backup_vault": ["AWS::Backup::BackupVault"],
         "backup_plan": ["AWS::Backup::BackupPlan", "AWS::Backup::BackupSelection", "AWS::IAM::Role"]}

EXPORTS = {
    "backup_vault": {"id": REF, "arn": getatt("BackupVaultArn"), "name": REF},
    "backup_plan": {"id": getatt("BackupPlanId"), "arn": getatt("BackupPlanArn"), "version": getatt("VersionId")},
}
