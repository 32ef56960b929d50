"""EC2 compute: instances, launch templates, Auto Scaling groups (which launch and terminate
instances of their own), placement groups and EBS volumes.

Every instance lands on a host of its family in its AZ (`placement.py`); a launch that fits
nowhere fails with InsufficientInstanceCapacity. An Auto Scaling group that cannot launch in
one AZ (no capacity, a cluster group living elsewhere) tries its other AZs, as AWS does."""

from __future__ import annotations

from collections import Counter

from archform.providers.base import (Conflict, InsufficientAddresses, InsufficientCapacity, InvalidParameter,
                                     LimitExceeded)

from .. import addressing, ids, placement
from ..operation import Op
from ..store import Record
from .base import Behaviour, Named, in_use, require, users_of
from .common import by_az, check_groups_in_vpc, detach_from_users, subnets_vpc

LAUNCH_KEYS = ("ami", "instance_type", "security_groups", "key_name", "iam_role", "user_data", "root_volume",
               "hibernation", "tenancy", "purchase", "spot_max_price", "ebs_optimized", "monitoring",
               "associate_public_ip", "placement_group")


def place_instance(op: Op, inst: Record, subnet: Record, associate_public_ip) -> None:
    """Give an instance its AZ, private address, public address if it gets one, and DNS names."""
    inst.az, inst.subnet = subnet.attrs["az"], subnet.id
    private = op.private_ip(subnet, inst.id)
    wants_public = associate_public_ip if associate_public_ip is not None else bool(subnet.attrs.get("map_public_ip"))
    public = op.public_ip(inst.id, inst.region, vpc=subnet.attrs.get("vpc")) if wants_public else None
    inst.outputs.update(private_ip=private, public_ip=public)
    _dns(op, inst, subnet)


def _dns(op: Op, inst: Record, subnet: Record):
    vpc = op.get(subnet.attrs.get("vpc"))
    hostnames = vpc is None or vpc.attrs.get("enable_dns_hostnames", True)
    private, public = inst.outputs.get("private_ip"), inst.outputs.get("public_ip")
    inst.outputs.update(private_dns=addressing.private_dns(private, inst.region) if private else None,
                        public_dns=addressing.public_dns(public, inst.region) if hostnames else None, az=inst.az)


def instance_outputs(rec: Record) -> dict:
    return {k: rec.outputs.get(k) for k in ("private_ip", "public_ip", "private_dns", "public_dns", "az")}


class Instance(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        subnet = op.the(rec.attrs["subnet"])
        groups = rec.attrs.get("security_groups") or []
        check_groups_in_vpc(op, groups, subnet.attrs.get("vpc"), f"subnet {subnet.id}")
        limit = op.limit("security_groups_per_interface", rec.region)
        if len(groups) > limit:
            raise LimitExceeded(f"An instance's network interface takes at most {limit} security groups, "
                                f"got {len(groups)}", code="SecurityGroupsPerInterfaceLimitExceeded")

    def create(self, op: Op, rec: Record):
        place_instance(op, rec, op.the(rec.attrs["subnet"]), rec.attrs.get("associate_public_ip"))
        self._land(op, rec)
        rec.outputs["state"] = "running"

    @staticmethod
    def _land(op: Op, rec: Record):
        req = placement.request_for(op.tx, rec.region, rec.az, rec.attrs)
        placement.bind(op.tx, rec, req, placement.choose(op.tx, req))

    def update(self, op: Op, rec: Record, old: Record):
        if rec.attrs.get("instance_type") != old.attrs.get("instance_type"):
            # a new type is a stop and start: the instance may land on another host (notes §3.7.1)
            placement.unbind(op.tx, rec.id)
            self._land(op, rec)
        subnet = op.the(rec.attrs["subnet"])
        wanted = rec.attrs.get("associate_public_ip")
        wants_public = wanted if wanted is not None else bool(subnet.attrs.get("map_public_ip"))
        has_public = rec.outputs.get("public_ip") is not None
        if wants_public and not has_public:
            rec.outputs["public_ip"] = op.public_ip(rec.id, rec.region, vpc=subnet.attrs.get("vpc"))
        elif has_public and not wants_public:
            op.tx.release_public_ips(rec.id)
            rec.outputs["public_ip"] = None
        _dns(op, rec, subnet)

    def outputs(self, op: Op, rec: Record) -> dict:
        return {**instance_outputs(rec), "state": rec.outputs.get("state", "running")}

    def delete(self, op: Op, rec: Record):
        # terminating detaches volumes, Elastic IPs, secondary interfaces; targets are deregistered
        detach_from_users(op, rec, ("ebs_volume", "elastic_ip", "network_interface", "target_group"))


class LaunchTemplate(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        vpcs = {op.the(g).attrs.get("vpc") for g in rec.attrs.get("security_groups") or []}
        require(len(vpcs) <= 1, "The security groups of a launch template must belong to one VPC",
                "InvalidParameterCombination")

    def create(self, op: Op, rec: Record):
        rec.outputs["latest_version"] = 1

    def update(self, op: Op, rec: Record, old: Record):
        changed = {k for k in set(rec.attrs) | set(old.attrs) if k != "tags" and rec.attrs.get(k) != old.attrs.get(k)}
        rec.outputs["latest_version"] = int(old.outputs.get("latest_version", 1)) + (1 if changed else 0)

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"latest_version": rec.outputs.get("latest_version", 1)}


class AutoscalingGroup(Named):
    """Launches `desired` instances (its own records, kind instance, role asg) spread over the
    AZs of its subnets: each new one goes to the AZ with the fewest; scaling in terminates the
    newest instance of the AZ with the most. Instances in subnets the group no longer lists
    are terminated and replaced. New launch settings apply to instances launched from then
    on, or to all of them at once when the group has an `instance_refresh`."""

    service = "autoscaling"
    name_max = 255
    name_taken_code = "AlreadyExists"

    def arn(self, rec: Record) -> str:
        return ids.arn("autoscaling", rec.region,
                       f"autoScalingGroup:{ids.uuid(0, rec.seq, rec.name)}:autoScalingGroupName/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        a = rec.attrs
        subnets = a.get("subnets") or []
        require(bool(subnets), "At least one subnet must be given (VPCZoneIdentifier)", "ValidationError")
        vpc = subnets_vpc(op, subnets, "Auto Scaling group", code="ValidationError")
        low, high, desired = int(a["min"]), int(a["max"]), a.get("desired")
        require(low <= high, f"Max bound, {high}, must be greater than or equal to min bound, {low}", "ValidationError")
        if desired is not None:
            require(low <= int(desired) <= high, f"Desired capacity:{desired} must be between the specified min "
                                                 f"size:{low} and max size:{high}", "ValidationError")
        require((a.get("launch") is None) != (a.get("launch_template") is None),
                "Valid requests must contain either a LaunchTemplate or a launch specification, not both",
                "ValidationError")
        check_groups_in_vpc(op, self.settings(op, rec).get("security_groups") or [], vpc,
                            "the group's subnets", code="ValidationError")
        for tg in a.get("target_groups") or []:
            theirs = op.the(tg).attrs.get("vpc")
            require(theirs in (None, vpc), f"Target group {tg} is in VPC {theirs}, the group's subnets in {vpc}",
                    "ValidationError")

    @staticmethod
    def settings(op: Op, rec: Record) -> dict:
        if rec.attrs.get("launch") is not None:
            return dict(rec.attrs["launch"])
        template = op.get(rec.attrs.get("launch_template"))
        return dict(template.attrs) if template is not None else {}

    def create(self, op: Op, rec: Record):
        desired = rec.attrs.get("desired")
        self._scale(op, rec, int(desired if desired is not None else rec.attrs["min"]))

    def update(self, op: Op, rec: Record, old: Record):
        desired = rec.attrs.get("desired")
        if desired is None:
            current = len(op.tx.owned(rec.id, "instance"))
            desired = min(max(current, int(rec.attrs["min"])), int(rec.attrs["max"]))
        relaunch = any(rec.attrs.get(k) != old.attrs.get(k) for k in ("launch", "launch_template"))
        if relaunch and rec.attrs.get("instance_refresh") is not None:
            # an instance refresh replaces every instance with one of the new launch settings
            # (AWS rolls them in batches; the end state is this)
            for member in op.tx.owned(rec.id, "instance"):
                op.remove(member)
        self._scale(op, rec, int(desired))

    def _scale(self, op: Op, rec: Record, target: int):
        subnet_ids = rec.attrs.get("subnets") or []
        members = []
        for m in op.tx.owned(rec.id, "instance"):
            if m.subnet in subnet_ids:
                members.append(m)
            else:
                op.remove(m)
        while len(members) > target:
            counts = Counter(m.az for m in members)
            az = max(counts, key=lambda z: (counts[z], z))
            victim = max((m for m in members if m.az == az), key=lambda m: m.seq)
            op.remove(victim)
            members.remove(victim)
        if len(members) < target:
            groups = by_az(op, subnet_ids)
            settings = self.settings(op, rec)
            counts = Counter(m.az for m in members)  # kept up to date: no recount per launch
            while len(members) < target:
                inst = self._launch(op, rec, groups, counts, settings)
                members.append(inst)
                counts[inst.az] += 1
        rec.outputs["instances"] = [m.id for m in sorted(members, key=lambda m: m.seq)]

    def _launch(self, op: Op, rec: Record, groups: dict, counts: Counter, settings: dict) -> Record:
        refused: list[Exception] = []
        for az in sorted(groups, key=lambda z: (counts.get(z, 0), z)):
            for subnet in groups[az]:
                if addressing.available(op.tx, subnet.id, subnet.attrs["cidr"]) > 0:
                    req = placement.request_for(op.tx, rec.region, az, {**settings, **self._group(rec, settings)})
                    try:
                        spot = placement.choose(op.tx, req)
                    except (InsufficientCapacity, Conflict, InvalidParameter) as e:
                        refused.append(e)  # this AZ cannot take it: try the next, as AWS does
                        break
                    return self._launch_in(op, rec, subnet, settings, req, spot)
        if refused:
            first = refused[0]
            raise type(first)(f"Auto Scaling group {rec.name} could not launch an instance in any of its "
                              f"Availability Zones: " + "; ".join(e.message for e in refused), code=first.code)
        raise InsufficientAddresses(f"Auto Scaling group {rec.name}: there are not enough free addresses in its "
                                    f"subnets ({', '.join(s.id for g in groups.values() for s in g)}) to launch "
                                    "another instance", code="InsufficientFreeAddressesInSubnet")

    @staticmethod
    def _group(rec: Record, settings: dict) -> dict:
        return {"placement_group": rec.attrs.get("placement_group") or settings.get("placement_group")}

    def _launch_in(self, op: Op, rec: Record, subnet: Record, settings: dict, req, spot) -> Record:
        attrs = {k: settings.get(k) for k in LAUNCH_KEYS if k in settings}
        attrs.update(subnet=subnet.id, launch_template=rec.attrs.get("launch_template"), **self._group(rec, settings))
        inst = op.add_owned(rec, "instance", "asg", attrs)
        inst.outputs["arn"] = ids.ec2_arn("instance", inst.region, inst.id)
        place_instance(op, inst, subnet, settings.get("associate_public_ip"))
        placement.bind(op.tx, inst, req, spot)
        inst.outputs["state"] = "running"
        op.tx.save(inst)
        refs = [("subnet", subnet.id)] + [(f"security_groups[{i}]", g)
                                          for i, g in enumerate(attrs.get("security_groups") or [])]
        if attrs.get("placement_group"):
            refs.append(("placement_group", attrs["placement_group"]))
        op.tx.set_refs(inst.id, refs)
        return inst

    def outputs(self, op: Op, rec: Record) -> dict:
        instances = rec.outputs.get("instances", [])
        return {"name": rec.name, "instances": instances, "desired_capacity": len(instances)}

    def live(self, op: Op, rec: Record) -> dict:
        instances = [m.id for m in op.tx.owned(rec.id, "instance")]
        return {**rec.outputs, "instances": instances, "desired_capacity": len(instances)}


class PlacementGroup(Named):
    name_max = 255
    id_is_name = False
    name_taken_code = "InvalidPlacementGroup.Duplicate"

    def arn(self, rec: Record) -> str:
        return ids.arn("ec2", rec.region, f"placement-group/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        if old is None:
            count = len(op.tx.query("kind = 'placement_group' AND region IS ?", (rec.region,)))
            if count >= op.limits["placement_groups_per_region"]:
                raise LimitExceeded(f"You've reached the limit of {count} placement groups in {rec.region}",
                                    code="MaxPlacementGroupsExceeded")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name}

    def check_delete(self, op: Op, rec: Record):
        users = users_of(op, rec, ("instance",))
        if users:
            raise in_use(rec, users, code="InvalidPlacementGroup.InUse", what=" (instances still run in it)")


MULTI_ATTACH_TYPES = ("io1", "io2")


class EbsVolume(Behaviour):
    def validate(self, op: Op, rec: Record, old: Record | None):
        az = rec.attrs["az"]
        zones = op.zones(rec.region)
        require(az in zones, f"Invalid availability zone: [{az}] (the zones of {rec.region}: {', '.join(zones)})",
                "InvalidParameterValue")
        multi = bool(rec.attrs.get("multi_attach"))
        require(not multi or rec.attrs.get("type") in MULTI_ATTACH_TYPES,
                f"Multi-Attach is only supported on io1 and io2 volumes, not {rec.attrs.get('type')}",
                "InvalidParameterCombination")
        attachments = rec.attrs.get("attachments") or []
        require(len(set(attachments)) == len(attachments), "An instance is listed twice in attachments")
        for iid in attachments:
            instance = op.the(iid)
            if instance.az != az:
                raise InvalidParameter(f"The volume '{rec.id or '(new)'}' is not in the same availability zone as "
                                       f"instance '{iid}' (volume in {az}, instance in {instance.az})",
                                       code="InvalidVolume.ZoneMismatch")
        if len(attachments) > 1 and not multi:
            raise Conflict(f"Volume {rec.id or '(new)'} is already attached to an instance ({attachments[0]}); "
                           "only io1/io2 volumes with multi_attach attach to several", code="VolumeInUse")
        limit = op.limits["multi_attach_instances"]
        if len(attachments) > limit:
            raise LimitExceeded(f"A Multi-Attach volume attaches to at most {limit} instances, got {len(attachments)}",
                                code="AttachmentLimitExceeded")
        rec.az = az


BEHAVIOURS = {
    "instance": Instance(), "launch_template": LaunchTemplate(), "autoscaling_group": AutoscalingGroup(),
    "placement_group": PlacementGroup(), "ebs_volume": EbsVolume(),
}
