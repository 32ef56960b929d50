"""Cognito: a user pool (`AWS::Cognito::UserPool`, Retain: it holds the users) and an
`AWS::Cognito::UserPoolClient` per client, with the safe defaults written out (see
`stdlib/kinds/identity.py`): clients that hide whether a user exists and sign in with SRP."""

from __future__ import annotations

from ..intrinsics import Att, sub
from ..logical_ids import camel
from ..units import seconds
from .common import REF, getatt

_MFA = {"off": "OFF", "optional": "OPTIONAL", "required": "ON"}
_USERNAME = {"email": "email", "phone": "phone_number"}
_FLOWS = {"code": "code", "implicit": "implicit", "client_credentials": "client_credentials"}


def cognito_user_pool(r):
    m = r.model
    sign_in = list(m.sign_in)
    password = m.password
    mfa = m.mfa
    r.part("AWS::Cognito::UserPool", {
        "UserPoolName": r.val("name"),
        "UsernameAttributes": [_USERNAME[x] for x in sign_in if x in _USERNAME] if "username" not in sign_in else None,
        "AutoVerifiedAttributes": [_USERNAME[x] for x in sign_in if x in _USERNAME] or None,
        "MfaConfiguration": _MFA[mfa],
        "EnabledMfas": (["SOFTWARE_TOKEN_MFA"] + (["SMS_MFA"] if m.sms_role else [])) if mfa != "off" else None,
        "SmsConfiguration": {"SnsCallerArn": r.val("sms_role"), "ExternalId": sub(r.address)} if m.sms_role else None,
        "Policies": {"PasswordPolicy": {
            "MinimumLength": r.val("password", "min_length"),
            "RequireLowercase": password.lowercase, "RequireUppercase": password.uppercase,
            "RequireNumbers": password.numbers, "RequireSymbols": password.symbols,
            "TemporaryPasswordValidityDays": int(seconds(r.get("password", "temporary_validity")) // 86400)}},
        "UserPoolAddOns": {"AdvancedSecurityMode": m.advanced_security.upper()}
        if m.advanced_security != "off" else None,
        "DeletionProtection": "ACTIVE" if m.deletion_protection else "INACTIVE",
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": not m.self_sign_up},
        "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}
        if "email" in sign_in else None,
        "UserPoolTags": dict(sorted((r.val("tags") or {}).items())) or None,
    }, deletion="Retain")  # the users are in it: a stack that deletes the pool keeps them
    for i, c in enumerate(m.client):
        p = ("client", i)
        flows = list(c.oauth_flows)
        r.part("AWS::Cognito::UserPoolClient", {
            "UserPoolId": r.att(),
            "ClientName": r.val(*p, "name"),
            "GenerateSecret": True if c.generate_secret else None,
            "CallbackURLs": r.val(*p, "callback_urls") or None,
            "LogoutURLs": r.val(*p, "logout_urls") or None,
            "AllowedOAuthFlows": [_FLOWS[f] for f in flows] or None,
            "AllowedOAuthFlowsUserPoolClient": True if flows else None,
            "AllowedOAuthScopes": r.val(*p, "scopes") if flows else None,
            "SupportedIdentityProviders": ["COGNITO"],
            "AccessTokenValidity": int(seconds(r.get(*p, "access_token")) // 60),
            "IdTokenValidity": int(seconds(r.get(*p, "id_token")) // 60),
            "RefreshTokenValidity": int(seconds(r.get(*p, "refresh_token")) // 60),
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"},
            # written: AWS's default (LEGACY) tells a caller whether a user name exists
            "PreventUserExistenceErrors": "ENABLED",
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        }, suffix="Client" + camel(c.name))


def _issuer(src):
    return sub("https://", Att(src.address, "", "ProviderURL"))


def _client_id(src):
    clients = src.model.client
    return Att(src.address, "Client" + camel(clients[0].name)) if clients else None


MAPPERS = {"cognito_user_pool": cognito_user_pool}
TYPES = {"cognito_user_pool": ["AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient"]}
EXPORTS = {"cognito_user_pool": {"id": REF, "arn": getatt("Arn"), "issuer": _issuer, "client_id": _client_id,
                                 "provider_name": getatt("ProviderName")}}
