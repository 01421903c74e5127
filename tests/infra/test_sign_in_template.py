"""The console's sign-in as deployed: a Cognito user pool with managed login and MFA, its app client, the claims
trigger, and the API's LIAISON_WEB_SIGN_IN computed from them; and how the local stack resolves that value."""

from __future__ import annotations

import json

import pytest

from chalicelib.settings import Settings, WebSignIn
from infra import template as cfn
from infra.local import resources
from infra.local.resources import Created, LocalResources, NotEmulated

CUSTOM_ATTRIBUTES = {"custom:role", "custom:agency_id", "custom:region"}


@pytest.fixture(scope="module")
def merged() -> dict:
    return cfn.load()


@pytest.fixture(scope="module")
def pool(merged) -> dict:
    (pool,) = cfn.resources_of_type(merged, "AWS::Cognito::UserPool").values()
    return pool


@pytest.fixture(scope="module")
def client(merged) -> dict:
    (client,) = cfn.resources_of_type(merged, "AWS::Cognito::UserPoolClient").values()
    return client["Properties"]


def _pool_resources(merged, **parameters: str) -> LocalResources:
    """The template's intrinsics resolved as if the pool and its client existed (as on AWS)."""
    return LocalResources(region="eu-west-1",
                          parameters={"WebSignIn": "", "SignInDomainPrefix": "",
                                      "ConsoleBaseUrl": "https://liaison.example/console", **parameters},
                          created={"UserPool": Created("eu-west-1_Ex4mple"), "ConsoleClient": Created("c0nsole")},
                          conditions=merged["Conditions"])


def test_given_the_pool_then_mfa_is_required_with_an_authenticator_app_only(pool):
    props = pool["Properties"]
    assert (props["MfaConfiguration"], props["EnabledMfas"]) == ("ON", ["SOFTWARE_TOKEN_MFA"])


def test_given_the_pool_then_only_admins_create_people_and_passwords_are_strong(pool):
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[f"Require{kind}"] for kind in ("Lowercase", "Uppercase", "Numbers", "Symbols"))
    assert policy["TemporaryPasswordValidityDays"] <= 7


def test_given_the_pool_then_it_outlives_the_stack_and_supports_the_v2_trigger(pool):
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    assert (pool["DeletionPolicy"], pool["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert pool["Properties"]["UserPoolTier"] in ("ESSENTIALS", "PLUS")  # V2_0 events and managed login


def test_given_the_pool_then_it_holds_liaisons_claims_as_custom_attributes(pool):
    schema = {attribute["Name"]: attribute for attribute in pool["Properties"]["Schema"]}
    assert {f"custom:{name}" for name in schema} == CUSTOM_ATTRIBUTES
    assert all(attribute["AttributeDataType"] == "String" for attribute in schema.values())


def test_given_the_console_client_then_people_cannot_write_their_own_role_agency_or_region(client):
    # Without WriteAttributes a client may write every writable attribute: it must be given, and exclude them.
    assert "WriteAttributes" in client
    assert not CUSTOM_ATTRIBUTES & set(client["WriteAttributes"])


def test_given_the_console_client_then_it_uses_the_code_flow_only_back_to_the_console(client):
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]
    assert "openid" in client["AllowedOAuthScopes"]
    assert client["CallbackURLs"] == [{"Fn::Sub": "${ConsoleBaseUrl}/callback"}]
    assert client["LogoutURLs"] == [{"Fn::Sub": "${ConsoleBaseUrl}/signed-out"}]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_given_the_console_client_then_it_is_public_with_short_lived_tokens(client):
    """PKCE alone binds the code to the server; an ID token is also an API bearer token, so it lives minutes."""
    assert client["GenerateSecret"] is False
    assert client["TokenValidityUnits"]["IdToken"] == "minutes" and client["IdTokenValidity"] <= 60
    assert client["TokenValidityUnits"]["AccessToken"] == "minutes" and client["AccessTokenValidity"] <= 60
    assert not {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH"} & set(client["ExplicitAuthFlows"])


def test_given_the_domain_then_it_serves_managed_login_styled_for_the_console(merged):
    (domain,) = cfn.resources_of_type(merged, "AWS::Cognito::UserPoolDomain").values()
    assert domain["Properties"]["ManagedLoginVersion"] == 2
    assert domain["Properties"]["UserPoolId"] == {"Ref": "UserPool"}
    (branding,) = cfn.resources_of_type(merged, "AWS::Cognito::ManagedLoginBranding").values()
    assert branding["Properties"]["ClientId"] == {"Ref": "ConsoleClient"}


def test_given_the_domain_prefix_then_it_is_the_parameter_or_one_per_account(merged):
    domain = merged["Resources"]["UserPoolDomain"]["Properties"]["Domain"]
    assert _pool_resources(merged, SignInDomainPrefix="acme-liaison").resolve(domain) == "acme-liaison"
    assert _pool_resources(merged).resolve(domain) == f"liaison-{resources.ACCOUNT_ID}"


def test_given_the_pool_then_the_claims_trigger_is_wired_with_v2_events_and_may_be_invoked_by_it_only(merged, pool):
    config = pool["Properties"]["LambdaConfig"]["PreTokenGenerationConfig"]
    assert config == {"LambdaArn": {"Fn::GetAtt": ["ClaimsTrigger", "Arn"]}, "LambdaVersion": "V2_0"}
    (permission,) = cfn.resources_of_type(merged, "AWS::Lambda::Permission").values()
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["ClaimsTrigger", "Arn"]},
        "Principal": "cognito-idp.amazonaws.com", "SourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]},
        "SourceAccount": {"Ref": "AWS::AccountId"}}


def test_given_the_claims_trigger_then_it_is_inline_python_311_that_may_only_write_its_own_logs(merged):
    function = merged["Resources"]["ClaimsTrigger"]["Properties"]
    assert (function["Runtime"], function["Handler"]) == ("python3.11", "index.handler")
    assert len(function["Code"]["ZipFile"]) <= cfn.MAX_INLINE_CODE
    assert function["Environment"]["Variables"] == {"AGENCY_PROVIDERS": {"Ref": "AgencyIdentityProviders"}}
    role = merged["Resources"][function["Role"]["Fn::GetAtt"][0]]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    assert statements == [{"Sid": "OwnLogsOnly", "Effect": "Allow",
                           "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                           "Resource": {"Fn::GetAtt": ["ClaimsTriggerLogGroup", "Arn"]}}]
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "ClaimsTriggerLogGroup"}


def test_given_log_groups_encrypted_with_the_data_key_then_its_policy_lets_cloudwatch_logs_use_it(merged):
    """CloudWatch Logs refuses a KMS key whose policy does not name its regional service principal."""
    groups = cfn.resources_of_type(merged, "AWS::Logs::LogGroup")
    assert all(group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]} for group in groups.values())
    statements = merged["Resources"]["DataKey"]["Properties"]["KeyPolicy"]["Statement"]
    service = {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}
    (logs,) = [statement for statement in statements if statement["Principal"].get("Service") == service]
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == \
        {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}


def test_given_an_inline_function_longer_than_cloudformation_allows_then_loading_the_template_fails(
        tmp_path, monkeypatch):
    (tmp_path / "big.py").write_text("x = 1\n" * 1000)
    monkeypatch.setattr(cfn, "INFRA_DIR", tmp_path)
    with pytest.raises(ValueError, match="longer than inline code"):
        cfn.inline_code({"Metadata": {cfn.CODE_FILE_KEY: "big.py"}})


def test_given_no_override_then_the_api_signs_people_in_with_the_pool(merged):
    for function in ("APIHandler", "JwtAuth"):
        value = merged["Resources"][function]["Properties"]["Environment"]["Variables"]["LIAISON_WEB_SIGN_IN"]
        sign_in = WebSignIn.model_validate_json(_pool_resources(merged).resolve(value))
        pool_url = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ex4mple"
        pages = f"https://liaison-{resources.ACCOUNT_ID}.auth.eu-west-1.amazoncognito.com"
        assert (sign_in.issuer, sign_in.client_id, sign_in.client_secret) == (pool_url, "c0nsole", None)
        assert str(sign_in.jwks_url) == f"{pool_url}/.well-known/jwks.json"
        assert (str(sign_in.authorize_url), str(sign_in.token_url), str(sign_in.logout_url)) == \
            (f"{pages}/oauth2/authorize", f"{pages}/oauth2/token", f"{pages}/logout")
        assert sign_in.logout_redirect_parameter == "logout_uri"


def test_given_the_pool_as_sign_in_then_the_api_trusts_it_for_the_console_client_only(merged):
    value = cfn.api_environment(merged)["LIAISON_WEB_SIGN_IN"]
    settings = Settings(web_sign_in=_pool_resources(merged).resolve(value), trusted_issuers="[]", stage="prod",
                        local_accounts_url=None)
    (trusted,) = settings.trusted_issuers
    assert (trusted.issuer, trusted.audience) == ("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ex4mple",
                                                  "c0nsole")


def test_given_a_web_sign_in_override_then_the_api_uses_it_instead_of_the_pool(merged):
    value = cfn.api_environment(merged)["LIAISON_WEB_SIGN_IN"]
    override = json.dumps({"issuer": "https://id.example", "client_id": "x"})
    assert _pool_resources(merged, WebSignIn=override).resolve(value) == override


def test_given_the_outputs_then_they_name_the_pool_the_client_and_the_sign_in_pages(merged):
    outputs = merged["Outputs"]
    assert outputs["UserPoolId"]["Value"] == {"Ref": "UserPool"}
    assert outputs["ConsoleClientId"]["Value"] == {"Ref": "ConsoleClient"}
    assert _pool_resources(merged, SignInDomainPrefix="acme").resolve(outputs["SignInDomain"]["Value"]) == \
        "https://acme.auth.eu-west-1.amazoncognito.com"


# The local stack: the same template, with Cognito not emulated.

def test_given_the_local_stack_then_cognito_and_its_trigger_are_knowingly_not_emulated():
    for kind in ("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolDomain",
                 "AWS::Cognito::ManagedLoginBranding", "AWS::Lambda::Function", "AWS::Lambda::Permission"):
        assert resources.NOT_EMULATED[kind]


def test_given_the_local_stack_with_its_mock_provider_then_the_api_signs_in_with_it(merged, local_resources):
    environment = local_resources.environment(merged)
    assert environment["LIAISON_WEB_SIGN_IN"] == local_resources.parameters["WebSignIn"] != ""


# The settings that name the user pool: without a provider override they need it, and it is not created locally.
POOL_SETTINGS = {"LIAISON_WEB_SIGN_IN", "LIAISON_USER_POOL_ID"}


def test_given_the_local_stack_without_a_provider_then_only_the_pool_settings_are_empty(merged, local_resources):
    """Without the override the values need the pool, which is not created locally: the pages say sign-in is off,
    and approved applicants get no account made by Liaison."""
    bare = LocalResources(region=local_resources.region, parameters={**local_resources.parameters, "WebSignIn": ""},
                          created=local_resources.created, conditions=local_resources.conditions)
    environment, full = bare.environment(merged), local_resources.environment(merged)
    assert {name: environment[name] for name in POOL_SETTINGS} == {name: "" for name in POOL_SETTINGS}
    assert {k: v for k, v in environment.items() if k not in POOL_SETTINGS} == \
        {k: v for k, v in full.items() if k not in POOL_SETTINGS}
    for name, value in cfn.api_environment(merged).items():  # nothing else leans on a resource missing locally
        if name not in POOL_SETTINGS:
            bare.resolve(value)


def test_given_a_provider_override_then_liaison_makes_no_pool_accounts(local_resources, merged):
    """With another provider (make run's, an agency's) the pool is not where people sign in."""
    assert local_resources.environment(merged)["LIAISON_USER_POOL_ID"] == ""


# The local resolver's intrinsics.

@pytest.fixture
def resolver() -> LocalResources:
    return LocalResources(
        region="eu-west-1", parameters={"Name": "liaison", "Empty": ""},
        created={"Table": Created("liaison-Table", {"Arn": "arn:aws:dynamodb:eu-west-1:123456789012:table/t"})},
        conditions={"HasName": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Name"}, ""]}]},
                    "HasEmpty": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Empty"}, ""]}]},
                    "Both": {"Fn::And": [{"Condition": "HasName"}, {"Condition": "HasEmpty"}]},
                    "Either": {"Fn::Or": [{"Condition": "HasName"}, {"Condition": "HasEmpty"}]}})


def test_given_sub_then_parameters_pseudo_parameters_resources_attributes_and_variables_are_replaced(resolver):
    assert resolver.resolve({"Fn::Sub": "${Name}-${AWS::Region}-${AWS::AccountId}-${Table}-${Table.Arn}"}) == \
        "liaison-eu-west-1-123456789012-liaison-Table-arn:aws:dynamodb:eu-west-1:123456789012:table/t"
    assert resolver.resolve({"Fn::Sub": ["${Greeting}, ${Name}; ${!Literal}", {"Greeting": {"Ref": "Name"}}]}) == \
        "liaison, liaison; ${Literal}"


def test_given_if_then_the_branch_of_the_condition_is_resolved(resolver):
    assert [resolver.resolve({"Fn::If": [name, "yes", {"Ref": "Name"}]})
            for name in ("HasName", "HasEmpty", "Both", "Either")] == ["yes", "liaison", "liaison", "yes"]


def test_given_a_resource_that_is_not_created_locally_then_resolving_it_says_so(resolver):
    for value in ({"Ref": "UserPool"}, {"Fn::GetAtt": ["UserPool", "Arn"]}, {"Fn::Sub": "${UserPool.Arn}"}):
        with pytest.raises(NotEmulated):
            resolver.resolve(value)
    with pytest.raises(ValueError, match="not supported locally"):
        resolver.resolve({"Fn::Join": ["", ["a"]]})


def test_given_the_pool_then_no_device_is_remembered_so_every_sign_in_asks_for_the_second_factor():
    """The console's sessions count as multi-factor because of this (`mfa_enforced` in the sign-in settings)."""
    from infra import template as cfn

    template = cfn.load()
    pool = template["Resources"]["UserPool"]["Properties"]
    assert pool["MfaConfiguration"] == "ON" and "DeviceConfiguration" not in pool
    sign_in = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]["LIAISON_WEB_SIGN_IN"]
    assert '"mfa_enforced": true' in sign_in["Fn::If"][2]["Fn::Sub"][0]
