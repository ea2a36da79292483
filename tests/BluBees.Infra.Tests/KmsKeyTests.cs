namespace BluBees.Infra.Tests;

/// <summary>The customer-managed key and its key policy.</summary>
[TestFixture]
internal sealed class KmsKeyTests
{
    private const string RootArn = "arn:${AWS::Partition}:iam::${AWS::AccountId}:root";
    private const string ArnPrefix = "arn:${AWS::Partition}:";
    private const string RegionAccount = "${AWS::Region}:${AWS::AccountId}";

    private static readonly string[] CryptoActionPrefixes =
        ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt", "kms:GenerateDataKey", "kms:GenerateMac", "kms:VerifyMac",
         "kms:Sign", "kms:Verify", "kms:DeriveSharedSecret", "kms:GenerateRandom"];

    private static IReadOnlyList<PolicyStatement> KeyPolicy =>
        [.. PolicyStatements.All().Where(s => s.ResourceId == "DataKey" && s.IsKeyPolicy)];

    private static bool IsCrypto(string action) =>
        CryptoActionPrefixes.Any(p => action.StartsWith(p, StringComparison.Ordinal));

    private static bool IsRoot(JsonNode? principal) => Cfn.SubTemplate(principal) == RootArn;

    private static string PrincipalName(JsonNode? principal)
    {
        if (IsRoot(principal))
        {
            return "root";
        }

        if (Cfn.GetAtt(principal) is (var resource, "Arn"))
        {
            return resource;
        }

        return Cfn.RefTarget(principal) ?? Cfn.Show(principal);
    }

    private static IEnumerable<string> Principals(PolicyStatement s) => s.AwsPrincipals.Select(PrincipalName);

    private static IEnumerable<string> StringsOf(JsonNode? node) =>
        Cfn.FlatList(node).Select(n => Cfn.Str(n) ?? Cfn.SubTemplate(n) ?? Cfn.RefTarget(n) ?? Cfn.Show(n));

    [Test]
    public void ThereIsExactlyOneKeyWithRotationRetainedOnDelete()
    {
        var resource = Template.Resource("DataKey");
        var props = Template.Properties("DataKey");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Template.OfType("AWS::KMS::Key"), Is.EqualTo(new[] { "DataKey" }));
            Assert.That(Cfn.Bool(props["EnableKeyRotation"]), Is.True);
            Assert.That(Cfn.Str(props["KeySpec"]) ?? "SYMMETRIC_DEFAULT", Is.EqualTo("SYMMETRIC_DEFAULT"));
            Assert.That(Cfn.Str(props["KeyUsage"]) ?? "ENCRYPT_DECRYPT", Is.EqualTo("ENCRYPT_DECRYPT"));
            Assert.That(Cfn.Str(resource["DeletionPolicy"]), Is.EqualTo("Retain"), "losing the key loses every tenant's data");
            Assert.That(Cfn.Str(resource["UpdateReplacePolicy"]), Is.EqualTo("Retain"));
            Assert.That(Cfn.Bool(props["BypassPolicyLockoutSafetyCheck"]) ?? false, Is.False);
        }
    }

    [Test]
    public void AliasNamesTheKey()
    {
        var alias = Template.OfType("AWS::KMS::Alias").Select(Template.Properties).Single();
        Assert.That(Cfn.IsRef(alias["TargetKeyId"], "DataKey") || Cfn.IsGetAtt(alias["TargetKeyId"], "DataKey", "Arn"), Is.True);
    }

    [Test]
    public void AccountAdministersTheKeyWithExplicitActionsAndCannotUseIt()
    {
        var admin = KeyPolicy.Where(s => s.IsAllow && s.AwsPrincipals.Any(IsRoot) && s.Conditions.Count == 0).ToList();
        Assert.That(admin, Has.Count.EqualTo(1), "one unconditional administration statement for the account");
        var actions = admin[0].Actions;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Principals(admin[0]), Is.EqualTo(new[] { "root" }));
            Assert.That(actions, Is.SupersetOf(new[]
            {
                "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:EnableKeyRotation",
                "kms:GetKeyRotationStatus", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:TagResource",
                "kms:DisableKey", "kms:EnableKey", "kms:RevokeGrant", "kms:ListGrants",
            }), "the key must stay manageable through IAM");
            Assert.That(actions, Has.None.Contains("*"));
            Assert.That(actions.Where(IsCrypto), Is.Empty, "administrators are not data users");
            Assert.That(actions, Has.None.EqualTo("kms:CreateGrant"), "a grant would hand out data use");
        }
    }

    [Test]
    public void RootOtherwiseOnlyLetsDynamoDbCreateItsTableGrant()
    {
        // The approved exception: the principal that creates (or restores) the table needs
        // CreateGrant through DynamoDB. Nothing else may name the account root.
        foreach (var s in KeyPolicy.Where(s => s.AwsPrincipals.Any(IsRoot) && s.Conditions.Count > 0))
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(s.Actions, Is.EqualTo(new[] { "kms:CreateGrant" }), s.Where);
                Assert.That(Cfn.SubTemplate(s.Condition("StringEquals", "kms:ViaService")), Is.EqualTo("dynamodb.${AWS::Region}.amazonaws.com"), s.Where);
                Assert.That(Cfn.RefTarget(s.Condition("StringEquals", "kms:CallerAccount")), Is.EqualTo("AWS::AccountId"), s.Where);
                Assert.That(Cfn.Bool(s.Condition("Bool", "kms:GrantIsForAWSResource")), Is.True, s.Where);
            }
        }
    }

    [Test]
    public void DataUseIsLimitedToTheFunctionRolesTheOperatorAndCloudWatchLogs()
    {
        var crypto = KeyPolicy.Where(s => s.IsAllow && s.Actions.Any(IsCrypto)).ToList();
        Assert.That(crypto, Is.Not.Empty);
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in crypto)
            {
                Assert.That(Principals(s), Is.SubsetOf(new[] { "ApiRole", "WorkerRole", "OperatorRoleArn" }), s.Where);
                Assert.That(s.ServicePrincipals, Is.SubsetOf(new[] { "logs.${AWS::Region}.amazonaws.com" }), s.Where);
                Assert.That(s.Conditions, Is.Not.Empty, $"{s.Where}: data use is always conditioned");
            }
        }
    }

    [Test]
    public void TenantDataKeysRequireExactlyTheTenantEncryptionContext()
    {
        var tenant = KeyPolicy.Where(s => s.IsAllow && Principals(s).Contains("ApiRole") && s.ConditionKeys.Contains("kms:EncryptionContextKeys")).ToList();
        Assert.That(tenant, Has.Count.EqualTo(1));
        var s = tenant[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Principals(s), Is.EquivalentTo(new[] { "ApiRole", "WorkerRole" }));
            Assert.That(s.Actions, Is.EquivalentTo(new[] { "kms:GenerateDataKey", "kms:Decrypt" }));
            Assert.That(StringsOf(s.Condition("ForAllValues:StringEquals", "kms:EncryptionContextKeys")), Is.EqualTo(new[] { "tenant" }));
            Assert.That(Cfn.Str(s.Condition("Null", "kms:EncryptionContext:tenant")), Is.EqualTo("false"), "the tenant pair must be present");
        }
    }

    [Test]
    public void TableUseGoesThroughDynamoDbForTheStackTableOnly()
    {
        var tableName = Cfn.SubTemplate(Template.Properties("DataTable")["TableName"]);
        var keyTableName = Cfn.SubTemplate(Template.Properties("KeyTable")["TableName"]);
        var viaDynamo = KeyPolicy.Where(s => s.Actions.Any(IsCrypto)
            && Cfn.SubTemplate(s.Condition("StringEquals", "kms:ViaService")) == "dynamodb.${AWS::Region}.amazonaws.com").ToList();
        Assert.That(viaDynamo, Is.Not.Empty);
        foreach (var s in viaDynamo)
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(Principals(s), Is.SupersetOf(new[] { "ApiRole", "WorkerRole" }), s.Where);
                Assert.That(Cfn.RefTarget(s.Condition("StringEquals", "kms:CallerAccount")), Is.EqualTo("AWS::AccountId"), s.Where);
                var tables = StringsOf(s.Condition("StringEquals", "kms:EncryptionContext:aws:dynamodb:tableName")).ToList();
                Assert.That(tables, Does.Contain(tableName), s.Where);
                Assert.That(tables, Is.SubsetOf(new[] { tableName, keyTableName, "TableNameOverride" }), s.Where);
            }
        }
    }

    [Test]
    public void QueueUseGoesThroughSqsForTheRunQueues()
    {
        string QueueArn(string queue) =>
            $"{ArnPrefix}sqs:{RegionAccount}:{Cfn.SubTemplate(Template.Properties(queue)["QueueName"])}";

        var viaSqs = KeyPolicy.Where(s => s.Actions.Any(IsCrypto)
            && Cfn.SubTemplate(s.Condition("StringEquals", "kms:ViaService")) == "sqs.${AWS::Region}.amazonaws.com").ToList();
        using (Assert.EnterMultipleScope())
        {
            foreach (var s in viaSqs)
            {
                Assert.That(StringsOf(s.Condition("StringEquals", "kms:EncryptionContext:aws:sqs:arn")),
                    Is.Not.Empty.And.SubsetOf(new[] { QueueArn("RunQueue"), QueueArn("RunDeadLetterQueue") }), s.Where);
            }

            Assert.That(viaSqs.Where(s => Principals(s).Contains("ApiRole")).SelectMany(s => s.Actions),
                Is.SupersetOf(new[] { "kms:GenerateDataKey", "kms:Decrypt" }), "SendMessage to an SSE-KMS queue");
            Assert.That(viaSqs.Where(s => Principals(s).Contains("WorkerRole")).SelectMany(s => s.Actions),
                Does.Contain("kms:Decrypt"), "ReceiveMessage from an SSE-KMS queue");
            Assert.That(viaSqs.Where(s => Principals(s).Contains("WorkerRole")).SelectMany(s => s.Actions),
                Has.None.StartsWith("kms:GenerateDataKey"), "the worker does not send");
        }
    }

    [Test]
    public void CloudWatchLogsMayUseTheKeyOnlyForThisStacksLogGroups()
    {
        var expected = Template.OfType("AWS::Logs::LogGroup")
            .Select(g => $"{ArnPrefix}logs:{RegionAccount}:log-group:{Cfn.SubTemplate(Template.Properties(g)["LogGroupName"])}");
        var logs = KeyPolicy.Where(s => s.ServicePrincipals.Any(p => p.StartsWith("logs.", StringComparison.Ordinal))).ToList();
        Assert.That(logs, Has.Count.EqualTo(1));
        Assert.That(StringsOf(logs[0].Condition("ArnEquals", "kms:EncryptionContext:aws:logs:arn")), Is.EquivalentTo(expected));
    }
}
